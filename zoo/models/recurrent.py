"""Adapter from PyTorch's fused recurrent layers (nn.RNN, nn.LSTM, nn.GRU) to the mixer contract."""
import torch
from torch import nn


class FusedRecurrence(nn.Module):
    """One layer of a fused torch recurrence; its state (h, or h and c) is kept batch-first as (B, d)."""

    def __init__(self, recurrence: nn.RNNBase):
        super().__init__()
        self.recurrence = recurrence

    def forward(self, x, *, causal=True, mask=None):
        return self.recurrence(x)[0]

    def init_state(self, batch_size):
        weight = self.recurrence.weight_hh_l0
        zeros = torch.zeros(batch_size, self.recurrence.hidden_size, device=weight.device, dtype=weight.dtype)
        return (zeros, zeros.clone()) if isinstance(self.recurrence, nn.LSTM) else zeros

    def step(self, x_t, state):
        # torch wants (layers, B, d); zoo states keep the batch first so that beam search can reorder them
        torch_state = tuple(s[None] for s in state) if isinstance(state, tuple) else state[None]
        y_t, torch_state = self.recurrence(x_t[:, None], torch_state)
        state = tuple(s[0] for s in torch_state) if isinstance(torch_state, tuple) else torch_state[0]
        return y_t[:, 0], state
