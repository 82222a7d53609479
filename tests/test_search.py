"""Searches: an Optuna search that resumes its study (after a kill too), the direction it optimises, each
architecture's own knobs."""
import json
import os
import signal
import subprocess
import sys
import time

import optuna
import pytest
import pytorch_lightning as pl
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.utils import get_class
from omegaconf import OmegaConf

from tests.conftest import CONF, MODELS, ROOT, compose_train
from tests.test_cli import zoo
from zoo.errors import ZooError
from zoo.launch.sweep import architecture_knobs, direction_of

# a trial is seconds: a small model, a few batches of one epoch, no test split
TINY_TRIAL = ["debug=default", "data=sunspots", "logger=none", "test=false"]


class FailSecondTrial(pl.Callback):
    """Stops the second trial of a search, as a diverging or out-of-memory trial would stop."""

    def on_train_start(self, trainer, task):
        if HydraConfig.get().job.num == 1:
            raise ZooError("this trial fails on purpose")


def test_a_failed_trial_is_marked_failed_and_the_study_goes_on(tmp_path):
    result = zoo("-m", "hparams_search=optuna", "model=rnn", *TINY_TRIAL, "hydra.sweeper.n_trials=4",
                 "hydra.sweeper.sampler.seed=0", "+callbacks.fail._target_=tests.test_search.FailSecondTrial",
                 f"hydra.sweep.dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "this trial fails on purpose" in result.stderr
    study = optuna.load_study(study_name="rnn-sunspots", storage=f"sqlite:///{tmp_path}/optuna.db")
    states = [trial.state for trial in study.trials]
    assert states.count(optuna.trial.TrialState.FAIL) == 1 and states.count(optuna.trial.TrialState.COMPLETE) == 3
    statuses = sorted(json.loads(path.read_text())["status"] for path in tmp_path.glob("*/summary.json"))
    assert statuses == ["completed"] * 3 + ["failed"]  # the finished trials kept, the failed one recorded


def test_a_search_resumes_its_study_from_the_sweep_dir(tmp_path):
    search = ["-m", "hparams_search=optuna", "model=ar", *TINY_TRIAL, "hydra.sweeper.n_trials=3",
              "hydra.sweeper.sampler.seed=0", f"hydra.sweep.dir={tmp_path}"]
    for invocation in (1, 2):
        result = zoo(*search)
        assert result.returncode == 0, result.stderr[-3000:]
        study = optuna.load_study(study_name="ar-sunspots", storage=f"sqlite:///{tmp_path}/optuna.db")
        assert len(study.trials) == 3 * invocation
    assert study.direction == optuna.study.StudyDirection.MINIMIZE  # RMSE
    assert all(trial.state == optuna.trial.TrialState.COMPLETE for trial in study.trials)
    assert set(study.best_params) == {"optim.lr", "model.d_model", "model.n_layers", "model.dropout", "model.window"}
    # every trial ran in a directory of its own, and the study holds the metric its run recorded
    summaries = [json.loads(path.read_text()) for path in tmp_path.glob("*/summary.json")]
    assert len(summaries) == 6
    recorded = sorted(summary["metrics"]["best/val/rmse"] for summary in summaries)
    assert sorted(trial.value for trial in study.trials) == pytest.approx(recorded)


def test_a_search_killed_mid_trial_fails_that_trial_when_resumed_and_runs_its_trials(tmp_path):
    search = ["-m", "hparams_search=optuna", "model=rnn", *TINY_TRIAL, "hydra.sweeper.n_trials=2",
              "hydra.sweeper.n_jobs=1", f"hydra.sweep.dir={tmp_path}"]
    env = {**os.environ, "WANDB_SILENT": "true", "OMP_NUM_THREADS": "1"}
    killed = subprocess.Popen([sys.executable, "-m", "zoo", *search], cwd=ROOT, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob("*/.hydra/config.yaml")):  # the first trial's run has begun
        assert killed.poll() is None and time.monotonic() < deadline, killed.stderr.read()[-3000:]
        time.sleep(0.05)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    assert not list(tmp_path.glob("*/summary.json"))  # killed in the middle of that trial
    study = optuna.load_study(study_name="rnn-sunspots", storage=f"sqlite:///{tmp_path}/optuna.db")
    assert [trial.state for trial in study.trials] == [optuna.trial.TrialState.RUNNING]  # nothing will tell it

    resumed = zoo(*search)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Trial 0 was left running by a search that stopped: marked failed" in resumed.stdout + resumed.stderr
    study = optuna.load_study(study_name="rnn-sunspots", storage=f"sqlite:///{tmp_path}/optuna.db")
    states = [trial.state for trial in study.trials]
    assert states == [optuna.trial.TrialState.FAIL] + [optuna.trial.TrialState.COMPLETE] * 2
    # the sampler's seed goes on with the study: the resumed search drew new values, not the killed trial's again
    assert study.trials[1].params != study.trials[0].params
    assert all(trial.user_attrs["run_dir"].startswith(str(tmp_path)) for trial in study.trials[1:])


def test_hydra_finds_zoos_sweeper_in_the_installed_package(tmp_path):
    # from another directory and with no PYTHONPATH: the hydra_plugins package pip installed, not this checkout's
    probe = ("from hydra.core.plugins import Plugins; from hydra.plugins.sweeper import Sweeper; import zoo; "
             "print(sorted(plugin.__name__ for plugin in Plugins.instance().discover(Sweeper)), zoo.__file__)")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60)
    # an editable install of another checkout answers from there: `pip install -e .` here points it back
    assert "ZooOptunaSweeper" in result.stdout, (result.stdout, result.stderr[-3000:])


@pytest.mark.parametrize("data,direction", [
    ("zoo.data.translation.TranslationData", "minimize"), ("zoo.data.sunspots.SunspotsData", "minimize"),
    ("zoo.data.digits.DigitsData", "maximize"), ("zoo.data.recall.RecallData", "maximize"),
])
def test_the_direction_follows_the_data_set(data, direction):
    assert direction_of(data, optimized_metric=None) == direction


def test_another_optimized_metric_must_name_its_direction():
    with pytest.raises(ValueError, match="hydra.sweeper.direction"):
        direction_of("zoo.data.digits.DigitsData", optimized_metric="val/loss")


@pytest.mark.parametrize("model", MODELS)
def test_each_architecture_searches_its_own_knobs(model, compose_in):
    cfg = compose_in(f"model={model}", "hparams_search=optuna")
    trial = optuna.create_study().ask()
    architecture_knobs(cfg, trial)
    assert list(trial.params) == list(get_class(cfg.model._target_).search_space)
    assert all(OmegaConf.select(cfg, knob) is not None for knob in trial.params)  # a key the model's schema has


def test_a_knob_fixed_on_the_command_line_is_not_searched(compose_in):
    cfg = compose_in("model=ar", "model.window=4", "hparams_search=optuna")
    trial = optuna.create_study().ask()
    architecture_knobs(cfg, trial)
    assert trial.params == {}


def test_every_width_takes_every_head_count():
    search = OmegaConf.load(CONF / "hparams_search" / "optuna.yaml").hydra.sweeper.params
    widths = OverridesParser.create().parse_override(f"model.d_model={search['model.d_model']}").value().list
    head_counts = [choice for model in MODELS
                   for choice in get_class(compose_train([f"model={model}"]).model._target_).search_space.get(
                       "model.n_heads", [])]
    assert head_counts and all(width % heads == 0 for width in widths for heads in head_counts)
