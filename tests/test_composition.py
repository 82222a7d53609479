"""Every model x every data set composes, instantiates through Hydra, and trains a step (fast_dev_run)."""
import itertools
import json
import math
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import get_class, instantiate
from omegaconf import OmegaConf

from tests.conftest import CONF, DATASETS, MODELS, compose_train
from zoo.configurable import options, yaml_values
from zoo.run.job import run


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
    assert OmegaConf.is_readonly(cfg)  # the run built everything without writing into its config
    summary = json.loads(Path(tmp_path / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert objective == summary["metrics"][summary["objective"]["name"]]  # fast_dev_run keeps no best checkpoint
    assert "train/loss" in summary["metrics"]
    assert any(name.startswith("test") for name in summary["metrics"])


SHARED_KNOBS = ["d_model", "n_layers", "n_heads", "dropout", "ff_mult", "params"]


def test_the_shared_backbone_knobs_are_written_once_and_no_architecture_of_their_own():
    shared = OmegaConf.load(CONF / "model" / "shared" / "backbone.yaml")
    assert list(shared) == ["_target_", *SHARED_KNOBS]
    assert "shared" not in options("model") and "backbone" not in options("model")
    for name in options("model"):
        own = OmegaConf.load(CONF / "model" / f"{name}.yaml")
        assert not set(SHARED_KNOBS) & set(own), name  # each shared default once, in shared/backbone.yaml
        composed = compose_train([f"model={name}", "~recipe"]).model
        assert [key for key in composed if key in SHARED_KNOBS] == SHARED_KNOBS
        assert yaml_values(CONF / "model" / f"{name}.yaml") == OmegaConf.to_container(composed)


def test_a_yaml_extends_in_the_order_of_its_defaults_list(tmp_path):
    (tmp_path / "base.yaml").write_text("a: 1\nb: 1\n")
    (tmp_path / "first.yaml").write_text("defaults:\n  - _self_\n  - base@_here_\na: 2\nc: 2\n")
    (tmp_path / "last.yaml").write_text("defaults:\n  - base@_here_\na: 2\nc: 2\n")
    assert yaml_values(tmp_path / "first.yaml") == {"a": 1, "c": 2, "b": 1}
    assert yaml_values(tmp_path / "last.yaml") == {"a": 2, "b": 1, "c": 2}


@pytest.mark.parametrize("data", DATASETS)
def test_each_data_set_names_its_task_in_its_yaml(data):
    from zoo.tasks.base import ZooTask

    cfg = compose_train([f"data={data}"])
    assert issubclass(get_class(cfg.task._target_), ZooTask)
    assert "task" not in cfg.data  # the data module's own knobs only
    assert compose_train([f"data={data}", "task=translation"]).task._target_.endswith("TranslationTask")
