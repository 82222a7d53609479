"""What a user reads of a run in a log file (stdout not a terminal: SLURM, nohup): the learning curve, the samples,
the test figures once each, where the run's files are, and no third-party chatter."""
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

NOISE = ["Tip:", "anonymous", "was configured so", "deprecated", "Deprecat", "FutureWarning",
         "estimate number of stepping batches"]


def zoo_log(*args: str) -> str:
    """stdout and stderr of `python -m zoo ARGS` written to a pipe, as a batch system's log file receives them."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HYDRA_FULL_ERROR": "0"}
    env.pop("WANDB_SILENT", None)  # a user's environment has no such setting: wandb's own lines are part of the log
    result = subprocess.run([sys.executable, "-m", "zoo", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=300)  # one stream, as in `> log 2>&1`
    assert result.returncode == 0, result.stdout[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def translation_log(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    return run_dir, zoo_log("debug=default", "data.max_pairs=300", "data.vocab_size=300", "trainer.max_epochs=2",
                            "trainer.limit_train_batches=2", "logger=wandb", f"hydra.run.dir={run_dir}")


def test_a_logged_run_shows_its_learning_curve_samples_and_files(translation_log):
    run_dir, log = translation_log
    curve = re.findall(r"epoch (\d)/2  step \d+  \dm\d\ds  train/loss [\d.]+  val/loss [\d.]+", log)
    assert curve == ["1", "2"]
    assert log.count("hypothesis ") == 5
    assert f"run files: {run_dir} " in log.strip().splitlines()[-1]  # the last line, below wandb's


def test_a_logged_run_has_no_third_party_chatter(translation_log):
    _, log = translation_log
    assert [line for line in log.splitlines() if any(noise in line for noise in NOISE)] == []


def test_the_test_table_shows_each_figure_once(tmp_path):
    log = zoo_log("debug=default", "data=sunspots", "model=gru", "logger=none", f"hydra.run.dir={tmp_path}")
    table = log[log.index("test metrics:"):].splitlines()[1:]
    names = [line.split()[0] for line in table if line.startswith("  ")]
    assert {"test_1921_1955/mse", "test_1956_1979/rmse", "baseline/test_1956_1979/ar9_rmse"} <= set(names)
    assert len(names) == len(set(names))
    assert "DataLoader 1" not in log
