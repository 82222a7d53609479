"""Kernels: each family's mixer, forward and backward, against the other ways to compute the same thing on this
machine, then every architecture's mixer of conf/model/ against its own step loop. zoo's form is marked
"(zoo)"; "x zoo" is a form's time over zoo's (above 1: zoo's form is faster)."""
import copy
import math

import torch
import torch.nn.functional as F
from hydra.utils import instantiate
from torch import nn

from zoo.bench.scan_forms import SCAN_FORMS, selective_step_loop, step_loop
from zoo.bench.sizes import MODELS, Sizes, backbone_config, model_defaults
from zoo.bench.timing import best_seconds, figure_table
from zoo.models.ar import WindowConvolution
from zoo.models.latent_ar import linear_scan
from zoo.models.mamba import selective_scan
from zoo.models.recurrent import FusedRecurrence

ROUNDS = 3
CELLS = {"rnn": (nn.RNN, nn.RNNCell), "lstm": (nn.LSTM, nn.LSTMCell), "gru": (nn.GRU, nn.GRUCell)}


def cell_loop(cell: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The hand-written recurrence: one cell call per step (unbind, not x[:, t], whose backward grows with T^2)."""
    state, outputs = None, []
    for x_t in x.unbind(1):
        state = cell(x_t, state)
        outputs.append(state[0] if isinstance(state, tuple) else state)
    return torch.stack(outputs, dim=1)


def recurrence_forms(family: str, sizes: Sizes, device: str = "cpu"):
    fused, cell = CELLS[family]
    mixer = FusedRecurrence(fused(sizes.d_model, sizes.d_model, batch_first=True)).to(device)
    loop = cell(sizes.d_model, sizes.d_model).to(device)
    return {f"fused nn.{fused.__name__} (zoo)": mixer, f"nn.{cell.__name__} loop": lambda x: cell_loop(loop, x)}


def explicit_attention(query, key, value):
    scores = query @ key.transpose(-2, -1) / math.sqrt(query.shape[-1])
    later = torch.ones(scores.shape[-2:], dtype=torch.bool, device=scores.device).triu(1)
    return scores.masked_fill(later, float("-inf")).softmax(-1) @ value


def attention_forms():
    return {
        "SDPA, fused (zoo)": lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
        "SDPA with attention dropout 0.1":
            lambda q, k, v: F.scaled_dot_product_attention(q, k, v, dropout_p=0.1, is_causal=True),
        "explicit softmax(QK^T / sqrt(d)) V": explicit_attention,
    }


def window_forms(sizes: Sizes, width: int = 8, device: str = "cpu"):
    convolution = WindowConvolution(sizes.d_model, width).to(device)
    weight, bias = convolution.conv.weight, convolution.conv.bias  # (out, in, width)

    def shifted_matmuls(x):
        padded = F.pad(x, (0, 0, width - 1, 0))
        length = x.shape[1]
        return sum(padded[:, j:j + length] @ weight[:, :, j].T for j in range(width)) + bias

    def unfolded(x):
        windows = F.pad(x.transpose(1, 2), (width - 1, 0)).unfold(2, width, 1)  # (B, in, T, width)
        return torch.einsum("bitw,oiw->bto", windows, weight) + bias

    return {"one convolution (zoo)": convolution, "sum of shifted matmuls": shifted_matmuls,
            "unfold + einsum": unfolded}


def forward_backward(form, inputs):
    def run():
        for tensor in inputs:
            tensor.grad = None
        form(*inputs).sum().backward()
    return run


def fits_in_memory(run) -> bool:
    """Whether a form runs at all: on a GPU at T = 8192, explicit attention's (B, heads, T, T) scores do not fit."""
    try:
        run()
        return True
    except torch.OutOfMemoryError:
        torch.cuda.empty_cache()
        return False


def largest_errors(forms: dict, inputs, exact: torch.Tensor) -> dict[str, float]:
    """Each form's largest error against the float64 result, relative to that result's largest value."""
    with torch.no_grad():
        return {name: ((form(*inputs).double() - exact).abs().max() / exact.abs().max()).item()
                for name, form in forms.items()}


def timed_rows(family, length, forms, inputs, errors=None):
    runs = {name: forward_backward(form, inputs) for name, form in forms.items()}
    fitting = {name: run for name, run in runs.items() if fits_in_memory(run)}
    seconds = best_seconds(fitting, ROUNDS, inputs[0].device)
    zoo = next(value for name, value in seconds.items() if name.endswith("(zoo)"))
    return [[family, length, name, 1000 * seconds[name] if name in seconds else "out of memory",
             seconds[name] / zoo if name in seconds else "", "" if errors is None else f"{errors[name]:.1e}"]
            for name in runs]


def scan_rows(sizes: Sizes, length: int, device: str = "cpu"):
    """latent_ar's scan, with each form's largest error against a float64 step loop: a fast form that is not
    finite at long lengths is no candidate."""
    generator = torch.Generator().manual_seed(0)
    decay = (torch.rand(sizes.d_state, generator=generator) * 0.099 + 0.9).to(device).requires_grad_()  # zoo's init
    inputs = torch.randn(sizes.batch, length, sizes.d_state, generator=generator).to(device).requires_grad_()
    forms = {"chunked scan, 2 sqrt(T) steps (zoo)": linear_scan, **SCAN_FORMS}
    exact = step_loop(decay.double(), inputs.double())
    return timed_rows("latent_ar", length, forms, (decay, inputs), largest_errors(forms, (decay, inputs), exact))


def selective_scan_rows(sizes: Sizes, length: int, device: str = "cpu"):
    """mamba's scan at conf/model/mamba.yaml's expand and d_state: zoo's step loop with its own backward against the
    same recurrence left to autograd."""
    generator = torch.Generator().manual_seed(0)
    defaults = model_defaults("mamba")
    width, d_state = defaults["expand"] * sizes.d_model, defaults["d_state"]

    def tensor(*shape):
        return torch.randn(*shape, generator=generator).to(device).requires_grad_()

    delta = (torch.rand(sizes.batch, length, width, generator=generator) * 0.1).to(device).requires_grad_()
    A = (-torch.arange(1, d_state + 1, dtype=torch.float32).repeat(width, 1)).to(device).requires_grad_()  # zoo's init
    inputs = (delta, A, tensor(sizes.batch, length, d_state), tensor(sizes.batch, length, d_state),
              tensor(sizes.batch, length, width))
    forms = {"step loop, own backward (zoo)": selective_scan, "step loop left to autograd": selective_step_loop}
    exact = selective_step_loop(*(t.double() for t in inputs))
    return timed_rows("mamba", length, forms, inputs, largest_errors(forms, inputs, exact))


def mixer_step_loop(mixer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    state, outputs = mixer.init_state(x.shape[0]), []
    for x_t in x.unbind(1):
        y_t, state = mixer.step(x_t, state)
        outputs.append(y_t)
    return torch.stack(outputs, dim=1)


def state_size(state) -> int:
    if isinstance(state, torch.Tensor):
        return state.numel()
    values = state.values() if isinstance(state, dict) else state
    return sum(state_size(value) for value in values)


def state_grows(mixer: nn.Module, width: int) -> bool:
    """Whether a step's state grows with t (attention's cache of keys and values) rather than staying one size."""
    with torch.no_grad():
        state = mixer.init_state(1)
        sizes = []
        for _ in range(2):
            state = mixer.step(torch.zeros(1, width), state)[1]
            sizes.append(state_size(state))
    return sizes[1] > sizes[0]


def mixer_rows(name: str, sizes: Sizes) -> list[list]:
    """Every architecture's mixer (one layer, built from its config), `forward` against its own `step` loop, with
    each one's largest error against the step loop in float64: the scan or fused kernel against the recurrence it
    computes. At the scan lengths (to 4096), at a batch of an eighth, except where the state grows with t (a cache
    of keys and values: a loop's backward would hold T^2 / 2 of them), which stops at the training lengths."""
    torch.manual_seed(0)
    mixer = instantiate({**backbone_config(name, sizes), "n_layers": 1}).layers[0].mixer
    exact_mixer = copy.deepcopy(mixer).double()
    forms = {"forward (zoo)": mixer, "its step loop": lambda x: mixer_step_loop(mixer, x)}
    rows = []
    for length in sizes.lengths if state_grows(mixer, sizes.d_model) else sizes.scan_lengths:
        x = torch.randn(max(1, sizes.batch // 8), length, sizes.d_model, requires_grad=True)
        with torch.no_grad():
            exact = mixer_step_loop(exact_mixer, x.double())
        rows += timed_rows(name, length, forms, (x,), largest_errors(forms, (x,), exact))
    return rows


def run(sizes: Sizes, device: str = "cpu") -> str:
    torch.manual_seed(0)
    rows = []
    for length in sizes.scan_lengths:
        rows += scan_rows(sizes, length, device)
    for length in sizes.lengths:
        x = torch.randn(sizes.batch, length, sizes.d_model, device=device, requires_grad=True)
        rows += timed_rows("ar", length, window_forms(sizes, device=device), (x,))
        for family in CELLS:
            rows += timed_rows(family, length, recurrence_forms(family, sizes, device), (x,))
        heads = [torch.randn(sizes.batch, 4, length, sizes.d_model // 4, device=device, requires_grad=True)
                 for _ in range(3)]
        rows += timed_rows("transformer", length, attention_forms(), heads)
        rows += selective_scan_rows(sizes, length, device)
    header = ["family", "T", "form", "ms fwd+bwd", "x zoo", "max rel. error vs float64"]
    mixers = [row for name in MODELS for row in mixer_rows(name, sizes)]
    return figure_table(header, rows) + "\n\nEvery architecture's mixer, `forward` against its own `step` loop:\n\n" \
        + figure_table(["model", *header[1:]], mixers)
