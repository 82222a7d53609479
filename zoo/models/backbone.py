"""The one contract every zoo architecture meets, and the residual stack that carries it.

A backbone maps (B, T, d_model) to (B, T, d_model). Each architecture supplies only its *mixer* (the layer that
moves information along time: a window, a linear recurrence, an RNN cell, attention); the stack around it is the
same for all seven, so a comparison between architectures compares their mixers and nothing else.

Each layer is pre-norm residual: mixer, then (in a decoder) cross-attention to the encoder's output, then a
feed-forward network. A mixer implements

    forward(x, *, causal, mask) -> y           (B, T, d) -> (B, T, d)
    init_state(batch_size) -> state            tensors with the batch first
    step(x_t, state) -> (y_t, state)           (B, d) -> (B, d), one time step

and `forward` must equal `init_state` + repeated `step`.
"""
import torch
from torch import nn

from zoo.configurable import Configurable
from zoo.models.attention import CrossAttention


def reverse_within_length(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Reverse each sequence of a right-padded batch in place of its real tokens; padding stays at the end."""
    if mask is None:
        return x.flip(1)
    positions = torch.arange(x.shape[1], device=x.device)
    reversed_positions = mask.sum(1, keepdim=True) - 1 - positions
    index = torch.where(reversed_positions >= 0, reversed_positions, positions)
    return x.gather(1, index[..., None].expand_as(x))


class Bidirectional(nn.Module):
    """Reads a sequence both ways with two causal mixers, so a recurrence can encode a whole source sentence."""

    def __init__(self, forward_mixer: nn.Module, backward_mixer: nn.Module):
        super().__init__()
        self.forward_mixer = forward_mixer
        self.backward_mixer = backward_mixer

    def forward(self, x, *, causal=True, mask=None):
        ahead = self.forward_mixer(x, causal=True, mask=mask)
        if causal:
            return ahead
        behind = self.backward_mixer(reverse_within_length(x, mask), causal=True, mask=mask)
        return ahead + reverse_within_length(behind, mask)

    def init_state(self, batch_size):
        return self.forward_mixer.init_state(batch_size)

    def step(self, x_t, state):
        return self.forward_mixer.step(x_t, state)


class Block(nn.Module):
    def __init__(self, mixer, d_model, n_heads, dropout, ff_mult, cross_attention):
        super().__init__()
        self.mixer_norm = nn.LayerNorm(d_model)
        self.mixer = mixer
        self.cross_norm = nn.LayerNorm(d_model) if cross_attention else None
        self.cross = CrossAttention(d_model, n_heads) if cross_attention else None
        self.ff_norm = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(
            nn.Linear(d_model, ff_mult * d_model), nn.GELU(), nn.Linear(ff_mult * d_model, d_model)
        )
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, *, causal, mask, memory_kv, memory_mask):
        mixed = self.mixer_norm(x)
        if mask is not None:
            # padding reads as zeros, exactly what a convolution pads with and what keeps a recurrence at rest
            mixed = mixed * mask[..., None]
        x = x + self.dropout(self.mixer(mixed, causal=causal, mask=mask))
        if self.cross is not None:
            x = x + self.dropout(self.cross(self.cross_norm(x), memory_kv, memory_mask))
        return x + self.dropout(self.ff(self.ff_norm(x)))

    def step(self, x_t, state, memory_kv, memory_mask):
        mixed, state = self.mixer.step(self.mixer_norm(x_t), state)
        x_t = x_t + self.dropout(mixed)
        if self.cross is not None:
            x_t = x_t + self.dropout(self.cross(self.cross_norm(x_t)[:, None], memory_kv, memory_mask)[:, 0])
        return x_t + self.dropout(self.ff(self.ff_norm(x_t))), state


class Backbone(Configurable, nn.Module):
    """A stack of `n_layers` residual blocks around an architecture's mixer. An architecture's knobs take their
    defaults from its YAML, conf/model/<its module>.yaml, and these shared ones from conf/model/shared/backbone.yaml,
    which it extends (zoo/configurable.py).

    cross_attention: each layer also attends to `memory` (the encoder's output) -- a decoder.
    bidirectional: recurrent mixers get a second, backward copy so that `forward(causal=False)` reads the whole
        sequence (an encoder). Window and attention mixers read both ways without one.
    """

    config_group = "model"
    reads_both_ways = False  # True where the mixer itself has a non-causal mode
    # what `hparams_search=optuna` searches of this architecture beside the shared knobs: {key: choices}
    search_space: dict[str, list] = {}

    def __init__(self, *, d_model: int, n_layers: int, n_heads: int, dropout: float, ff_mult: int,
                 params: str | None, cross_attention: bool = False, bidirectional: bool = False):
        super().__init__()
        if params is not None:
            raise ValueError(
                f"model.params={params} is a budget that zoo's runs turn into model.d_model before building; "
                f"build a backbone with d_model instead"
            )
        if d_model < 1 or n_layers < 1 or n_heads < 1 or ff_mult < 1:
            raise ValueError(
                f"d_model, n_layers, n_heads and ff_mult must be >= 1, "
                f"got {d_model}, {n_layers}, {n_heads}, {ff_mult}"
            )
        if d_model % n_heads:
            raise ValueError(
                f"model.d_model={d_model} is not divisible by model.n_heads={n_heads}: "
                f"each attention head takes d_model / n_heads channels"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"model.dropout must be in [0, 1), got {dropout}")
        self.d_model, self.n_layers, self.n_heads, self.dropout = d_model, n_layers, n_heads, dropout
        self.cross_attention = cross_attention
        self.bidirectional = bidirectional or self.reads_both_ways
        self.layers = nn.ModuleList(
            Block(self._mixer(layer), d_model, n_heads, dropout, ff_mult, cross_attention)
            for layer in range(n_layers)
        )
        self.norm = nn.LayerNorm(d_model)

    def make_mixer(self, layer: int) -> nn.Module:
        raise NotImplementedError

    def _mixer(self, layer):
        if self.bidirectional and not self.reads_both_ways:
            return Bidirectional(self.make_mixer(layer), self.make_mixer(layer))
        return self.make_mixer(layer)

    def add_positions(self, x: torch.Tensor, start: int) -> torch.Tensor:
        """Order information for mixers that lack it (attention); recurrences and windows know order already."""
        return x

    def _memory_kv(self, memory):
        if memory is None and self.cross_attention:
            raise ValueError("this backbone was built with cross_attention=True: pass memory=")
        if memory is not None and not self.cross_attention:
            raise ValueError("memory= given, but this backbone was built without cross_attention")
        return [None if memory is None else layer.cross.project_memory(memory) for layer in self.layers]

    def forward(self, x, *, causal=True, memory=None, mask=None, memory_mask=None):
        """(B, T, d_model) -> (B, T, d_model). mask: (B, T), True at real tokens of a right-padded batch."""
        if not causal and not self.bidirectional:
            raise ValueError(f"{type(self).__name__} reads non-causally only when built with bidirectional=True")
        x = self.add_positions(x, start=0)
        for layer, memory_kv in zip(self.layers, self._memory_kv(memory)):
            x = layer(x, causal=causal, mask=mask, memory_kv=memory_kv, memory_mask=memory_mask)
        return self.norm(x)

    def init_state(self, batch_size: int) -> dict:
        """Generation state: each mixer's own (window buffer, h / c, KV cache) and the memory's keys and values,
        projected at the first step and reused after it."""
        return {
            "position": 0,
            "mixers": [layer.mixer.init_state(batch_size) for layer in self.layers],
            "memory_kv": None,
        }

    def step(self, x_t, state, *, memory=None, memory_mask=None):
        """One causal time step: (B, d_model) -> (B, d_model), new state."""
        memory_kv = state["memory_kv"]
        if memory_kv is None:
            memory_kv = self._memory_kv(memory)
        x_t = self.add_positions(x_t[:, None], start=state["position"])[:, 0]
        mixers = []
        for layer, mixer_state, layer_kv in zip(self.layers, state["mixers"], memory_kv):
            x_t, mixer_state = layer.step(x_t, mixer_state, layer_kv, memory_mask)
            mixers.append(mixer_state)
        return self.norm(x_t), {"position": state["position"] + 1, "mixers": mixers, "memory_kv": memory_kv}
