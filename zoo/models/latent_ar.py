"""Latent autoregressive model: a hidden state summarises the whole past, h_t = a * h_{t-1} + b_t(x_t).

The recurrence is linear and diagonal (as in S4D and the LRU), so training computes it with a parallel scan over
the whole sequence while generation runs it one step at a time. Each decay a = exp(-exp(nu)) lies in (0, 1): the
state can neither explode nor oscillate, and the scan's powers of a stay finite at any length.
"""
import torch
from torch import nn

from zoo.models.backbone import Backbone


def linear_scan(decay: torch.Tensor, inputs: torch.Tensor, chunk: int = 64) -> torch.Tensor:
    """h_t = decay * h_{t-1} + inputs_t from h_{-1} = 0, for (B, T, N) inputs and (N,) decays in (0, 1).

    Within a chunk of length L every h_t is one matrix product with the decay matrix a^(t-s), s <= t; across
    chunks the last state is carried in a loop of T / L steps. Only powers a^k with k >= 0 are formed, so nothing
    overflows (a cumulative-sum form divides by a^t, which underflows to 0 on long sequences).
    """
    batch, length, width = inputs.shape
    span = min(chunk, length)
    n_chunks = -(-length // span)
    padded = torch.nn.functional.pad(inputs, (0, 0, 0, n_chunks * span - length))
    chunks = padded.view(batch, n_chunks, span, width)
    log_decay = decay.log()
    steps = torch.arange(span, device=inputs.device)
    lag = steps[:, None] - steps[None, :]  # t - s
    kernel = torch.exp(lag.clamp(min=0)[..., None] * log_decay) * (lag >= 0)[..., None]  # (L, L, N)
    within = torch.einsum("tsn,bcsn->bctn", kernel, chunks)
    carry_decay = torch.exp((steps + 1)[:, None] * log_decay)  # a^(t+1): how much of the carried state is left at t
    carried = inputs.new_zeros(batch, width)
    states = []
    for index in range(n_chunks):
        chunk_states = within[:, index] + carry_decay * carried[:, None]
        states.append(chunk_states)
        carried = chunk_states[:, -1]
    return torch.stack(states, dim=1).view(batch, n_chunks * span, width)[:, :length]


class DiagonalRecurrence(nn.Module):
    """y_t = C h_t + D * x_t with h_t = a * h_{t-1} + sqrt(1 - a^2) * B x_t."""

    def __init__(self, d_model: int, d_state: int, min_decay: float = 0.9, max_decay: float = 0.999):
        super().__init__()
        self.encode = nn.Linear(d_model, d_state, bias=False)  # no bias: zero input leaves a resting state at rest
        self.decode = nn.Linear(d_state, d_model, bias=False)
        self.skip = nn.Parameter(torch.ones(d_model))
        decay = torch.empty(d_state).uniform_(min_decay, max_decay)
        self.log_rate = nn.Parameter(torch.log(-torch.log(decay)))  # a = exp(-exp(log_rate)), always in (0, 1)

    def decay(self) -> torch.Tensor:
        return torch.exp(-torch.exp(self.log_rate))

    def drive(self, x, decay):
        # sqrt(1 - a^2) keeps the state's variance that of the input, however close a is to 1 (the LRU's gamma)
        return self.encode(x) * torch.sqrt(1 - decay**2)

    def forward(self, x, *, causal=True, mask=None):
        decay = self.decay()
        return self.decode(linear_scan(decay, self.drive(x, decay))) + self.skip * x

    def init_state(self, batch_size):
        weight = self.encode.weight
        return torch.zeros(batch_size, weight.shape[0], device=weight.device, dtype=weight.dtype)

    def step(self, x_t, state):
        decay = self.decay()
        state = decay * state + self.drive(x_t, decay)
        return self.decode(state) + self.skip * x_t, state


class LatentAR(Backbone):
    def __init__(self, d_state: int = 64, **backbone):
        if d_state < 1:
            raise ValueError(f"model.d_state must be >= 1, got {d_state}")
        self.d_state = d_state  # read by make_mixer, which the Backbone calls while it builds its layers
        super().__init__(**backbone)

    def make_mixer(self, layer):
        return DiagonalRecurrence(self.d_model, self.d_state)
