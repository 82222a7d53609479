"""The verdict of `python -m zoo.compare` on summary.json files with known differences: the interval is Student t's,
a real gap is significant, a gap within noise is a tie, Holm's correction counts the pairs, one seed is not ranked,
and tuning chooses the learning rate on validation before the seeds at it are compared."""
import csv
import json
import math
import statistics

import pytest
from scipy import stats

from zoo.compare.command import compare
from zoo.compare.significance import interval, verdict, welch


def written(path, model, test_accuracy, seed, lr=0.01, val_loss=None):
    """A copy run's summary.json with the fields compare reads."""
    path.mkdir(parents=True)
    path.joinpath("summary.json").write_text(json.dumps({
        "status": "completed", "error": None,
        "config": {"data": {"_target_": "zoo.data.copy.CopyData", "lag": 8}, "model": {"d_model": 64},
                   "optim": {"lr": lr}, "seed": seed},
        "options": {"data": "copy", "model": model},
        "objective": {"name": "val/loss", "mode": "min"},
        "metrics": {"val/loss": val_loss or 1 - test_accuracy, "best/val/loss": val_loss or 1 - test_accuracy,
                    "test/loss": 1 - test_accuracy, "test/accuracy": test_accuracy, "baseline/accuracy": 0.125},
        "parameters": 1000, "wall_seconds": 1.0, "tokens_per_second": 100.0,
    }))


def compared(tmp_path, accuracies: dict[str, list[float]]) -> dict[str, dict]:
    """compare() over one run per model and seed; the CSV's row of each model."""
    for model, values in accuracies.items():
        for seed, value in enumerate(values):
            written(tmp_path / f"{model}-{seed}", model, value, seed)
    compare(tmp_path)
    with (tmp_path / "leaderboard.csv").open() as file:
        return {row["model"]: row for row in csv.DictReader(file)}


def test_the_interval_is_student_t_over_the_seeds():
    values = [0.61, 0.58, 0.66, 0.63]
    low, high = stats.t.interval(0.95, len(values) - 1, loc=statistics.fmean(values), scale=stats.sem(values))
    estimate = interval(values)
    assert (estimate.mean, estimate.low, estimate.high, estimate.n) == pytest.approx(
        (statistics.fmean(values), low, high, 4))
    # by hand: t(0.975, 3) = 3.182
    assert estimate.high - estimate.mean == pytest.approx(3.182 * statistics.stdev(values) / 2, rel=1e-3)
    one = interval([0.5])
    assert (one.mean, one.low, one.high, one.n) == (0.5, None, None, 1)


def test_a_real_gap_is_significant_and_ranked_below(tmp_path):
    rows = compared(tmp_path, {"lstm": [0.91, 0.93, 0.92], "rnn": [0.71, 0.78, 0.70]})
    assert (rows["lstm"]["rank"], rows["lstm"]["rank_shared"]) == ("1", "False")
    assert (rows["rnn"]["rank"], rows["rnn"]["rank_shared"]) == ("2", "False")
    assert rows["lstm"]["significantly_better_than"] == "rnn" and rows["rnn"]["significantly_worse_than"] == "lstm"
    assert rows["lstm"]["verdict_metric"] == "test/accuracy"  # the loss trains; accuracy is the figure read
    low, high = stats.t.interval(0.95, 2, loc=0.92, scale=stats.sem([0.91, 0.93, 0.92]))
    assert (float(rows["lstm"]["verdict_ci_low"]), float(rows["lstm"]["verdict_ci_high"])) == pytest.approx((low, high))
    board = (tmp_path / "leaderboard.md").read_text()
    line = next(line for line in board.splitlines() if line.startswith("| lstm |"))
    p = stats.ttest_ind([0.91, 0.93, 0.92], [0.71, 0.78, 0.70], equal_var=False).pvalue
    assert 0.001 <= p < 0.05  # one pair: Welch's p as it is, nothing to correct
    assert f"| 1 | 0.92 [0.895, 0.945] | rnn (p={p:.3f}) |" in line


def test_a_gap_within_noise_is_a_tie(tmp_path):
    rows = compared(tmp_path, {"gru": [0.80, 0.90, 0.85], "lstm": [0.82, 0.88, 0.83], "rnn": [0.30, 0.32, 0.31]})
    assert welch([0.80, 0.90, 0.85], [0.82, 0.88, 0.83]) > 0.5
    assert {model: (row["rank"], row["rank_shared"]) for model, row in rows.items()} == {
        "gru": ("1", "True"), "lstm": ("1", "True"), "rnn": ("3", "False")}
    assert rows["gru"]["significantly_better_than"] == "rnn" and rows["gru"]["significantly_worse_than"] == ""
    table = [[cell.strip() for cell in line.split("|")[1:-1]]
             for line in (tmp_path / "leaderboard.md").read_text().splitlines() if line.startswith("| ")]
    rank = table[0].index("rank")
    assert [(row[0], row[rank]) for row in table[1:]] == [("gru", "1="), ("lstm", "1="), ("rnn", "3")]


