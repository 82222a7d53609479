"""Mamba: a selective state space (Gu & Dao 2023). latent_ar's linear state, made input-dependent.

Each channel c of the expanded input keeps a state h (d_state wide) with h_t = exp(delta_t A) h_{t-1} +
delta_t B_t x_t and reads y_t = C_t . h_t + D x_t, where the step size delta_t, the input map B_t and the read-out C_t
are computed from x_t: the model chooses, token by token, what to keep and what to let decay. A is diagonal and
negative, so every decay exp(delta A) lies in (0, 1]. Around the scan: a short causal convolution over time and a
SiLU gate, as in the paper's block (zoo's shared stack adds the residual, the norm and the feed-forward around it).

Plain PyTorch, no CUDA kernel: Mamba's own kernels are CUDA-only. `forward` runs a chunked scan in about
3 sqrt(T) vectorised steps that multiplies only by decays <= 1 (a chunk's decay is taken in log space, a sum of
delta A <= 0, then exponentiated), so it stays finite at any length; `step` runs one time step for generation.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

from zoo.models.backbone import Backbone


def selective_scan(log_decay: torch.Tensor, inputs: torch.Tensor, readout: torch.Tensor,
                   chunk: int | None = None) -> torch.Tensor:
    """y_t = readout_t . h_t with h_t = exp(log_decay_t) * h_{t-1} + inputs_t from h_{-1} = 0.

    log_decay (<= 0) and inputs are (B, T, D, N), readout (B, T, N), y (B, T, D). The sequence is cut into chunks of
    about sqrt(T) steps: the recurrence runs inside all chunks at once from rest, then from chunk to chunk on their
    last states (each chunk's decay a sum of log decays, exponentiated), then a second pass inside the chunks adds
    what each chunk carried in, decayed step by step. Every factor is a decay <= 1: finite at any length. Loops run
    over `unbind` views: indexing `x[:, :, t]` would make backward fill a whole-size gradient per step.
    """
    batch, length = inputs.shape[:2]
    span = min(chunk or max(1, round(math.sqrt(length))), length)
    n_chunks = -(-length // span)
    padding = n_chunks * span - length
    rest = inputs.shape[2:]
    shape = (batch, n_chunks, span, *rest)
    log_decay = F.pad(log_decay, (0, 0, 0, 0, 0, padding)).view(shape)
    inputs = F.pad(inputs, (0, 0, 0, 0, 0, padding)).view(shape)
    readouts = F.pad(readout, (0, 0, 0, padding)).view(batch, n_chunks, span, -1).unbind(2)
    decays = log_decay.exp().unbind(2)
    state, outputs = inputs.new_zeros(batch, n_chunks, *rest), []
    for decay_t, inputs_t, readout_t in zip(decays, inputs.unbind(2), readouts):
        state = decay_t * state + inputs_t
        outputs.append(torch.einsum("bkdn,bkn->bkd", state, readout_t))
    through_chunk = log_decay.sum(2).exp()
    carried = [inputs.new_zeros(batch, *rest)]  # the state entering each chunk
    for chunk_decay, chunk_end in zip(through_chunk.unbind(1)[:-1], state.unbind(1)[:-1]):
        carried.append(chunk_decay * carried[-1] + chunk_end)
    carried = torch.stack(carried, dim=1)
    for t, (decay_t, readout_t) in enumerate(zip(decays, readouts)):
        carried = decay_t * carried
        outputs[t] = outputs[t] + torch.einsum("bkdn,bkn->bkd", carried, readout_t)
    return torch.stack(outputs, dim=2).flatten(1, 2)[:, :length]


class SelectiveStateSpace(nn.Module):
    def __init__(self, d_model: int, d_state: int, expand: int, d_conv: int):
        super().__init__()
        d_inner = expand * d_model
        self.d_conv, self.d_state = d_conv, d_state
        self.dt_rank = math.ceil(d_model / 16)  # the paper's low-rank step size
        self.in_proj = nn.Linear(d_model, 2 * d_inner)  # the scan's input and the gate
        self.conv = nn.Conv1d(d_inner, d_inner, d_conv, groups=d_inner)  # depthwise, causal by left padding
        self.x_proj = nn.Linear(d_inner, self.dt_rank + 2 * d_state, bias=False)  # delta, B, C from the input
        self.dt_proj = nn.Linear(self.dt_rank, d_inner)
        # step sizes start log-uniform in [0.001, 0.1] (the paper's range): softplus(bias) is the initial delta
        step = torch.exp(torch.empty(d_inner).uniform_(math.log(1e-3), math.log(1e-1)))
        with torch.no_grad():
            self.dt_proj.bias.copy_(step + torch.log(-torch.expm1(-step)))
        # A = -(1, 2, ..., d_state) for every channel (S4D-real); kept as a log so that A stays negative
        self.log_A = nn.Parameter(torch.log(torch.arange(1, d_state + 1, dtype=torch.float32)).repeat(d_inner, 1))
        self.skip = nn.Parameter(torch.ones(d_inner))
        self.out_proj = nn.Linear(d_inner, d_model)

    def selection(self, x):
        """delta (..., d_inner), B and C (..., d_state) from the convolved input x (..., d_inner)."""
        dt, B, C = self.x_proj(x).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
        return F.softplus(self.dt_proj(dt)), B, C

    def forward(self, x, *, causal=True, mask=None):
        inner, gate = self.in_proj(x).chunk(2, dim=-1)
        inner = F.silu(self.conv(F.pad(inner.transpose(1, 2), (self.d_conv - 1, 0))).transpose(1, 2))
        delta, B, C = self.selection(inner)
        log_decay = delta[..., None] * -self.log_A.exp()  # (B, T, d_inner, d_state), <= 0
        y = selective_scan(log_decay, (delta * inner)[..., None] * B[:, :, None], C) + self.skip * inner
        return self.out_proj(y * F.silu(gate))

    def init_state(self, batch_size):
        weight = self.in_proj.weight
        d_inner = self.skip.shape[0]
        return {"inputs": weight.new_zeros(batch_size, self.d_conv - 1, d_inner),
                "hidden": weight.new_zeros(batch_size, d_inner, self.d_state)}

    def step(self, x_t, state):
        inner, gate = self.in_proj(x_t).chunk(2, dim=-1)
        window = torch.cat([state["inputs"], inner[:, None]], dim=1)  # (B, d_conv, d_inner): the conv's reach
        inner = F.silu(torch.einsum("bwc,cw->bc", window, self.conv.weight[:, 0]) + self.conv.bias)
        delta, B, C = self.selection(inner)
        decay = torch.exp(delta[..., None] * -self.log_A.exp())
        hidden = decay * state["hidden"] + (delta * inner)[..., None] * B[:, None]
        y = torch.einsum("bcn,bn->bc", hidden, C) + self.skip * inner
        return self.out_proj(y * F.silu(gate)), {"inputs": window[:, 1:], "hidden": hidden}


class Mamba(Backbone):
    search_space = {"model.d_state": [8, 16, 32], "model.expand": [1, 2]}

    def __init__(self, *, d_state: int, expand: int, d_conv: int, **backbone):
        for name, value in (("d_state", d_state), ("expand", expand), ("d_conv", d_conv)):
            if value < 1:
                raise ValueError(f"model.{name} must be >= 1, got {value}")
        # read by make_mixer, which the Backbone calls while it builds its layers
        self.d_state, self.expand, self.d_conv = d_state, expand, d_conv
        super().__init__(**backbone)

    def make_mixer(self, layer):
        return SelectiveStateSpace(self.d_model, self.d_state, self.expand, self.d_conv)
