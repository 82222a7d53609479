import os
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import open_dict

import zoo.config  # noqa: F401  (registers the schemas)

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "conf"
MODELS = sorted(path.stem for path in (CONF / "model").glob("*.yaml"))
DATASETS = sorted(path.stem for path in (CONF / "data").glob("*.yaml"))
DING = "/usr/share/trans/de-en"

# tests run side by side with other work on 2 cores: one thread keeps them from fighting over both
torch.set_num_threads(1)
os.environ.setdefault("WANDB_SILENT", "true")


def compose_run(overrides: list[str], output_dir: Path):
    """A config as `python -m zoo OVERRIDES` composes it, with its run directory at output_dir."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONF), version_base="1.3"):
        cfg = compose("train", overrides=overrides, return_hydra_config=True)
    with open_dict(cfg):
        cfg.hydra.runtime.output_dir = str(output_dir)
        cfg.hydra.job.num = 0
    HydraConfig.instance().set_config(cfg)
    return cfg


@pytest.fixture
def compose_in(tmp_path):
    def _compose(*overrides: str):
        return compose_run(list(overrides), tmp_path)
    yield _compose
    GlobalHydra.instance().clear()
