"""What Hydra's Optuna sweeper calls back into (conf/hparams_search/optuna.yaml): each architecture's own knobs
(its class's `search_space`, next to its code), the direction of the data set's metric, and the sweep directory the
study's SQLite file lives in."""
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from hydra.utils import get_class
from omegaconf import DictConfig

def search_space(model_target: str) -> dict[str, list]:
    """{key: choices} an architecture searches beside the shared knobs, as its class declares."""
    return dict(get_class(model_target).search_space)


def architecture_knobs(cfg: DictConfig, trial) -> None:
    """Suggests the chosen model's own knobs, except those the command line fixes (Optuna refuses a key that is
    both searched and fixed)."""
    overrides = OverridesParser.create().parse_overrides(list(cfg.hydra.overrides.task))
    fixed = {override.key_or_group for override in overrides}
    for key, choices in search_space(cfg.model._target_).items():
        if key not in fixed:
            trial.suggest_categorical(key, choices)


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
