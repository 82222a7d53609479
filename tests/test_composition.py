"""Every model x every data set composes, instantiates through Hydra, and trains a step (fast_dev_run)."""
import itertools
import json
import math
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from tests.conftest import CONF, DATASETS, MODELS
from zoo.run.train import run

def small(data: str, tmp_path) -> list[str]:
    """Overrides that keep one step of a data set to a second or two, and give `series` and `sequences` a user's
    CSV file."""
    if data == "translation":
        return ["data.max_pairs=200", "data.vocab_size=200"]
    if data == "series":
        series = tmp_path / "series.csv"
        series.write_text("level\n" + "\n".join(str(math.sin(step / 5)) for step in range(300)) + "\n")
        return [f"data.path={series}", "data.column=level"]
    if data == "sequences":
        sequences = tmp_path / "sequences.csv"
        rows = [f"{label},{','.join(str(math.sin(step * (1 + label) / 3 + case)) for step in range(12))}"
                for case in range(10) for label in (0, 1)]
        sequences.write_text("label," + ",".join(f"t{step}" for step in range(12)) + "\n" + "\n".join(rows) + "\n")
        return [f"data.path={sequences}", "data.label_column=label"]
    return []

GROUP_OPTIONS = [
    (group, path.stem) for group in ("trainer", "logger", "callbacks", "debug")
    for path in sorted((CONF / group).glob("*.yaml"))
]


@pytest.mark.parametrize("group,option", GROUP_OPTIONS)
def test_every_option_of_every_group_composes(group, option):
    with initialize_config_dir(str(CONF), version_base="1.3"):
        cfg = compose("train", overrides=[f"{group}={option}"])
    assert cfg.model and cfg.data and cfg.trainer


@pytest.mark.parametrize("model,data", itertools.product(MODELS, DATASETS))
def test_every_pair_trains_one_step(model, data, compose_in, tmp_path):
    cfg = compose_in(f"model={model}", f"data={data}", "debug=default", "logger=csv", "++trainer.fast_dev_run=true",
                     *small(data, tmp_path))
    assert instantiate(cfg.model).d_model == 32
    objective = run(cfg)
    summary = json.loads(Path(tmp_path / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert objective == summary["metrics"][summary["objective"]["name"]]  # fast_dev_run keeps no best checkpoint
    assert "train/loss" in summary["metrics"]
    assert any(name.startswith("test") for name in summary["metrics"])
