"""Typed schemas for the configs in conf/, registered in Hydra's ConfigStore.

Each YAML option extends its schema, so a misspelt key or a value of the wrong type fails when Hydra composes
the config, before anything is built. Importing this module is cheap: it pulls in no torch, lightning or wandb.
"""
from dataclasses import dataclass, field
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


@dataclass
class BackboneConfig:
    _target_: str = MISSING
    d_model: int = 128
    n_layers: int = 2
    n_heads: int = 4  # attention heads: the Transformer's self-attention and every decoder's cross-attention
    dropout: float = 0.1
    ff_mult: int = 4


@dataclass
class ARConfig(BackboneConfig):
    _target_: str = "zoo.models.ar.AR"
    window: int = 8


@dataclass
class LatentARConfig(BackboneConfig):
    _target_: str = "zoo.models.latent_ar.LatentAR"
    d_state: int = 64


@dataclass
class RNNConfig(BackboneConfig):
    _target_: str = "zoo.models.rnn.RNN"
    act: str = "tanh"


@dataclass
class LSTMConfig(BackboneConfig):
    _target_: str = "zoo.models.lstm.LSTM"


@dataclass
class GRUConfig(BackboneConfig):
    _target_: str = "zoo.models.gru.GRU"


@dataclass
class TransformerConfig(BackboneConfig):
    _target_: str = "zoo.models.transformer.Transformer"


@dataclass
class TranslationDataConfig:
    _target_: str = "zoo.data.translation.TranslationData"
    path: str = "/usr/share/trans/de-en"
    format: str = "auto"  # ding (the dictionary's own layout), tsv, or auto: by the file's suffix
    source_column: int = 0  # tsv only
    target_column: int = 1  # tsv only
    max_pairs: Optional[int] = None  # keep the first N pairs after shuffling (quick runs)
    max_tokens: int = 64  # longer pairs (in subword tokens, either side) are left out of training
    vocab_size: int = 8000
    batch_size: int = 64
    val_fraction: float = 0.05
    test_fraction: float = 0.05
    split_seed: int = 0  # the split stays fixed when `seed` varies, so seeds are compared on one test set
    num_workers: int = 0


@dataclass
class TrainerConfig:
    """The Lightning Trainer arguments zoo exposes; see lightning.pytorch.Trainer for each."""
    _target_: str = "pytorch_lightning.Trainer"
    accelerator: str = "auto"
    devices: Any = "auto"
    precision: Any = "32-true"
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
    enable_progress_bar: bool = True
    enable_model_summary: bool = True
    default_root_dir: Optional[str] = None


@dataclass
class OptimConfig:
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 200  # linear warm-up, then inverse-square-root decay


@dataclass
class DecodeConfig:
    beam_size: int = 1  # 1: greedy
    max_length: int = 80
    samples: int = 5  # source / reference / hypothesis triples printed after testing


@dataclass
class TrainConfig:
    data: Any = MISSING
    model: Any = MISSING
    trainer: Any = MISSING
    logger: Any = None
    callbacks: Any = None
    paths: Any = MISSING
    optim: OptimConfig = field(default_factory=OptimConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    seed: int = 0
    train: bool = True
    test: bool = True
    ckpt_path: Optional[str] = None
    optimized_metric: Optional[str] = None  # what a sweeper optimises; default: the data set's own metric


SCHEMAS = {
    "model": {
        "ar": ARConfig, "latent_ar": LatentARConfig, "rnn": RNNConfig,
        "lstm": LSTMConfig, "gru": GRUConfig, "transformer": TransformerConfig,
    },
    "data": {"translation": TranslationDataConfig},
    "trainer": {"trainer": TrainerConfig},
}


def register_schemas() -> None:
    store = ConfigStore.instance()
    store.store(name="train_schema", node=TrainConfig)
    for group, schemas in SCHEMAS.items():
        for name, schema in schemas.items():
            # a root-level name rather than a group keeps the schemas out of `--help`'s list of options
            store.store(name=f"{group}_{name}_schema", node=schema)


register_schemas()
