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
        # the single-step kernel on the layer's own weights: a call of the whole layer for one step spends most of
        # its time checking and reshaping (generation ran ~2x slower through it, `python -m zoo.bench`)
        recurrence = self.recurrence
        weights = (recurrence.weight_ih_l0, recurrence.weight_hh_l0, recurrence.bias_ih_l0, recurrence.bias_hh_l0)
        if isinstance(recurrence, nn.LSTM):
            state = torch.lstm_cell(x_t, state, *weights)
            return state[0], state
        if isinstance(recurrence, nn.GRU):
            state = torch.gru_cell(x_t, state, *weights)
        elif recurrence.nonlinearity == "tanh":
            state = torch.rnn_tanh_cell(x_t, state, *weights)
        else:
            state = torch.rnn_relu_cell(x_t, state, *weights)
        return state, state
