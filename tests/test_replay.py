"""`python -m zoo.compare.replay`: a tighter stop rule replayed on recorded validation histories, with the stop
semantics of the protocol's callbacks, the choices zoo.compare would then make, and a looser rule refused."""
import json
import subprocess
import sys

from tests.conftest import ROOT
from zoo.compare.replay import StopRule, replay


def history(values, every=100):
    return [{"epoch": index, "step": every * (index + 1), "seconds": 10.0 * (index + 1), "val/loss": value}
            for index, value in enumerate(values)]


def written(path, lr, values, seed=0, patience=5, min_steps=0, max_steps=2000):
    """A summary.json as a run of experiment=compare writes it, less the fields the replay does not read."""
    path.mkdir(parents=True)
    scores = history(values)
    path.joinpath("summary.json").write_text(json.dumps({
        "status": "completed", "error": None,
        "config": {"data": {"_target_": "zoo.data.copy.CopyData"}, "model": {"d_model": 64}, "optim": {"lr": lr},
                   "seed": seed, "trainer": {"max_steps": max_steps},
                   "callbacks": {"early_stopping": {"patience": patience, "min_steps": min_steps, "min_delta": 0.0}}},
        "options": {"data": "copy", "model": "lstm"},
        "objective": {"name": "val/loss", "mode": "min"},
        "metrics": {"val/loss": values[-1], "best/val/loss": min(values), "test/accuracy": 0.5},
        "validation": scores, "wall_seconds": scores[-1]["seconds"] + 1.0,
    }))


def test_the_plateau_stop_tracks_its_best_only_from_min_steps_and_stops_on_a_non_finite_value():
    values = [1.0, 3.0, 2.0, 2.5, 2.4, 1.9]  # steps 100 ... 600
    assert StopRule(patience=2).stop(history(values), "val/loss", "min") == 3  # 1.0 at step 100, then 2 without
    # from step 300 on, its best is 2.0 (step 300); steps 400 and 500 do not improve on it
    assert StopRule(patience=2, min_steps=300).stop(history(values), "val/loss", "min") == 5
    gentle = history([*values[:5], 1.85, 1.0])  # 1.85 improves on 2.0 by less than 0.2
    assert StopRule(patience=3, min_steps=300).stop(gentle, "val/loss", "min") == 7
    assert StopRule(patience=3, min_steps=300, min_delta=0.2).stop(gentle, "val/loss", "min") == 6
    assert StopRule(patience=None, max_steps=350).stop(history(values), "val/loss", "min") == 3
    assert StopRule(patience=9).stop(history([2.0, float("nan"), 1.0]), "val/loss", "min") == 2
    assert StopRule(patience=1).stop(history([0.5, 0.6, 0.4]), "val/loss", "max") == 3
    assert StopRule(patience=None).stop(history(values), "val/loss", "min") == len(values)


def sweep(root):
    """lr 0.001 sits on a plateau for 4 validations and then learns: patience 5 lets it, patience 3 does not, and
    the choice passes to lr 0.01, which validates 1.5 at best."""
    for seed in (0, 1, 2):
        written(root / f"slow-{seed}", 0.001, [2.0, 2.0, 2.0, 2.0, 2.0, 1.0 + seed / 10, 0.9 + seed / 10], seed)
    written(root / "fast-0", 0.01, [1.8, 1.6, 1.5, 1.5, 1.5, 1.5, 1.5])


def table_cells(text):
    return [[cell.strip() for cell in line.split("|")[1:-1]] for line in text.splitlines() if line.startswith("| ")]


def test_the_recorded_rule_changes_nothing(tmp_path):
    sweep(tmp_path)
    text = replay(tmp_path, {})
    assert table_cells(text)[1:] == [["copy", "lstm optim.lr=0.001", "lr=0.001", "val/loss 1 -> 1", "3", "210 -> 210"]]
    assert "(0% saved)" in text and "Tuned choices changed: 0 of 1" in text and "changed: 0 of 1." in text


def test_a_tighter_patience_stops_the_slow_rate_on_its_plateau_and_hands_the_choice_to_the_fast_one(tmp_path):
    sweep(tmp_path)
    text = replay(tmp_path, {"patience": 3})
    # each slow seed stops after 4 validations (40 s of 70), the fast one after 6 (60 of 70)
    assert table_cells(text)[1:] == [["copy", "lstm optim.lr=0.001", "lr=0.001 -> lr=0.01", "val/loss 1 -> 2", "3",
                                     "210 -> 120"]]
    assert "280 s recorded, 180 s replayed (36% saved)" in text
    assert "Tuned choices changed: 1 of 1" in text and "changed: 1 of 1: copy lstm optim.lr=0.001 1 -> 2" in text


def test_a_looser_rule_is_refused_in_one_line_naming_the_setting_and_the_recorded_value(tmp_path):
    sweep(tmp_path)
    result = subprocess.run([sys.executable, "-m", "zoo.compare.replay", str(tmp_path), "--patience", "8",
                             "--max-steps", "1000"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: --patience 8 (it ran with 5) would let ")
    negative = subprocess.run([sys.executable, "-m", "zoo.compare.replay", str(tmp_path), "--min-steps", "-1"],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert negative.returncode == 2 and "argument --min-steps: -1 is below 0" in negative.stderr
