"""Transformer: multi-head self-attention softmax(QK^T / sqrt(d_k)) V with sinusoidal positions (Vaswani et al.).

Attention runs on F.scaled_dot_product_attention, which picks flash or memory-efficient kernels where the hardware
has them. No dropout on the attention weights (the residual stream keeps its dropout): on the CPU a dropout there
forces SDPA off its fused kernel onto the plain one, 2.4-5.6x slower with a T x T matrix per head in memory (measured
by `python -m zoo.bench --sections kernels`). Generation keeps a cache of past keys and values, so each new token
attends without recomputing them.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

from zoo.models.attention import key_padding_mask, merge_heads, split_heads
from zoo.models.backbone import Backbone


class SelfAttention(nn.Module):
    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def heads(self, x):
        return [split_heads(part, self.n_heads) for part in self.qkv(x).chunk(3, dim=-1)]

    def forward(self, x, *, causal=True, mask=None):
        query, key, value = self.heads(x)
        # a causal read needs no padding mask: right padding only ever comes after the real tokens
        attended = F.scaled_dot_product_attention(
            query, key, value,
            attn_mask=None if causal else key_padding_mask(mask),
            is_causal=causal,
        )
        return self.out(merge_heads(attended))

    def init_state(self, batch_size):
        weight = self.qkv.weight
        width = weight.shape[1] // self.n_heads
        empty = torch.zeros(batch_size, self.n_heads, 0, width, device=weight.device, dtype=weight.dtype)
        return {"key": empty, "value": empty.clone()}

    def step(self, x_t, state):
        query, key, value = self.heads(x_t[:, None])
        key = torch.cat([state["key"], key], dim=2)
        value = torch.cat([state["value"], value], dim=2)
        attended = F.scaled_dot_product_attention(query, key, value)
        return self.out(merge_heads(attended))[:, 0], {"key": key, "value": value}


def sinusoidal_positions(start: int, length: int, width: int, device) -> torch.Tensor:
    """Fixed position code: sines and cosines of geometrically spaced frequencies, (length, width)."""
    positions = torch.arange(start, start + length, device=device, dtype=torch.float32)[:, None]
    frequencies = torch.exp(
        torch.arange(0, width, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / width)
    )
    code = torch.zeros(length, width, device=device)
    code[:, 0::2] = torch.sin(positions * frequencies)
    code[:, 1::2] = torch.cos(positions * frequencies[: width // 2])
    return code


class Transformer(Backbone):
    reads_both_ways = True
    search_space = {"model.n_heads": [1, 2, 4, 8]}  # every head count divides every width the search tries

    def make_mixer(self, layer):
        return SelfAttention(self.d_model, self.n_heads)

    def __init__(self, **backbone):
        super().__init__(**backbone)
        self.positions = torch.empty(0, self.d_model)  # the position code, computed once, grown when outgrown

    def add_positions(self, x, start):
        end = start + x.shape[1]
        if len(self.positions) < end or self.positions.device != x.device:
            # doubling: generation asks for one more row a step, and a step that recomputed the code would spend
            # a quarter of its time on it (`python -m zoo.bench --sections generation`)
            self.positions = sinusoidal_positions(0, max(end, 2 * len(self.positions)), self.d_model, x.device)
        return x + self.positions[start:end].to(x.dtype)
