"""The options of hydra/sweeper=zoo_tuned, checked when the config is composed (a typo or a wrong type fails then)."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from hydra.core.config_store import ConfigStore


@dataclass
class ZooTunedSweeperConf:
    _target_: str = "hydra_plugins.zoo_tuned_sweeper.sweeper.TuneThenRepeatSweeper"
    # Hydra's basic sweep syntax, key: a,b,c; every combination is a job, as with the basic sweeper
    params: Dict[str, str] = field(default_factory=dict)
    # the keys chosen on validation: every value of theirs runs at the first value of `repeat` only
    tune: List[str] = field(default_factory=lambda: ["optim.lr"])
    # the key whose further values repeat only the chosen setting (the seeds of a verdict)
    repeat: str = "seed"
    max_batch_size: Optional[int] = None  # jobs handed to the launcher at once (None: each stage in one batch)
    # groups of keys whose values are taken in step, the first with the first, not crossed: [[data.length,
    # data.n_pairs]] with lengths 64,128 and pairs 4,8 runs (64, 4) and (128, 8) alone
    together: List[List[str]] = field(default_factory=list)


ConfigStore.instance().store(group="hydra/sweeper", name="zoo_tuned", node=ZooTunedSweeperConf, provider="zoo")
