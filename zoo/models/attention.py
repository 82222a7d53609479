"""Multi-head attention pieces shared by the Transformer's self-attention and every decoder's cross-attention."""
import torch
import torch.nn.functional as F
from torch import nn


def split_heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """(B, T, d) -> (B, heads, T, d / heads)."""
    batch, length, width = x.shape
    return x.view(batch, length, n_heads, width // n_heads).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, heads, T, d / heads) -> (B, T, d)."""
    batch, heads, length, head_width = x.shape
    return x.transpose(1, 2).reshape(batch, length, heads * head_width)


def key_padding_mask(mask: torch.Tensor | None) -> torch.Tensor | None:
    """(B, S) True where a key is real -> a boolean mask SDPA broadcasts over heads and queries."""
    return None if mask is None else mask[:, None, None, :]


class CrossAttention(nn.Module):
    """Queries from the decoder, keys and values from the encoder's output (`memory`)."""

    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        self.n_heads = n_heads
        self.query = nn.Linear(d_model, d_model)
        self.key_value = nn.Linear(d_model, 2 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def project_memory(self, memory: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values of the memory: computed once per sequence, reused at every decoding step."""
        key, value = self.key_value(memory).chunk(2, dim=-1)
        return split_heads(key, self.n_heads), split_heads(value, self.n_heads)

    def forward(self, x, memory_kv, memory_mask=None):
        key, value = memory_kv
        query = split_heads(self.query(x), self.n_heads)
        # no dropout on the attention weights, as in self-attention (zoo/models/transformer.py): it would leave
        # the fused kernel
        attended = F.scaled_dot_product_attention(query, key, value, attn_mask=key_padding_mask(memory_mask))
        return self.out(merge_heads(attended))
