"""A running mean of the past, the simplest causal mixer: y_t = W (x_1 + ... + x_t) / t."""
import torch
from torch import nn

from zoo.models.backbone import Backbone


class RunningMean(nn.Module):
    """The mixer: (B, T, d) -> (B, T, d) in `forward`, and one step at a time in `step`."""

    def __init__(self, d_model):
        super().__init__()
        self.project = nn.Linear(d_model, d_model)

    def forward(self, x, *, causal=True, mask=None):
        steps = torch.arange(1, x.shape[1] + 1, device=x.device, dtype=x.dtype)[:, None]
        return self.project(x.cumsum(1) / steps)

    def init_state(self, batch_size):
        weight = self.project.weight
        return {"total": weight.new_zeros(batch_size, weight.shape[1]), "steps": 0}

    def step(self, x_t, state):
        total, steps = state["total"] + x_t, state["steps"] + 1
        return self.project(total / steps), {"total": total, "steps": steps}


class MeanMixer(Backbone):
    """The shared residual stack around the mixer."""

    search_space = {"model.smoothing": [0.0, 0.5]}  # what hparams_search=optuna searches beside the shared knobs

    def __init__(self, *, smoothing: float, **backbone):
        self.smoothing = smoothing
        super().__init__(**backbone)

    def make_mixer(self, layer):
        return RunningMean(self.d_model)
