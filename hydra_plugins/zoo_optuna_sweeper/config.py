"""The options of hydra/sweeper=zoo_optuna, checked when the config is composed (a typo or a wrong type fails then)."""
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from hydra.core.config_store import ConfigStore


@dataclass
class ZooOptunaSweeperConf:
    _target_: str = "hydra_plugins.zoo_optuna_sweeper.sweeper.ZooOptunaSweeper"
    # "minimize" or "maximize", or a node that instantiates to one of them
    direction: Any = "minimize"
    # where the study is kept, e.g. sqlite:///DIR/optuna.db; the same storage and study name resume a study
    storage: Optional[str] = None
    study_name: Optional[str] = None
    n_trials: int = 20  # per invocation
    n_jobs: int = 2  # trials asked for at once, launched together as one batch through Hydra's launcher
    # the largest share of failed trials in a batch that does not stop the search
    max_failure_rate: float = 0.0
    # any Optuna sampler; built when the study is open, so that a seeded search goes on where it stopped instead
    # of replaying its first trials (the seed is offset by the number of trials the study already holds)
    sampler: Any = field(default_factory=lambda: {
        "_target_": "optuna.samplers.TPESampler", "_partial_": True, "seed": None})
    # key: Hydra's sweep syntax, choice(...), range(...), interval(...), tag(log, interval(...)); or a fixed value
    params: Dict[str, str] = field(default_factory=dict)
    # a function (config, trial) that suggests more parameters, e.g. zoo.launch.sweep.architecture_knobs
    custom_search_space: Optional[str] = None


ConfigStore.instance().store(group="hydra/sweeper", name="zoo_optuna", node=ZooOptunaSweeperConf,
                             provider="zoo")
