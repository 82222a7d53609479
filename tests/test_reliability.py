"""Nothing lost: a run killed mid-training resumes to the metrics of one never interrupted; non-finite losses stop
a run (or are skipped); checkpoints that do not fit, or hold code, are refused; the same seed gives the same run."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch

from tests.conftest import ROOT
from tests.test_cli import zoo
from zoo.run.checkpoints import newest_readable_checkpoint
from zoo.run.load import interrupted_run
from zoo.errors import ZooError

# a small GRU with dropout (its masks are random state a resumed run must restore) on the sunspots series
RUN = ["data=sunspots", "model=gru", "model.d_model=16", "model.n_layers=2", "model.dropout=0.2",
       "trainer.max_epochs=5", "trainer.limit_train_batches=4", "trainer.enable_progress_bar=false",
       "trainer.enable_model_summary=false", "logger=wandb", "+callbacks.pace._target_=tests.test_reliability.Pace"]


class Pace(pl.Callback):
    """A pause after each epoch's checkpoint: room for the test to kill the run between two checkpoints."""

    def on_train_epoch_end(self, trainer, task):
        time.sleep(0.5)


def start(run_dir: Path, *overrides: str) -> subprocess.Popen:
    env = {**os.environ, "WANDB_SILENT": "true", "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "zoo", *RUN, *overrides, f"hydra.run.dir={run_dir}"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def summary(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text())


def test_a_killed_run_resumes_to_the_metrics_of_one_never_interrupted(tmp_path):
    runs = {name: tmp_path / name for name in ("whole", "again", "killed")}
    processes = {name: start(run_dir) for name, run_dir in runs.items()}
    checkpoints = runs["killed"] / "checkpoints"
    deadline = time.monotonic() + 240
    while not (checkpoints / "last.ckpt").exists():  # the first epoch's checkpoints are written
        assert processes["killed"].poll() is None and time.monotonic() < deadline, processes["killed"].stderr.read()
        time.sleep(0.02)
    processes["killed"].send_signal(signal.SIGKILL)
    processes["killed"].wait()
    for name in ("whole", "again"):
        assert processes[name].wait() == 0, processes[name].stderr.read()[-3000:]
    assert not (runs["killed"] / "summary.json").exists()  # it died mid-training
    # a checkpoint cut short by a crash elsewhere (a copy, a full disk), newer than the good ones: passed over
    (checkpoints / "zz-cut-short.ckpt").write_bytes((checkpoints / "last.ckpt").read_bytes()[:5000])
    [wandb_run] = (runs["killed"] / "wandb").glob("offline-run-*")

    resumed = zoo(*RUN, "ckpt_path=last", f"hydra.run.dir={runs['killed']}")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "passed over: ckpt_path=" in resumed.stderr + resumed.stdout

    whole, again, killed = (summary(runs[name]) for name in ("whole", "again", "killed"))
    assert whole["metrics"] == again["metrics"]  # the same config and seed: the same run, to the bit
    assert killed["metrics"] == whole["metrics"]  # data order, dropout and optimizer state all restored
    assert killed["steps"] == whole["steps"] == 5 * 4
    resumed_epochs = {entry["epoch"]: entry for entry in killed["validation"]}
    for entry in whole["validation"]:
        if entry["epoch"] in resumed_epochs:
            assert resumed_epochs[entry["epoch"]]["val/rmse"] == entry["val/rmse"]
    # the same tracker run, logged into again
    assert wandb_run.name.endswith(killed["trackers"][0]["id"])


def start_sweep(sweep_dir: Path) -> subprocess.Popen:
    """experiment=compare's way of running a sweep again (job directories named by their overrides, here the seed's
    alone: seed=0; skip_finished=true) over one job, the run above."""
    env = {**os.environ, "WANDB_SILENT": "true", "OMP_NUM_THREADS": "1"}
    fixed = ",".join(["skip_finished", *(override.split("=")[0].lstrip("+") for override in RUN)])
    return subprocess.Popen([sys.executable, "-m", "zoo", "-m", *RUN, "skip_finished=true", "seed=0",
                             f"hydra.job.config.override_dirname.exclude_keys=[{fixed}]",
                             "hydra.sweep.subdir=${hydra.job.override_dirname}", f"hydra.sweep.dir={sweep_dir}"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def test_a_sweep_started_again_continues_its_killed_job_from_its_last_checkpoint(tmp_path):
    sweeps = {name: tmp_path / name for name in ("whole", "killed")}
    processes = {name: start_sweep(sweep_dir) for name, sweep_dir in sweeps.items()}
    checkpoints = sweeps["killed"] / "seed=0" / "checkpoints"
    deadline = time.monotonic() + 240
    while not (checkpoints / "last.ckpt").exists():
        assert processes["killed"].poll() is None and time.monotonic() < deadline, processes["killed"].stderr.read()
        time.sleep(0.02)
    os.killpg(processes["killed"].pid, signal.SIGKILL)  # the sweep and anything it started
    processes["killed"].wait()
    assert processes["whole"].wait() == 0, processes["whole"].stderr.read()[-3000:]
    assert not (sweeps["killed"] / "seed=0" / "summary.json").exists()

    again = start_sweep(sweeps["killed"])
    _, stderr = again.communicate(timeout=300)
    assert again.returncode == 0, stderr[-3000:]
    job_log = "".join(path.read_text() for path in (sweeps["killed"] / "seed=0").glob("*.log"))
    assert "left by a run of this config that did not finish" in job_log
    whole, resumed = (summary(sweep_dir / "seed=0") for sweep_dir in sweeps.values())
    assert resumed["metrics"] == whole["metrics"]  # continued, not started again: the same run to the bit
    assert resumed["steps"] == whole["steps"] == 5 * 4
    assert len(resumed["validation"]) < len(whole["validation"])  # the epochs before the kill were not run again


def test_a_checkpoint_of_another_config_is_not_continued(tmp_path):
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    torch.save({"callbacks": {"RunState": {"config_digest": "another"}}}, checkpoints / "last.ckpt")
    assert interrupted_run(tmp_path, checkpoints, "this") is None
    assert interrupted_run(tmp_path, tmp_path / "none", "this") is None
    assert interrupted_run(tmp_path, checkpoints, "another").checkpoint_path == checkpoints / "last.ckpt"


def test_the_newest_readable_checkpoint_is_taken_and_none_is_a_clear_error(tmp_path):
    torch.save({"epoch": 1}, tmp_path / "older.ckpt")
    time.sleep(0.01)
    (tmp_path / "newer.ckpt").write_bytes(b"PK\x03\x04 cut short")
    path, contents = newest_readable_checkpoint(tmp_path)
    assert Path(path).name == "older.ckpt" and contents == {"epoch": 1}
    with pytest.raises(ZooError, match=r"ckpt_path=last: no readable checkpoint in .*hydra.run.dir=<its directory>"):
        newest_readable_checkpoint(tmp_path / "empty")


class PoisonBatch(pl.Callback):
    """Turns the inputs of one training batch into NaN, as a bad record or an overflow would."""

    def on_train_batch_start(self, trainer, task, batch, batch_index):
        if batch_index == 2:
            batch["input"].fill_(float("nan"))


POISONED = ["data=sunspots", "model=gru", "model.d_model=16", "debug=default", "logger=none",
            "+callbacks.poison._target_=tests.test_reliability.PoisonBatch"]


def test_a_non_finite_loss_stops_the_run_naming_the_step(tmp_path):
    result = zoo(*POISONED, f"hydra.run.dir={tmp_path}")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: training loss is nan at step 2 (epoch 0, batch 2): lower optim.lr, or set "
        "optim.skip_nonfinite=true to skip such batches")
    assert summary(tmp_path)["status"] == "failed"


def test_skip_nonfinite_skips_the_batch_and_counts_it(tmp_path):
    result = zoo(*POISONED, "optim.skip_nonfinite=true", f"hydra.run.dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-3000:]
    record = summary(tmp_path)
    assert record["skipped_nonfinite_batches"] == 1
    # no NaN reached the weights: every metric finite (summary.json writes a non-finite one as null)
    assert record["metrics"] and all(value is not None for value in record["metrics"].values())


def test_a_checkpoint_of_another_architecture_is_refused_in_one_line(tmp_path):
    trained = tmp_path / "gru"
    assert zoo("data=sunspots", "model=gru", "debug=default", "logger=none", f"hydra.run.dir={trained}").returncode == 0
    result = zoo("data=sunspots", "model=lstm", "debug=default", "logger=none",
                 f"ckpt_path={trained / 'checkpoints' / 'last.ckpt'}", f"hydra.run.dir={tmp_path / 'lstm'}")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "last.ckpt: trained as GRU with d_model=32, it does not fit the model this config builds" in result.stderr


class Payload:
    """Pickled into a checkpoint, its unpickling would run code."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_a_checkpoint_holding_code_is_refused_not_run(tmp_path, capfd):
    path = tmp_path / "evil.ckpt"
    torch.save({"state_dict": {}, "payload": Payload()}, path)
    result = zoo("data=sunspots", "debug=default", "logger=none", f"ckpt_path={path}",
                 f"hydra.run.dir={tmp_path / 'run'}")
    assert result.returncode == 1 and "pwned" not in result.stdout
    assert f"ckpt_path={path}: refused, it holds more than tensors and plain data" in result.stderr


def test_an_output_directory_that_cannot_be_made_fails_before_any_training(tmp_path):
    result = zoo("data=sunspots", "debug=default", "logger=none", "hydra.run.dir=/proc/zoo-run")
    assert result.returncode == 1
    assert result.stderr.strip() == ("Error: hydra.run.dir=/proc/zoo-run cannot be written (No such file or "
                                     "directory): give a writable directory")


def test_a_full_disk_met_while_writing_is_one_line_and_a_failing_exit(tmp_path):
    (tmp_path / "summary.json.tmp").symlink_to("/dev/full")  # what summary.json is written through: ENOSPC
    result = zoo("data=sunspots", "debug=default", "logger=none", f"hydra.run.dir={tmp_path}")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: cannot write {tmp_path / 'summary.json.tmp'}: No space left on device; free space, or give a "
        f"writable hydra.run.dir")
