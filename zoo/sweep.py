"""What Hydra's Optuna sweeper calls back into (conf/hparams_search/optuna.yaml): each architecture's own knob,
the direction of the data set's metric, and the sweep directory the study's SQLite file lives in."""
from pathlib import Path

from hydra.experimental.callback import Callback
from hydra.utils import get_class
from omegaconf import DictConfig

# searched beside the shared knobs; every head count divides every d_model the search tries
KNOBS = {
    "ar": ("model.window", [2, 4, 8, 16, 32]),
    "latent_ar": ("model.d_state", [16, 32, 64, 128]),
    "rnn": ("model.act", ["tanh", "relu"]),
    "transformer": ("model.n_heads", [1, 2, 4, 8]),
}


def architecture_knobs(cfg: DictConfig, trial) -> None:
    """Suggests the chosen model's own knob, unless the command line fixes it (Optuna refuses a key that is both
    searched and fixed)."""
    knob = KNOBS.get(cfg.hydra.runtime.choices.model)
    fixed = {override.split("=", 1)[0].lstrip("+~") for override in cfg.hydra.overrides.task}
    if knob and knob[0] not in fixed:
        trial.suggest_categorical(*knob)


def direction_of(data: str, optimized_metric: str | None) -> str:
    """'minimize' or 'maximize', as the data set class declares for its metric (its metric_mode)."""
    datamodule = get_class(data)
    if optimized_metric not in (None, datamodule.metric):
        raise ValueError(f"optimized_metric={optimized_metric} is not {datamodule.metric}, the data set's own: "
                         "give its direction, hydra.sweeper.direction=minimize or hydra.sweeper.direction=maximize")
    return {"min": "minimize", "max": "maximize"}[datamodule.metric_mode]


class CreateSweepDir(Callback):
    """Creates the sweep directory when a multirun starts: Optuna opens its SQLite study there before the launcher
    makes the directory for the first job, and SQLite makes no directories."""

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        Path(config.hydra.sweep.dir).mkdir(parents=True, exist_ok=True)
