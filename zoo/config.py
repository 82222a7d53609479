"""Typed schemas for the configs in conf/, registered in Hydra's ConfigStore.

Each YAML option extends its schema, so a misspelt key or a value of the wrong type fails when Hydra composes
the config, before anything is built. Importing this module is cheap: it pulls in no torch, lightning or wandb.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import MISSING, OmegaConf

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"  # what `python -m zoo` composes (editable installs)


@dataclass
class BackboneConfig:
    _target_: str = MISSING
    d_model: int = 128
    n_layers: int = 3
    n_heads: int = 4  # attention heads: the Transformer's self-attention and every decoder's cross-attention
    dropout: float = 0.1
    ff_mult: int = 4
    params: Optional[str] = None  # a parameter budget ("100k", "1.5M"): zoo sets d_model to land on it


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
    recurrent_gain: Optional[float] = None  # null: PyTorch's initialisation; g: U = g x orthogonal (relu, 2: explodes)


@dataclass
class LSTMConfig(BackboneConfig):
    _target_: str = "zoo.models.lstm.LSTM"
    forget_bias: float = 1.0  # the forget gate's initial bias: 1 starts it open (0: PyTorch's default)


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
    vocab_size: int = 2000  # joint German-English BPE: ~15k training pairs starve larger vocabularies (4k: BLEU 2.9)
    batch_size: int = 64
    val_fraction: float = 0.05
    test_fraction: float = 0.05
    split_seed: int = 0  # the split stays fixed when `seed` varies, so seeds are compared on one test set
    num_workers: int = 0
    dictionary_pairs: int = 0  # Ding only: word/phrase pairs of the dictionary drawn afresh into each epoch
    token_dropout: float = 0.0  # training: each source token becomes [UNK] with this probability
    label_smoothing: float = 0.1


@dataclass
class SunspotsDataConfig:
    _target_: str = "zoo.data.sunspots.SunspotsData"
    train_end: int = 1920  # train on 1700..train_end (the classic split)
    val_years: int = 40  # the last years of the training span, held out for validation: four solar cycles
    test_periods: list = field(default_factory=lambda: [[1921, 1955], [1956, 1979]])
    window: int = 64  # training sequences are windows of this many years
    batch_size: int = 16


@dataclass
class SeriesDataConfig:
    _target_: str = "zoo.data.series.SeriesData"
    path: str = MISSING  # a CSV file with a header row
    column: str = MISSING  # the column to forecast
    val_fraction: float = 0.15  # chronological: train, then validation, then test
    test_fraction: float = 0.15
    window: int = 32
    batch_size: int = 16


@dataclass
class ProbeDataConfig:
    n_train: int = 8000
    n_val: int = 500
    n_test: int = 1000
    batch_size: int = 64
    seed: int = 0  # the generator's seed, apart from the run's seed


@dataclass
class CopyDataConfig(ProbeDataConfig):
    _target_: str = "zoo.data.copy.CopyData"
    n_symbols: int = 8  # alphabet of the symbols to memorise
    length: int = 10  # how many symbols to memorise
    lag: int = 20  # blank steps between the symbols and the cue to emit them


@dataclass
class AddingDataConfig(ProbeDataConfig):
    _target_: str = "zoo.data.adding.AddingData"
    length: int = 50  # sequence length; one marked number lies in each half


@dataclass
class RecallDataConfig(ProbeDataConfig):
    _target_: str = "zoo.data.recall.RecallData"
    vocab_size: int = 32  # token 0 the filler, keys 1..V/2-1, values V/2..V-1
    n_pairs: int = 8  # key-value pairs shown before the queries
    n_queries: int = 8  # keys asked back, each answered by its value
    lag: int = 0  # filler tokens between the last pair and the first query


@dataclass
class DigitsDataConfig:
    _target_: str = "zoo.data.digits.DigitsData"
    patch: int = 1  # 1: the 8x8 image as 8 rows of 8 pixels; 2: 16 patches of 2x2, as vision transformers read
    val_fraction: float = 0.1
    test_fraction: float = 0.2
    split_seed: int = 0
    batch_size: int = 64


@dataclass
class UCRDataConfig:
    _target_: str = "zoo.data.ucr.UCRData"
    name: str = "ItalyPowerDemand"  # a UCR / UEA archive set bundled by sktime
    val_fraction: float = 0.1  # carved from the archive's training split; its test split stays the test split
    split_seed: int = 0
    batch_size: int = 32


@dataclass
class TextDataConfig:
    _target_: str = "zoo.data.text.TextData"
    path: Optional[str] = None  # any UTF-8 text file; None: the bundled default corpus
    length: int = 128  # characters of context per training sequence
    val_fraction: float = 0.05  # the held-out tail of the text: validation, then test
    test_fraction: float = 0.05
    batch_size: int = 32


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
    # a non-finite training loss stops the run, naming the step; true: that batch is skipped (no update) and counted
    skip_nonfinite: bool = False
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
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup_steps: int = 300  # linear warm-up (at most a tenth of training), then the schedule's decay
    schedule: str = "inverse_sqrt"  # after warm-up: inverse_sqrt (never reaches 0), cosine or linear (to 0 at the end)
    average_epochs: int = 0  # N > 0: test the mean of the last N epochs' weights, not the best checkpoint


@dataclass
class DecodeConfig:
    beam_size: int = 1  # 1: greedy
    max_length: int = 80
    length_penalty: float = 1.0  # beam score = log-probability / length ** length_penalty (0: none)
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
    "data": {
        "translation": TranslationDataConfig, "sunspots": SunspotsDataConfig, "series": SeriesDataConfig,
        "copy": CopyDataConfig, "adding": AddingDataConfig, "recall": RecallDataConfig,
        "digits": DigitsDataConfig, "ucr": UCRDataConfig, "text": TextDataConfig,
    },
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


def sweep_name() -> str:
    """`${sweep_name:}`, what groups a job's tracker runs: in a multirun its sweep directory's name, shared by all
    of the sweep's jobs; in a single run the run directory's own."""
    hydra = HydraConfig.get()
    return Path(hydra.sweep.dir if hydra.mode == RunMode.MULTIRUN else hydra.runtime.output_dir).name


# replace: a joblib worker receives the resolvers with Hydra's state and may import this module after that
OmegaConf.register_new_resolver("sweep_name", sweep_name, replace=True)
