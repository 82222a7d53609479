"""A real sweep in which one job fails, then `python -m zoo.compare` over it: every run in the leaderboard (the
failed one marked failed), the CSV readable, the plots real PNG images."""
import csv
import json
import os
import subprocess
import sys

import matplotlib.image
import pytest

from tests.conftest import ROOT
from tests.test_cli import zoo
from zoo.compare.command import compare
from zoo.tasks.translation_scoring import write_translations

TINY = ["data=sunspots", "debug=default", "logger=none", "trainer.max_epochs=2"]
PLOTS = ["validation_curves.png", "objective_vs_parameters.png", "objective_vs_wall_time.png"]


def summary(path):
    return json.loads((path / "summary.json").read_text())


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """Two sweeps side by side, as under outputs/multirun: two models over two seeds, and an AR sweep over its window
    whose first job (window 0) fails."""
    root = tmp_path_factory.mktemp("multirun")
    seeds = zoo("-m", *TINY, "model=gru,ar", "seed=0,1", f"hydra.sweep.dir={root / 'seeds'}")
    assert seeds.returncode == 0, seeds.stderr[-3000:]
    windows = zoo("-m", *TINY, "model=ar", "model.window=0,4", f"hydra.sweep.dir={root / 'windows'}")
    return root, windows


@pytest.fixture(scope="module")
def compared(sweeps):
    root, _ = sweeps
    (root / "interrupted").mkdir()
    (root / "interrupted" / "summary.json").write_text('{"status": "compl')
    (root / "foreign").mkdir()
    (root / "foreign" / "summary.json").write_text('{"status": "completed"}')
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "zoo.compare", str(root)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return root, result


def test_a_failing_job_is_one_line_and_the_sweep_goes_on(sweeps):
    root, windows = sweeps
    assert windows.returncode == 1  # Hydra ends a sweep that had a failed job with a failing exit
    assert "Error in job 0 (" in windows.stderr and "model.window must be >= 1" in windows.stderr
    assert "Traceback" not in windows.stderr
    failed, completed = summary(root / "windows" / "0"), summary(root / "windows" / "1")
    assert failed["status"] == "failed" and "model.window must be >= 1" in failed["error"]
    assert completed["status"] == "completed"
    assert [summary(root / "seeds" / str(job))["status"] for job in range(4)] == ["completed"] * 4


def test_a_run_records_its_options_validation_history_and_peak_memory(sweeps):
    root, _ = sweeps
    record = summary(root / "seeds" / "0")
    assert record["options"]["data"] == "sunspots" and record["options"]["model"] == "gru"
    history = record["validation"]
    assert [point["epoch"] for point in history] == [0, 1]
    assert all(point["step"] > 0 and point["seconds"] > 0 and "val/rmse" in point for point in history)
    assert history[-1]["val/rmse"] == pytest.approx(record["metrics"]["val/rmse"])
    assert record["peak_memory_mb"] > 50


def test_a_replay_of_real_runs_under_their_own_rule_finds_the_best_score_their_checkpoints_recorded(sweeps):
    from zoo.compare.replay import replay

    root, _ = sweeps
    text = replay(root / "seeds", {})
    assert "(0% saved)" in text and "Kept rows whose best validation changed: 0 of 2." in text
    assert "Kept rows whose best validation changed: 0 of 2." not in replay(root / "seeds", {"max_steps": 1})


def test_the_leaderboard_lists_every_run_and_warns_of_broken_summaries(compared):
    root, result = compared
    assert "interrupted/summary.json: not readable JSON" in result.stderr
    assert "foreign/summary.json: no data and model in its config" in result.stderr
    assert result.stdout == (root / "leaderboard.md").read_text() + "\n"
    table = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| model | variant | seeds | parameters | val/rmse | best val/rmse |")
    rows = {tuple(cell.strip() for cell in line.split("|")[1:4]): line for line in table[1:]}
    assert set(rows) == {("gru", "", "2"), ("ar", "model.window=8", "2"), ("ar", "model.window=4", "1"),
                         ("ar", "model.window=0", "")}
    assert "failed: ZooError" in rows["ar", "model.window=0", ""]
    assert "persistence_rmse" in result.stdout and "ar9_rmse" in result.stdout  # the data set's baselines


