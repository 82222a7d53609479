"""experiment=recall_width: Zoology's MQAR shapes (sequence length and key-value pairs in step) against width; its
quick version composed and run end to end at fast_dev_run, then drawn by `python -m zoo.compare`."""
import json
import os
import subprocess
import sys

import matplotlib.image
import pytest

from tests.conftest import ROOT, compose_train
from tests.test_sweeps import zoo_multirun

ZOOLOGY_SHAPES = [("64", "4"), ("128", "8"), ("256", "16"), ("512", "64")]
MODELS = ["gru", "latent_ar", "lstm", "mamba", "transformer"]


def sweep_of(experiment: str) -> dict[str, list[str]]:
    cfg = compose_train([f"experiment={experiment}"], return_hydra_config=True)
    assert [list(keys) for keys in cfg.hydra.sweeper.together] == [["data.length", "data.n_pairs"]]
    return {key: str(values).split(",") for key, values in cfg.hydra.sweeper.params.items()}


def test_the_full_sweep_pairs_zoologys_lengths_with_their_pairs_at_three_widths():
    sweep = sweep_of("recall_width")
    assert list(zip(sweep["data.length"], sweep["data.n_pairs"])) == ZOOLOGY_SHAPES
    assert sweep["model.d_model"] == ["64", "128", "256"]
    assert sorted(sweep["model"]) == MODELS
    assert len(sweep["optim.lr"]) == 3 and len(sweep["seed"]) == 3


@pytest.mark.parametrize("length,n_pairs", ZOOLOGY_SHAPES)
def test_each_shape_builds_a_recall_of_that_length_asking_every_key_with_hidden_answers(length, n_pairs):
    cfg = compose_train(["experiment=recall_width", f"data.length={length}", f"data.n_pairs={n_pairs}"])
    assert cfg.data.n_queries == int(n_pairs) and cfg.data.show_answers is False and cfg.data.fresh is True
    assert cfg.model.n_layers == 2 and cfg.model.params is None


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """experiment=recall_width_quick at fast_dev_run (a batch of each split per job) in one process, then compared."""
    sweep = tmp_path_factory.mktemp("recall_width_quick")
    result = zoo_multirun("experiment=recall_width_quick", "logger=none", "hydra/launcher=basic",
                          "++trainer.fast_dev_run=true", f"hydra.sweep.dir={sweep}")
    assert result.returncode == 0, result.stderr[-3000:]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    compared = subprocess.run([sys.executable, "-m", "zoo.compare", str(sweep), "--note", "the paper's claim"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert compared.returncode == 0, compared.stderr[-3000:]
    return sweep, compared.stdout


def test_the_quick_sweep_runs_every_model_at_every_width(quick):
    sweep, _ = quick
    summaries = [json.loads(path.read_text()) for path in sweep.glob("*/summary.json")]
    assert sorted((s["options"]["model"], s["config"]["model"]["d_model"]) for s in summaries) == \
        sorted((model, width) for model in MODELS for width in (32, 64, 128))
    for summary in summaries:
        assert summary["status"] == "completed"
        data = summary["config"]["data"]
        assert (data["length"], data["n_pairs"], data["n_queries"], data["vocab_size"]) == (32, 2, 2, 64)


def test_compare_draws_accuracy_against_width(quick):
    sweep, text = quick
    table = text.split("## recall: test/accuracy against model.d_model\n")[1].split("\n## ")[0]
    assert [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ")][1:] == \
        [*MODELS, "*baseline*"]
    image = matplotlib.image.imread(sweep / "accuracy_vs_d_model.png")
    assert image.shape[1] > 600 and image.std() > 0
