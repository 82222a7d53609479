"""The training recipe's parts: learning-rate schedules that end where the budget ends, and the test of the mean of
the last epochs' weights."""
import os
import subprocess
import sys

import pytest
import torch

from tests.conftest import ROOT
from zoo.errors import ZooError
from zoo.tasks.base import check_optim, learning_rate_factor


@pytest.mark.parametrize("schedule", ["cosine", "linear"])
def test_decaying_schedules_warm_up_then_reach_zero_at_the_last_step(schedule):
    factor = learning_rate_factor(schedule, warmup=10, total=110)
    rates = [factor(step) for step in range(110)]
    assert rates[:10] == pytest.approx([(step + 1) / 10 for step in range(10)])
    assert all(later <= earlier for earlier, later in zip(rates[9:], rates[10:]))
    assert rates[59] == pytest.approx(0.5) and rates[-1] == pytest.approx(0.0, abs=1e-9)


def test_inverse_square_root_halves_at_four_times_the_warm_up_and_never_ends():
    factor = learning_rate_factor("inverse_sqrt", warmup=10, total=50)
    assert factor(39) == pytest.approx(0.5) and factor(10_000) > 0


def test_an_unknown_schedule_is_refused_in_one_line():
    with pytest.raises(ZooError, match="optim.schedule='cosin' is not one of inverse_sqrt, cosine, linear"):
        check_optim({"schedule": "cosin"})


# three epochs of two steps, bounded by epochs or by steps (experiment=compare: max_epochs=-1, max_steps=2000)
@pytest.mark.parametrize("budget", [["trainer.max_epochs=3"], ["trainer.max_epochs=-1", "trainer.max_steps=6"]])
def test_the_test_reads_the_mean_of_the_last_epochs_weights(tmp_path, budget):
    env = {**os.environ, "WANDB_SILENT": "true", "OMP_NUM_THREADS": "1", "HYDRA_FULL_ERROR": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "zoo", "debug=default", "data=sunspots", "model=gru", "logger=none", *budget,
         "trainer.limit_train_batches=2", "optim.average_epochs=2", "callbacks.model_checkpoint.save_top_k=-1",
         f"hydra.run.dir={tmp_path}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]

    def weights(name):
        return torch.load(tmp_path / name, map_location="cpu", weights_only=True)["state_dict"]

    averaged, second, third = weights("averaged.ckpt"), weights("checkpoints/epoch001.ckpt"), weights(
        "checkpoints/epoch002.ckpt")
    assert all(torch.allclose(averaged[name], (second[name] + third[name]) / 2) for name in averaged)
    assert not torch.equal(second["read_out.weight"], third["read_out.weight"])
    assert f"Restoring states from the checkpoint path at {tmp_path / 'averaged.ckpt'}" in result.stdout + result.stderr
    assert "the mean of the last 2 epochs' weights" in result.stdout + result.stderr


def test_the_translation_recipe_applies_to_translation_only(compose_in):
    translation = compose_in("model=lstm", "data=translation")
    assert (translation.optim.schedule, translation.optim.average_epochs, translation.decode.beam_size) == (
        "cosine", 3, 5)
    assert (translation.model.dropout, translation.data.token_dropout, translation.trainer.max_epochs) == (0.3, 0.1, 9)
    assert (translation.data.gloss, translation.task.decoder_layers, translation.task.lexical_bias) == (True, 2, True)
    assert translation.data.dictionary_in_lexicon
    assert compose_in("data=translation", "debug=default").trainer.max_epochs == 1  # debug stays one short epoch
    sunspots = compose_in("model=lstm", "data=sunspots")
    assert (sunspots.optim.schedule, sunspots.optim.average_epochs) == ("inverse_sqrt", 0)
    assert "decoder_layers" not in sunspots.task
    overridden = compose_in("data=translation", "optim.schedule=linear", "decode.beam_size=1")
    assert (overridden.optim.schedule, overridden.decode.beam_size) == ("linear", 1)