def test_the_csv_has_a_row_per_model_and_setting(compared):
    root, _ = compared
    with (root / "leaderboard.csv").open() as file:
        reader = csv.DictReader(file)
        rows = list(reader)
    assert {"data", "model", "variant", "status", "error", "seeds", "objective", "objective_mean", "objective_std",
            "best_mean", "parameters", "wall_seconds", "tokens_per_second", "peak_memory_mb",
            "test_1921_1955/rmse", "test_1921_1955/rmse_std",
            "baseline/test_1921_1955/ar9_rmse"} <= set(reader.fieldnames)
    assert sorted((row["model"], row["status"], row["seeds"]) for row in rows) == [
        ("ar", "completed", "1"), ("ar", "completed", "2"), ("ar", "failed", "0"), ("gru", "completed", "2")]
    for row in rows:
        assert row["data"] == "sunspots"
        if row["status"] == "completed":
            assert float(row["objective_mean"]) > 0 and float(row["parameters"]) > 0
    assert float(next(row for row in rows if row["seeds"] == "2")["objective_std"]) >= 0


@pytest.mark.parametrize("name", PLOTS)
def test_each_plot_is_a_png_image(compared, name):
    root, _ = compared
    path = root / name
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100 and image.std() > 0


def test_compare_imports_neither_torch_nor_lightning_nor_wandb():
    probe = ("import sys, zoo.compare\n"
             "print(sorted(m for m in ('torch', 'pytorch_lightning', 'lightning', 'wandb') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]"


def written(path, model, lr, best_val, test_accuracy, lag=8, status="completed", seed=0):
    """A summary.json as a copy run writes it (only the fields compare reads; the run's own directory in its
    config, as every run has, must not tell runs apart)."""
    path.mkdir(parents=True)
    path.joinpath("summary.json").write_text(json.dumps({
        "status": status, "error": None if status == "completed" else "RuntimeError: diverged",
        "config": {"data": {"_target_": "zoo.data.copy.CopyData", "lag": lag}, "model": {"d_model": 64},
                   "optim": {"lr": lr}, "seed": seed, "trainer": {"default_root_dir": str(path)}},
        "options": {"data": "copy", "model": model},
        "objective": {"name": "val/loss", "mode": "min"},
        "metrics": {} if status != "completed" else {"val/loss": best_val, "best/val/loss": best_val,
                                                     "test/accuracy": test_accuracy, "baseline/accuracy": 0.125},
        "parameters": 1000, "wall_seconds": 1.0, "tokens_per_second": 100.0 * lag,
    }))


def board_rows(text):
    return [[cell.strip() for cell in line.split("|")[1:-1]] for line in text.splitlines() if line.startswith("| ")]


def test_the_learning_rate_is_tuned_by_validation_and_every_run_still_listed(tmp_path):
    from zoo.compare.command import compare

    for lag in (8, 32):
        # the best validation loss is at lr 0.003, the best test accuracy at lr 0.01: validation decides
        written(tmp_path / f"lstm-{lag}-a", "lstm", 0.001, 2.0, 0.2, lag)
        written(tmp_path / f"lstm-{lag}-b", "lstm", 0.003, 1.0, 0.5 if lag == 8 else 0.3, lag)
        written(tmp_path / f"lstm-{lag}-c", "lstm", 0.01, 1.5, 0.9, lag)
        written(tmp_path / f"lstm-{lag}-d", "lstm", 0.03, None, None, lag, status="failed")
        written(tmp_path / f"gru-{lag}", "gru", 0.001, 1.2, 0.4, lag)
    text = compare(tmp_path)
    board = board_rows(text.split("## copy data.lag=8\n")[1].split("\n## ")[0])
    assert board[0][:4] == ["model", "variant", "tuned", "seeds"]
    tuned = {(row[0], row[1]): row[2] for row in board[1:]}
    assert tuned == {("lstm", "optim.lr=0.003"): "best of 4", ("lstm", "optim.lr=0.01"): "",
                     ("lstm", "optim.lr=0.001"): "", ("lstm", "optim.lr=0.03"): "", ("gru", ""): ""}
    ladder = board_rows(text.split("## copy: test/accuracy against data.lag\n")[1].split("\n## ")[0])
    assert ladder == [["model", "8", "32"], ["gru", "0.4", "0.4"], ["lstm", "0.5 (lr=0.003)", "0.3 (lr=0.003)"],
                      ["*baseline*", "0.125", "0.125"]]
    with (tmp_path / "leaderboard.csv").open() as file:
        kept = {(row["model"], row["variant"], row["data"]): row["kept"] for row in csv.DictReader(file)}
    assert len(kept) == 10 and {key for key, value in kept.items() if value == "True"} == {
        ("lstm", "optim.lr=0.003", "copy data.lag=8"), ("gru", "", "copy data.lag=8"),
        ("lstm", "optim.lr=0.003", "copy data.lag=32"), ("gru", "", "copy data.lag=32")}
    assert matplotlib.image.imread(tmp_path / "accuracy_vs_lag.png").std() > 0


def test_without_tuning_each_learning_rate_is_a_row_of_its_own_and_a_failed_seed_tunes_nothing(tmp_path):
    from zoo.compare.command import compare

    written(tmp_path / "a", "lstm", 0.001, 2.0, 0.2, seed=0)
    written(tmp_path / "b", "lstm", 0.003, 1.0, 0.5, seed=0)
    untuned = board_rows(compare(tmp_path, tuned=()))
    assert "tuned" not in untuned[0] and len(untuned) == 3
    written(tmp_path / "c", "lstm", 0.003, None, None, seed=1, status="failed")
    (tmp_path / "a" / "summary.json").unlink()
    board = board_rows(compare(tmp_path))
    assert "tuned" not in board[0] and sorted(row[-1].split(":")[0] for row in board[1:]) == ["completed", "failed"]


def test_the_rate_is_chosen_on_the_seeds_every_rate_ran_as_a_tuned_sweep_chose_it(tmp_path):
    from zoo.compare.command import compare

    # hydra/sweeper=zoo_tuned: both rates at seed 0, where 0.001 validates best, then seeds 1 and 2 at 0.001 alone;
    # their worse scores must not hand the choice to 0.01, which ran seed 0 only
    for seed, best_val in ((0, 1.0), (1, 3.0), (2, 3.0)):
        written(tmp_path / f"slow-{seed}", "lstm", 0.001, best_val, 0.5 + seed / 100, seed=seed)
    written(tmp_path / "fast-0", "lstm", 0.01, 1.5, 0.9, seed=0)
    board = board_rows(compare(tmp_path))
    kept = {row[1]: (row[2], row[3]) for row in board[1:]}
    assert kept == {"optim.lr=0.001": ("best of 2", "3"), "optim.lr=0.01": ("", "1")}


def test_settings_read_as_one_put_runs_that_differ_only_in_them_in_one_row(tmp_path):
    from zoo.compare.command import compare

    for seed, interval in ((0, 1), (1, None), (2, None)):  # a trainer setting changed between the seeds' jobs
        written(tmp_path / f"run-{seed}", "lstm", 0.001, 1.0 + seed / 10, 0.5, seed=seed)
        summary = json.loads((tmp_path / f"run-{seed}" / "summary.json").read_text())
        summary["config"]["trainer"]["check_val_every_n_epoch"] = interval
        (tmp_path / f"run-{seed}" / "summary.json").write_text(json.dumps(summary))
    assert len(board_rows(compare(tmp_path))) == 3  # the header and two rows: the setting tells them apart
    [header, row] = board_rows(compare(tmp_path, same=("trainer.check_val_every_n_epoch",)))
    assert row[header.index("seeds")] == "3"


def test_the_table_across_data_sets_ranks_each_figure_in_the_baselines_terms(tmp_path):
    from scipy import stats

    from zoo.compare.command import compare

    accuracies = {"lstm": [0.90, 0.91, 0.92], "gru": [0.50, 0.52, 0.51]}
    for model, values in accuracies.items():
        for seed, accuracy in enumerate(values):
            written(tmp_path / f"{model}-{seed}", model, 0.001, 1.0, accuracy, lag=8, seed=seed)
            # the same accuracy at lag 32, where the baseline is an error: the table reads the runs' error there
            written(tmp_path / f"{model}-{seed}-32", model, 0.001, 1.0, accuracy, lag=32, seed=seed)
            summary = json.loads((tmp_path / f"{model}-{seed}-32" / "summary.json").read_text())
            metrics = summary["metrics"]
            metrics["test/error"] = 1 - metrics["test/accuracy"]
            metrics["baseline/test/dtw_1nn_error"] = metrics.pop("baseline/accuracy") / 2
            (tmp_path / f"{model}-{seed}-32" / "summary.json").write_text(json.dumps(summary))
    text = compare(tmp_path)
    table = board_rows(text.split("## Across data sets\n")[1].split("\n## ")[0])
    assert table[0] == ["data set", "figure", "gru", "lstm", "baselines (same runs)"]
    by_figure = {(row[0], row[1]): row[2:] for row in table[1:]}
    assert set(by_figure) == {("copy data.lag=8", "test/accuracy"), ("copy data.lag=32", "test/error")}
    gru, lstm, baselines = by_figure["copy data.lag=8", "test/accuracy"]
    half = stats.t.ppf(0.975, 2) * 0.01 / 3 ** 0.5  # each sample's standard deviation is 0.01
    assert lstm == f"**0.91 [{0.91 - half:.3g}, {0.91 + half:.3g}] (1)**"
    assert gru == f"0.51 [{0.51 - half:.3g}, {0.51 + half:.3g}] (2)"
    assert baselines == "accuracy 0.125"
    gru, lstm, baselines = by_figure["copy data.lag=32", "test/error"]
    assert lstm.startswith("**0.09 [") and lstm.endswith("(1)**") and gru.startswith("0.49 [")
    assert baselines == "dtw_1nn_error 0.0625"


def test_one_data_set_has_no_table_across(tmp_path):
    from zoo.compare.command import compare

    written(tmp_path / "a", "lstm", 0.001, 1.0, 0.5)
    assert "## Across data sets" not in compare(tmp_path)


def test_runs_that_kept_their_translations_get_a_verdict_over_seeds_and_sentences(tmp_path):
    references = [[f"the {word} sleeps on the warm mat."] for word in ("cat", "dog", "cow", "hen", "owl")] * 20
    for model, hypothesis in (("transformer", None), ("gru", "the owl sleeps on the mat.")):
        for seed in range(2):
            run = tmp_path / f"{model}-{seed}"
            written(run, model, 1e-3, 1.0, 0.5, seed=seed)
            write_translations(run / "test_translations.jsonl", [
                {"source": f"Satz {i}.", "references": reference, "hypothesis": hypothesis or reference[0],
                 "word_by_word": "sleeps warm."} for i, reference in enumerate(references)])
    text = compare(tmp_path)
    table = text[text.index("### Test BLEU over seeds and test sentences"):]
    assert [row[0] for row in board_rows(table)[1:]] == ["transformer", "gru", "word by word"]
    assert "transformer > gru" in table and "Significant gaps" in table
