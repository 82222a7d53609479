"""Every architecture learns: it overfits one batch of real German-English pairs within seconds."""
import pytest
import torch

from tests.conftest import DING, MODELS
from zoo.data.translation import TranslationData
from zoo.tasks.translation import TranslationTask

TARGETS = {
    "ar": "zoo.models.ar.AR", "latent_ar": "zoo.models.latent_ar.LatentAR", "rnn": "zoo.models.rnn.RNN",
    "lstm": "zoo.models.lstm.LSTM", "gru": "zoo.models.gru.GRU", "transformer": "zoo.models.transformer.Transformer",
}


@pytest.fixture(scope="module")
def batch():
    torch.manual_seed(0)
    data = TranslationData(path=DING, max_pairs=400, vocab_size=300, batch_size=16)
    data.setup()
    return data.task_arguments()["vocab_size"], next(iter(data.train_dataloader()))


def test_every_config_has_a_target_here():
    assert sorted(TARGETS) == MODELS


@pytest.mark.parametrize("name", MODELS)
def test_overfits_a_batch_of_translation_pairs(name, batch):
    vocab_size, pairs = batch
    torch.manual_seed(0)
    model = {"_target_": TARGETS[name], "d_model": 32, "n_layers": 2, "n_heads": 4, "dropout": 0.0}
    task = TranslationTask(model=model, optim={}, decode={}, vocab_size=vocab_size)
    optimizer = torch.optim.AdamW(task.parameters(), lr=3e-3)
    first = task.loss(pairs).item()
    for _ in range(100):
        loss = task.loss(pairs)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < first / 10, f"{name}: loss {first:.2f} -> {loss.item():.2f}, expected a tenfold fall"
