"""Mamba: a selective state space (Gu & Dao 2023). latent_ar's linear state, made input-dependent.

Each channel c of the expanded input keeps a state h (d_state wide) with h_t = exp(delta_t A) h_{t-1} +
delta_t B_t x_t and reads y_t = C_t . h_t + D x_t, where the step size delta_t, the input map B_t and the read-out C_t
are computed from x_t: the model chooses, token by token, what to keep and what to let decay. A is diagonal and
negative, so every decay exp(delta A) lies in (0, 1]. Around the scan: a short causal convolution over time and a
SiLU gate, as in the paper's block (zoo's shared stack adds the residual, the norm and the feed-forward around it).

Plain PyTorch, no CUDA kernel: Mamba's own kernels are CUDA-only. `forward` runs the scan as a step loop with its
own backward (`selective_scan`), multiplying only by decays <= 1, so it stays finite at any length; `step` runs one
time step for generation.
"""
import functools
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable

from zoo.models.backbone import Backbone


def selective_scan(delta: torch.Tensor, A: torch.Tensor, B: torch.Tensor, C: torch.Tensor,
                   x: torch.Tensor) -> torch.Tensor:
    """y_t = C_t . h_t with h_t = exp(delta_t A) h_{t-1} + delta_t x_t B_t from h_{-1} = 0, per channel d.

    delta and x are (batch, T, D), A (D, N), B and C (batch, T, N), y (batch, T, D). Computed in the widest dtype of
    the inputs: float32 under bf16 autocast, where A stays a float32 parameter, as Mamba's own kernels do.
    """
    dtype = functools.reduce(torch.promote_types, (t.dtype for t in (delta, A, B, C, x)))
    return _SelectiveScan.apply(*(t.to(dtype) for t in (delta, A, B, C, x)))


class _SelectiveScan(torch.autograd.Function):
    """The scan as one step loop forward and one backward, each step's (batch, D, N) tensors small enough to stay in
    the cache. Left to autograd, the decays exp(delta A) and inputs delta x B were whole (batch, T, D, N) tensors
    written to memory, and every product over them was saved and re-read in backward. Measured on one CPU thread
    (batch 32, T 48, d_model 64, D 128, N 16): a layer's forward and backward from 104 to 54 ms; a chunked form of
    ~3 sqrt(T) vectorised steps was slower than a plain step loop, its passes over the whole tensor costing more than
    the steps they save. Every factor is a decay <= 1: finite at any length. Backward runs the same recurrence in
    reverse on dL/dh_t = dL/dy_t C_t + exp(delta_{t+1} A) dL/dh_{t+1} and keeps only the states h_t from forward.
    """

    @staticmethod
    def forward(ctx, delta, A, B, C, x):
        batch, length, width = x.shape
        states = x.new_empty(batch, length, width, A.shape[-1])
        y = torch.empty_like(x)
        state = x.new_zeros(batch, width, A.shape[-1])
        for t in range(length):
            decay = torch.exp(delta[:, t, :, None] * A)
            state = torch.addcmul((delta[:, t] * x[:, t])[..., None] * B[:, t, None], decay, state)
            states[:, t] = state
            y[:, t] = (state * C[:, t, None]).sum(-1)
        ctx.save_for_backward(delta, A, B, C, x, states)
        return y

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_y):
        delta, A, B, C, x, states = ctx.saved_tensors
        grad_delta, grad_B, grad_C, grad_x = (torch.zeros_like(t) for t in (delta, B, C, x))
        grad_A = torch.zeros_like(A)
        grad_state = torch.zeros_like(states[:, 0])  # dL/dh_t, carried back from t + 1
        next_decay = torch.zeros_like(grad_state)  # nothing follows the last step
        for t in reversed(range(delta.shape[1])):
            grad_state = torch.addcmul(grad_y[:, t, :, None] * C[:, t, None], grad_state, next_decay)
            decay = next_decay = torch.exp(delta[:, t, :, None] * A)
            grad_C[:, t] = (states[:, t] * grad_y[:, t, :, None]).sum(1)
            grad_input = (grad_state * B[:, t, None]).sum(-1)  # dL/d(delta_t x_t)
            grad_x[:, t] = grad_input * delta[:, t]
            grad_delta[:, t] = grad_input * x[:, t]
            grad_B[:, t] = (grad_state * (delta[:, t] * x[:, t])[..., None]).sum(1)
            if t > 0:  # h_{-1} = 0: the first decay multiplies nothing
                grad_exponent = grad_state * decay * states[:, t - 1]  # dL/d(delta_t A)
                grad_delta[:, t] += (grad_exponent * A).sum(-1)
                grad_A += (grad_exponent * delta[:, t, :, None]).sum(0)
        return grad_delta, grad_A, grad_B, grad_C, grad_x


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
        y = selective_scan(delta, -self.log_A.exp(), B, C, inner) + self.skip * inner
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
