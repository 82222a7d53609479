"""Other ways to compute latent_ar's recurrence h_t = a * h_{t-1} + u_t (h_{-1} = 0), for (B, T, N) inputs and
(N,) decays in (0, 1): what zoo's chunked scan (zoo.models.latent_ar.linear_scan) is measured against."""
import torch
import torch.nn.functional as F


def step_loop(decay, inputs):
    state = inputs.new_zeros(inputs.shape[0], inputs.shape[2])
    states = []
    for step_inputs in inputs.unbind(1):
        state = decay * state + step_inputs
        states.append(state)
    return torch.stack(states, dim=1)


def cumulative_sum(decay, inputs):
    """h_t = a^t * sum_s u_s / a^s: one cumsum, but a^t underflows (and 1 / a^t overflows) on long sequences."""
    powers = decay ** torch.arange(inputs.shape[1], dtype=inputs.dtype, device=inputs.device)[:, None]
    return powers * torch.cumsum(inputs / powers, dim=1)


def doubling_scan(decay, inputs):
    """Hillis-Steele: log2(T) passes, pass k adds a^(2^k) h_{t-2^k}; stable, but each pass touches the whole tensor."""
    states, power, shift = inputs, decay, 1
    while shift < inputs.shape[1]:
        states = states + power * F.pad(states[:, :-shift], (0, 0, shift, 0))
        power, shift = power * power, 2 * shift
    return states


def fft_convolution(decay, inputs):
    """h = u * k with the kernel k_j = a^j, as one FFT convolution (S4's form)."""
    length = inputs.shape[1]
    kernel = decay ** torch.arange(length, dtype=inputs.dtype, device=inputs.device)[:, None]
    spectrum = torch.fft.rfft(inputs, n=2 * length, dim=1) * torch.fft.rfft(kernel, n=2 * length, dim=0)
    return torch.fft.irfft(spectrum, n=2 * length, dim=1)[:, :length]


def matrix_per_chunk(decay, inputs, chunk=64):
    """zoo's scan before the benchmark: within each chunk one product with the (L, L) matrix a^(t-s), s <= t, then
    the chunks' last states carried in a loop."""
    batch, length, width = inputs.shape
    span = min(chunk, length)
    n_chunks = -(-length // span)
    chunks = F.pad(inputs, (0, 0, 0, n_chunks * span - length)).view(batch, n_chunks, span, width)
    steps = torch.arange(span, device=inputs.device)
    lag = steps[:, None] - steps[None, :]
    kernel = torch.exp(lag.clamp(min=0)[..., None] * decay.log()) * (lag >= 0)[..., None]
    within = torch.einsum("tsn,bcsn->bctn", kernel, chunks)
    carry_decay = decay ** (steps + 1)[:, None]
    carried, states = inputs.new_zeros(batch, width), []
    for index in range(n_chunks):
        chunk_states = within[:, index] + carry_decay * carried[:, None]
        states.append(chunk_states)
        carried = chunk_states[:, -1]
    return torch.stack(states, dim=1).view(batch, n_chunks * span, width)[:, :length]


SCAN_FORMS = {
    "step loop": step_loop,
    "matrix per chunk (zoo before)": matrix_per_chunk,
    "doubling scan (Hillis-Steele)": doubling_scan,
    "FFT convolution": fft_convolution,
    "cumulative sum": cumulative_sum,
}


def selective_step_loop(delta, A, B, C, x):
    """mamba's recurrence h_t = exp(delta_t A) h_{t-1} + delta_t x_t B_t, y_t = C_t . h_t as the paper writes it,
    left to autograd: what zoo.models.mamba.selective_scan and its hand-written backward are measured against."""
    state, outputs = x.new_zeros(x.shape[0], x.shape[2], A.shape[1]), []
    for t in range(x.shape[1]):
        state = torch.exp(delta[:, t, :, None] * A) * state + (delta[:, t] * x[:, t])[..., None] * B[:, t, None]
        outputs.append((state * C[:, t, None]).sum(-1))
    return torch.stack(outputs, dim=1)
