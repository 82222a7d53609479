"""Fixed-window autoregressive model: the output at t sees the inputs x_{t-window+1..t} and nothing older.

The Markov idea of the classic lecture: the past beyond the window is thrown away. Each layer is one convolution
over time; their widths add up so that the *whole model* reads exactly `window` inputs, whatever `n_layers` is.
"""
import torch
import torch.nn.functional as F
from torch import nn

from zoo.models.backbone import Backbone


def layer_widths(window: int, n_layers: int) -> list[int]:
    """Spread the window over the layers: a stack of widths w_l reads sum(w_l - 1) + 1 inputs."""
    reach, extra = divmod(window - 1, n_layers)
    return [1 + reach + (layer < extra) for layer in range(n_layers)]


class WindowConvolution(nn.Module):
    """y_t = b + sum_j W_j x_{t-width+1+j}: a convolution over the last `width` inputs."""

    def __init__(self, d_model: int, width: int):
        super().__init__()
        self.width = width
        self.conv = nn.Conv1d(d_model, d_model, width)

    def forward(self, x, *, causal=True, mask=None):
        past = self.width - 1 if causal else (self.width - 1) // 2  # non-causal: a window centred on t
        future = self.width - 1 - past
        return self.conv(F.pad(x.transpose(1, 2), (past, future))).transpose(1, 2)

    def init_state(self, batch_size):
        weight = self.conv.weight
        return torch.zeros(batch_size, self.width - 1, weight.shape[1], device=weight.device, dtype=weight.dtype)

    def step(self, x_t, state):
        window = torch.cat([state, x_t[:, None]], dim=1)  # (B, width, d): the buffer plus this step
        y_t = torch.einsum("oiw,bwi->bo", self.conv.weight, window) + self.conv.bias
        return y_t, window[:, 1:]


class AR(Backbone):
    reads_both_ways = True
    search_space = {"model.window": [2, 4, 8, 16, 32]}

    def __init__(self, *, window: int, **backbone):
        if window < 1:
            raise ValueError(f"model.window must be >= 1 (the number of past inputs the model reads), got {window}")
        self.window = window  # read by make_mixer, which the Backbone calls while it builds its layers
        super().__init__(**backbone)

    def make_mixer(self, layer):
        return WindowConvolution(self.d_model, layer_widths(self.window, self.n_layers)[layer])
