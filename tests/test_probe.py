"""The memory probe: ||dy_T / dx_{T-k}|| for every k, exactly zero beyond a fixed window, non-zero at every lag for
attention and a linear state; and `python -m zoo.cli.probe memory` end to end, CSV and plot."""
import csv
import math
import os
import subprocess
import sys

import matplotlib.image
import pytest
import torch

from tests.conftest import ROOT
from zoo.cli.probe import gradient_norms, ladder
from zoo.tasks.language_model import LanguageModelTask

T, WINDOW = 24, 5
OPTIM = {"lr": 1e-3, "weight_decay": 0.0, "warmup_steps": 1}


def norms_of(model: str, **knobs) -> torch.Tensor:
    torch.manual_seed(0)
    backbone = {"_target_": f"zoo.models.{model}", "d_model": 16, "n_layers": 2, "n_heads": 2, "dropout": 0.1,
                **knobs}
    task = LanguageModelTask(model=backbone, optim=OPTIM, vocab_size=10)
    tokens = torch.randint(10, (3, T), generator=torch.Generator().manual_seed(1))
    return gradient_norms(task, tokens)


def test_a_fixed_window_has_exactly_zero_gradient_beyond_it():
    norms = norms_of("ar.AR", window=WINDOW)
    assert norms.shape == (T,) and torch.isfinite(norms).all()
    assert (norms[:WINDOW] > 1e-6).all()
    assert (norms[WINDOW:] == 0).all()


@pytest.mark.parametrize("model", ["transformer.Transformer", "latent_ar.LatentAR", "lstm.LSTM"])
def test_attention_and_state_reach_every_lag(model):
    norms = norms_of(model)
    assert torch.isfinite(norms).all() and (norms > 0).all()


def test_a_task_that_calls_its_backbone_twice_is_refused():
    from zoo.errors import ZooError

    task = LanguageModelTask(model={"_target_": "zoo.models.gru.GRU", "d_model": 8, "n_layers": 1}, optim=OPTIM,
                             vocab_size=10)
    forward = task.forward
    task.forward = lambda tokens: forward(tokens) + forward(tokens)
    with pytest.raises(ZooError, match="calls its backbone once"):
        gradient_norms(task, torch.zeros(2, 5, dtype=torch.long))


def test_the_printed_ks_double_up_to_the_first_position():
    assert ladder(20) == [0, 1, 2, 4, 8, 16, 19]
    assert ladder(17) == [0, 1, 2, 4, 8, 16]


def test_the_command_trains_and_writes_the_curve_and_the_plot(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "WANDB_SILENT": "true"}
    result = subprocess.run(
        [sys.executable, "-m", "zoo.cli.probe", "memory", "--sequences", "4", "--out", str(tmp_path), "model=ar",
         f"model.window={WINDOW}", "model.d_model=16", "data=copy", "data.length=3", "data.lag=6",
         "data.n_train=64", "data.n_val=16", "data.n_test=16", "data.batch_size=16", "trainer.max_epochs=2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| k | 0 | 1 | 2 | 4 | 8 | 11 |" in result.stdout
    # the curve is named by the model and its model.* overrides
    with (tmp_path / f"memory-ar_model.window={WINDOW}_model.d_model=16.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert [int(row["k"]) for row in rows] == list(range(2 * 3 + 6))
    for row in rows:
        for stage in ("init", "trained"):
            norm = float(row[stage])
            assert math.isfinite(norm) and (norm > 0) == (int(row["k"]) < WINDOW)
    assert any(row["init"] != row["trained"] for row in rows)  # training moved the weights
    image = matplotlib.image.imread(tmp_path / "memory.png")
    assert image.shape[0] > 300 and image.std() > 0


def test_a_tanh_rnn_fades_and_a_relu_rnn_with_gain_explodes():
    fading = norms_of("rnn.RNN")
    exploding = norms_of("rnn.RNN", act="relu", recurrent_gain=2.0)
    assert fading[-1] < 1e-3 * fading[0]  # the oldest input reaches the last output a thousand times weaker...
    assert exploding[-1] > 1e2 * exploding[0]  # ...or, stretched by U at every step, a hundred times stronger
