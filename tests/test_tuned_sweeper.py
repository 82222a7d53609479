"""hydra/sweeper=zoo_tuned: every rate at the first seed, the other seeds only at the rate its validation chose."""
import json

import pytest
from hydra.core.utils import JobReturn, JobStatus
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

from hydra_plugins.zoo_tuned_sweeper.sweeper import TuneThenRepeatSweeper, in_step
from tests.test_sweeps import zoo_multirun
from zoo.run.record import Summary, write_summary


def finished(tmp_path, name, mode, value=None, error=None) -> JobReturn:
    """What the launcher hands back for a job whose run directory records its data set's direction."""
    run_dir = tmp_path / name
    run_dir.mkdir()
    write_summary(run_dir, Summary(config={"data": {}, "model": {}}, status="failed" if error else "completed",
                                   objective={"name": "val/x", "mode": mode}))
    result = JobReturn(hydra_cfg=OmegaConf.create({"hydra": {"runtime": {"output_dir": str(run_dir)}}}))
    result.status, result._return_value = (JobStatus.FAILED, error) if error else (JobStatus.COMPLETED, value)
    return result


def test_each_cell_keeps_the_rate_its_validation_scored_best_in_its_own_direction(tmp_path):
    sweeper = TuneThenRepeatSweeper(params=None, tune=["optim.lr"], repeat="seed", max_batch_size=None, together=[])
    jobs = [[f"data={data}", f"optim.lr={lr}", "seed=0"] for data in ("copy", "recall", "adding")
            for lr in ("0.001", "0.01")]
    results = [
        finished(tmp_path, "copy-slow", "min", 2.0), finished(tmp_path, "copy-fast", "min", 1.0),  # a loss: lower
        finished(tmp_path, "recall-slow", "max", 0.9), finished(tmp_path, "recall-fast", "max", 0.2),  # accuracy
        finished(tmp_path, "adding-slow", "min", error=RuntimeError("diverged")),
        finished(tmp_path, "adding-fast", "min", float("nan")),
    ]
    assert sweeper.best_of_each_cell(jobs, results) == {("data=copy",): ("optim.lr=0.01",),
                                                        ("data=recall",): ("optim.lr=0.001",)}


def test_a_tuned_sweep_repeats_only_the_chosen_rate_and_resumes_without_running_again(tmp_path):
    sweep = ["experiment=compare_smoke", "data=sunspots", "logger=none", "model=ar", "optim.lr=1e-4,3e-2",
             "seed=0,1,2", f"hydra.sweep.dir={tmp_path}"]
    result = zoo_multirun(*sweep)
    assert result.returncode == 0, result.stderr[-3000:]
    summaries = [json.loads(path.read_text()) for path in tmp_path.glob("*/summary.json")]
    first = {summary["config"]["optim"]["lr"]: summary["returned"] for summary in summaries
             if summary["config"]["seed"] == 0}
    chosen = min(first, key=first.get)  # sunspots: RMSE, lower is better
    assert len(first) == 2
    assert sorted((summary["config"]["seed"], summary["config"]["optim"]["lr"]) for summary in summaries
                  if summary["config"]["seed"] != 0) == [(1, chosen), (2, chosen)]
    again = zoo_multirun(*sweep)
    assert again.returncode == 0, again.stderr[-3000:]
    assert (again.stdout + again.stderr).count("holds a finished run of this config") == 4


def test_keys_swept_together_take_their_values_in_step():
    grid = [[f"data.length={length}", f"data.n_pairs={pairs}", f"model={model}"]
            for length in ("64", "128") for pairs in ("4", "8") for model in ("gru", "lstm")]
    assert in_step(grid, [["data.length", "data.n_pairs"]]) == [
        ["data.length=64", "data.n_pairs=4", "model=gru"], ["data.length=64", "data.n_pairs=4", "model=lstm"],
        ["data.length=128", "data.n_pairs=8", "model=gru"], ["data.length=128", "data.n_pairs=8", "model=lstm"]]
    assert in_step(grid, []) == grid


def test_keys_swept_together_need_as_many_values_each():
    grid = [[f"data.length={length}", "data.n_pairs=4"] for length in ("64", "128")]
    with pytest.raises(ConfigCompositionException, match=r"as many each \(data.length: 2, data.n_pairs: 1\)"):
        in_step(grid, [["data.length", "data.n_pairs"]])