def test_holm_multiplies_the_smallest_p_by_the_number_of_pairs():
    samples = {"a": [1.00, 1.10, 1.20], "b": [1.25, 1.35, 1.45], "c": [1.30, 1.50, 1.70]}
    raw = welch(samples["a"], samples["b"])
    assert 0.01 < raw < 0.05  # significant alone, not among three pairs
    standings, pairs = verdict(samples, higher_is_better=False)
    by_pair = {(pair.better, pair.worse): pair for pair in pairs}
    assert set(by_pair) == {("a", "b"), ("a", "c"), ("b", "c")}
    smallest = min(pairs, key=lambda pair: pair.p)
    assert smallest.adjusted == pytest.approx(min(1.0, 3 * smallest.p))
    assert by_pair["a", "b"].p == pytest.approx(raw) and not by_pair["a", "b"].significant
    assert [(standing.label, standing.rank, standing.shared) for standing in standings] == [
        ("a", 1, True), ("b", 1, True), ("c", 1, True)]


def test_constant_samples_are_told_apart_by_their_means_and_one_seed_is_not_ranked():
    standings, pairs = verdict({"solved": [1.0, 1.0, 1.0], "near": [0.9, 0.9, 0.9], "once": [0.99]},
                               higher_is_better=True)
    assert [(standing.label, standing.rank) for standing in standings] == [("solved", 1), ("near", 2), ("once", None)]
    assert [pair.p for pair in pairs if "once" in (pair.better, pair.worse)] == [None, None]
    same, _ = verdict({"a": [1.0, 1.0], "b": [1.0, 1.0]}, higher_is_better=True)
    assert [standing.rank for standing in same] == [1, 1]


def test_a_lower_is_better_figure_ranks_the_lowest_first_on_the_first_test_split(tmp_path):
    for model, errors in {"ar": [14.0, 14.2, 13.9], "gru": [20.0, 21.0, 19.5]}.items():
        for seed, error in enumerate(errors):
            path = tmp_path / f"{model}-{seed}"
            path.mkdir()
            path.joinpath("summary.json").write_text(json.dumps({
                "status": "completed", "config": {"data": {"_target_": "Sunspots"}, "model": {}, "seed": seed},
                "options": {"data": "sunspots", "model": model}, "objective": {"name": "val/rmse", "mode": "min"},
                "metrics": {"val/rmse": error, "test_1921_1955/rmse": error, "test_1956_1979/rmse": 2 * error}}))
    text = compare(tmp_path)
    assert "Verdict by test_1921_1955/rmse, lower is better" in text
    with (tmp_path / "leaderboard.csv").open() as file:
        rows = {row["model"]: row for row in csv.DictReader(file)}
    assert (rows["ar"]["rank"], rows["gru"]["rank"]) == ("1", "2")
    assert float(rows["gru"]["verdict_mean"]) == pytest.approx(statistics.fmean([20.0, 21.0, 19.5]))


def test_tuning_chooses_the_rate_on_validation_and_its_seeds_are_the_sample(tmp_path):
    # lstm's best validation is at lr 0.003, its best test accuracy at lr 0.01: the verdict reads lr 0.003's seeds
    for seed in range(3):
        written(tmp_path / f"lstm-a-{seed}", "lstm", 0.60 + 0.01 * seed, seed, lr=0.003, val_loss=0.1)
        written(tmp_path / f"lstm-b-{seed}", "lstm", 0.95 + 0.01 * seed, seed, lr=0.01, val_loss=0.5)
        written(tmp_path / f"gru-{seed}", "gru", 0.80 + 0.01 * seed, seed, lr=0.01, val_loss=0.3)
    compare(tmp_path)
    with (tmp_path / "leaderboard.csv").open() as file:
        rows = {(row["model"], row["variant"]): row for row in csv.DictReader(file)}
    tuned = rows["lstm", "optim.lr=0.003"]
    assert float(tuned["verdict_mean"]) == pytest.approx(0.61) and tuned["verdict_seeds"] == "3"
    assert rows["lstm", "optim.lr=0.01"]["rank"] == ""  # searched, not compared
    assert (rows["gru", ""]["rank"], tuned["rank"]) == ("1", "2")
    assert tuned["significantly_worse_than"] == "gru"
    gru = rows["gru", ""]
    assert math.isclose(float(gru["verdict_ci_high"]) - 0.81, 0.81 - float(gru["verdict_ci_low"]))


def test_a_seed_that_diverged_to_nan_is_left_out_of_its_verdict(tmp_path):
    rows = compared(tmp_path, {"lstm": [float("nan"), 0.50, 0.60], "gru": [0.90, 0.91]})
    assert rows["lstm"]["verdict_seeds"] == "2" and float(rows["lstm"]["verdict_mean"]) == pytest.approx(0.55)
    assert "0.55 [-0.0853, 1.19] (2 of 3 seeds finite)" in (tmp_path / "leaderboard.md").read_text()
