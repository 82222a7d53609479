"""Every architecture learns: it overfits one batch of real German-English pairs within seconds."""
import pytest
import torch
from omegaconf import OmegaConf

from tests.conftest import DING, MODELS, compose_train
from zoo.data.translation import TranslationData
from zoo.tasks.translation import TranslationTask

SIZES = ["model.d_model=32", "model.n_layers=2", "model.n_heads=4", "model.dropout=0.0"]


@pytest.fixture(scope="module")
def batch():
    torch.manual_seed(0)
    data = TranslationData(path=DING, max_pairs=400, vocab_size=300, batch_size=16)
    data.setup()
    return data.task_arguments()["vocab_size"], next(iter(data.train_dataloader()))


@pytest.mark.parametrize("name", MODELS)
def test_overfits_a_batch_of_translation_pairs(name, batch):
    vocab_size, pairs = batch
    torch.manual_seed(0)
    model = OmegaConf.to_container(compose_train([f"model={name}", *SIZES]).model)
    task = TranslationTask(model=model, optim={}, decode={}, vocab_size=vocab_size)
    optimizer = torch.optim.AdamW(task.parameters(), lr=3e-3)
    first = task.loss(pairs).item()
    for _ in range(100):
        loss = task.loss(pairs)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < first / 10, f"{name}: loss {first:.2f} -> {loss.item():.2f}, expected a tenfold fall"
