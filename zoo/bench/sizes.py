"""The sizes every section measures at: the standard size (d_model 128, 2 layers, batch 32) and a tiny
one for `--quick` (a smoke test in seconds)."""
from dataclasses import dataclass

from zoo.configurable import CONF_DIR, options, yaml_values

MODELS = tuple(options("model"))


@dataclass(frozen=True)
class Sizes:
    d_model: int
    n_layers: int
    batch: int
    vocab: int
    d_state: int  # the state width of the architectures that have one (latent_ar, mamba)
    lengths: tuple[int, ...]  # training lengths: throughput, memory, the kernels of the fixed families
    scan_lengths: tuple[int, ...]  # latent_ar's scan, up to where a cumulative sum overflows
    tokens_per_measurement: int  # training tokens timed per path and round (at least two steps)
    rounds: int  # each path runs this often, interleaved; the best of each is kept (the machine is shared)
    generated: int  # tokens of greedy decoding


STANDARD = Sizes(d_model=128, n_layers=2, batch=32, vocab=128, d_state=64, lengths=(64, 256, 1024),
                 scan_lengths=(64, 256, 1024, 4096), tokens_per_measurement=65536, rounds=2, generated=256)
QUICK = Sizes(d_model=16, n_layers=1, batch=2, vocab=16, d_state=8, lengths=(8, 32), scan_lengths=(16, 64),
              tokens_per_measurement=64, rounds=1, generated=8)


def model_defaults(name: str) -> dict:
    """conf/model/NAME.yaml: the node `model=NAME` composes, every knob at zoo's default."""
    return yaml_values(CONF_DIR / "model" / f"{name}.yaml")


def backbone_config(name: str, sizes: Sizes) -> dict:
    """The model node a run of `model=NAME` instantiates, at the benchmark's size (other knobs: zoo's defaults)."""
    node = model_defaults(name)
    sized = {"d_model": sizes.d_model, "n_layers": sizes.n_layers, "d_state": sizes.d_state}
    return {**node, **{key: value for key, value in sized.items() if key in node}}
