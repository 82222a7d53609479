import os
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig

import zoo.config  # noqa: F401  (registers the schemas)
from zoo.configurable import options

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "conf"
# ZOO_SEARCHPATH=DIR points the tests at a user's own configs too (DIR/model/<name>.yaml, its class importable):
# `ZOO_SEARCHPATH=my_conf PYTHONPATH=. python -m pytest tests/test_contract.py -k my_mixer`
SEARCH = [f"hydra.searchpath=[file://{Path(os.environ['ZOO_SEARCHPATH']).resolve()}]"] \
    if os.environ.get("ZOO_SEARCHPATH") else []
MODELS = options("model", SEARCH)
DATASETS = options("data", SEARCH)
DING = "/usr/share/trans/de-en"

# pytest-xdist runs a worker per core: one torch thread each keeps them from fighting over the cores
torch.set_num_threads(1)
os.environ.setdefault("WANDB_SILENT", "true")


def compose_train(overrides: list[str], **kwargs):
    """conf/train.yaml composed as `python -m zoo OVERRIDES` would, a user's search path (ZOO_SEARCHPATH) included."""
    with initialize_config_dir(str(CONF), version_base="1.3"):
        return compose("train", overrides=[*SEARCH, *overrides], **kwargs)


def compose_run(overrides: list[str], output_dir: Path):
    """A config as `python -m zoo OVERRIDES` composes it, with its run directory at output_dir."""
    GlobalHydra.instance().clear()
    cfg = compose_train([*overrides, f"hydra.runtime.output_dir={output_dir}", "hydra.job.num=0"],
                        return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    return cfg


@pytest.fixture
def compose_in(tmp_path):
    def _compose(*overrides: str):
        return compose_run(list(overrides), tmp_path)
    yield _compose
    GlobalHydra.instance().clear()
