"""Typed schemas for the run's own configs in conf/ (the root, the trainer), registered in Hydra's ConfigStore, so
a misspelt key or a value of the wrong type fails when Hydra composes the config. Architectures and data sets keep
their values in their YAML and their types in their constructors (zoo/configurable.py). Importing this module is
cheap: it pulls in no torch, lightning or wandb.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import MISSING, OmegaConf

from zoo.configurable import options


@dataclass
class TrainerConfig:
    """The Lightning Trainer arguments zoo exposes; see lightning.pytorch.Trainer for each."""
    _target_: str = "pytorch_lightning.Trainer"
    accelerator: str = "auto"
    devices: Any = "auto"
    precision: Any = "32-true"
    strategy: Any = "auto"
    num_nodes: int = 1
    # zoo's batch samplers share the data between ranks themselves (zoo/data/batching.py); Lightning cannot put
    # a DistributedSampler into a custom batch sampler
    use_distributed_sampler: bool = False
    max_epochs: int = 10
    max_steps: int = -1
    max_time: Optional[str] = None  # "DD:HH:MM:SS"
    gradient_clip_val: Optional[float] = 1.0
    accumulate_grad_batches: int = 1
    val_check_interval: Any = 1.0
    check_val_every_n_epoch: Optional[int] = 1
    log_every_n_steps: int = 50
    limit_train_batches: Any = 1.0
    limit_val_batches: Any = 1.0
    limit_test_batches: Any = 1.0
    fast_dev_run: Any = False
    num_sanity_val_steps: int = 2
    deterministic: Any = False
    benchmark: Optional[bool] = None
    enable_progress_bar: Optional[bool] = None  # null: drawn where the run's stderr is a terminal, not in a log file
    enable_model_summary: bool = True
    default_root_dir: Optional[str] = None


@dataclass
class OptimConfig:
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup_steps: int = 300  # linear warm-up (at most a tenth of training), then the schedule's decay
    schedule: str = "inverse_sqrt"  # after warm-up: inverse_sqrt (never reaches 0), cosine or linear (to 0 at the end)
    average_epochs: int = 0  # N > 0: test the mean of the last N epochs' weights, not the best checkpoint
    # a non-finite training loss stops the run, naming the step; true: that batch is skipped (no update) and counted
    skip_nonfinite: bool = False


@dataclass
class LoaderConfig:
    """Every data set's DataLoaders (trainer=gpu sets both)."""
    workers: int = 0  # processes that prepare batches while the device computes, kept alive between epochs
    pin_memory: bool = False  # batches in page-locked memory, which a GPU copies from asynchronously


@dataclass
class DecodeConfig:
    beam_size: int = 1  # 1: greedy
    max_length: int = 80
    length_penalty: float = 1.0  # beam score = log-probability / length ** length_penalty (0: none)
    no_repeat_ngram: int = 0  # > 0: no translation writes an n-gram of this many subword tokens twice (0: off)
    lexicon_weight: float = 1.0  # with task.lexical_bias: the lexicon's log-probability is added this many times
    # true (with beam_size > 1): the test split is decoded greedily too, logged as test/bleu_greedy and
    # test/chrf_greedy beside the beam's test/bleu and test/chrf: what the beam buys, from one checkpoint
    greedy_too: bool = False
    samples: int = 5  # source / reference / hypothesis triples printed after testing


@dataclass
class TrainConfig:
    data: Any = MISSING
    model: Any = MISSING
    task: Any = MISSING  # the data set's YAML selects it (conf/task/): the LightningModule that trains the model on it
    trainer: Any = MISSING
    logger: Any = None
    callbacks: Any = None
    paths: Any = MISSING
    optim: OptimConfig = field(default_factory=OptimConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    loader: LoaderConfig = field(default_factory=LoaderConfig)
    seed: int = 0
    train: bool = True
    test: bool = True
    ckpt_path: Optional[str] = None
    optimized_metric: Optional[str] = None  # what a sweeper optimises; default: the data set's own metric
    # true: a run whose directory holds a completed summary.json of the same config is not run again (its result is
    # returned): a sweep started again resumes where it stopped
    skip_finished: bool = False


def register_schemas() -> None:
    store = ConfigStore.instance()
    store.store(name="train_schema", node=TrainConfig)
    # a root-level name rather than a group keeps the schema out of `--help`'s list of options
    store.store(name="trainer_schema", node=TrainerConfig)


register_schemas()


def sweep_name() -> str:
    """`${sweep_name:}`, what groups a job's tracker runs: in a multirun its sweep directory's name, shared by all
    of the sweep's jobs; in a single run the run directory's own."""
    hydra = HydraConfig.get()
    return Path(hydra.sweep.dir if hydra.mode == RunMode.MULTIRUN else hydra.runtime.output_dir).name


def group_options(group: str, searchpath) -> str:
    """`${options:model,${hydra.searchpath}}`, what a comparison sweeps over: every option of a group, a user's own
    on hydra.searchpath included (Hydra's `glob(*)` lists only the options of the primary search path)."""
    overrides = [f"hydra.searchpath=[{','.join(searchpath)}]"] if searchpath else []
    return ",".join(options(group, overrides))


# replace: a joblib worker receives the resolvers with Hydra's state and may import this module after that
OmegaConf.register_new_resolver("sweep_name", sweep_name, replace=True)
OmegaConf.register_new_resolver("options", group_options, replace=True)
