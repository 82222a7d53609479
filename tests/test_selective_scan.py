"""mamba's scan has its own backward (zoo.models.mamba.selective_scan): its values and gradients against autograd on
the recurrence as the paper writes it."""
import torch

from zoo.bench.scan_forms import selective_step_loop
from zoo.models.mamba import selective_scan


def scan_inputs(batch=2, length=9, width=3, d_state=4, dtype=torch.float64, seed=0):
    generator = torch.Generator().manual_seed(seed)
    delta = torch.rand(batch, length, width, generator=generator, dtype=dtype)
    A = -torch.rand(width, d_state, generator=generator, dtype=dtype) * 4
    B, C = (torch.randn(batch, length, d_state, generator=generator, dtype=dtype) for _ in range(2))
    x = torch.randn(batch, length, width, generator=generator, dtype=dtype)
    return [t.requires_grad_() for t in (delta, A, B, C, x)]


def test_the_scan_and_its_gradients_match_autograd_on_the_paper_recurrence():
    inputs = scan_inputs()
    expected = selective_step_loop(*inputs)
    weights = torch.randn_like(expected)
    expected_grads = torch.autograd.grad((expected * weights).sum(), inputs)
    got = selective_scan(*inputs)
    got_grads = torch.autograd.grad((got * weights).sum(), inputs)
    torch.testing.assert_close(got, expected)
    for name, g, e in zip(("delta", "A", "B", "C", "x"), got_grads, expected_grads):
        torch.testing.assert_close(g, e, msg=lambda m, name=name: f"gradient of {name}: {m}")


def test_gradcheck_passes_on_the_hand_written_backward():
    assert torch.autograd.gradcheck(selective_scan, scan_inputs(batch=1, length=5, width=2, d_state=3, seed=1))


def test_mixed_dtypes_compute_in_the_widest_and_return_gradients_in_each_inputs_own():
    delta, A, B, C, x = (t.detach() for t in scan_inputs(dtype=torch.float32))
    low = [t.to(torch.bfloat16).requires_grad_() for t in (delta, B, C, x)]
    A = A.requires_grad_()
    y = selective_scan(low[0], A, low[1], low[2], low[3])
    assert y.dtype == torch.float32
    y.sum().backward()
    assert [t.grad.dtype for t in low] == [torch.bfloat16] * 4 and A.grad.dtype == torch.float32
