"""The language-model task scores only the positions its target names: its loss and gradients are those of the full
logits read at those positions."""
import pytest
import torch
import torch.nn.functional as F

from zoo.tasks.language_model import IGNORE, LanguageModelTask


@pytest.mark.filterwarnings("ignore:.*self.log.*")  # the task logs; outside a Trainer nothing listens
def test_the_head_reads_the_scored_positions_alone_and_changes_nothing():
    torch.manual_seed(0)
    model = {"_target_": "zoo.models.gru.GRU", "d_model": 16, "n_layers": 1, "n_heads": 2, "dropout": 0.0}
    task = LanguageModelTask(model=model, optim={}, vocab_size=50)
    tokens = torch.randint(50, (4, 12))
    target = torch.full_like(tokens, IGNORE)
    target[:, 5::3] = torch.randint(50, (4, 3))

    logits = task(tokens)
    full = F.cross_entropy(logits.flatten(0, 1), target.flatten(), ignore_index=IGNORE)
    full.backward()
    expected = [parameter.grad.clone() for parameter in task.parameters()]
    task.zero_grad()

    loss = task.evaluate("train", {"input": tokens, "target": target})
    loss.backward()
    assert loss.item() == pytest.approx(full.item(), rel=1e-6)
    for parameter, gradient in zip(task.parameters(), expected):
        assert torch.allclose(parameter.grad, gradient, atol=1e-6)
