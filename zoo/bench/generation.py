"""Generation: greedy decoding through init_state + step (a KV cache for attention) against re-running forward on
the whole growing prefix for every new token, as a model without a step would have to."""
import torch

from zoo.bench.sizes import MODELS, Sizes
from zoo.bench.throughput import language_model
from zoo.bench.timing import finished, figure_table


def decode_by_rerunning(task, prompt: torch.Tensor, length: int) -> torch.Tensor:
    tokens = prompt
    for _ in range(length):
        tokens = torch.cat([tokens, task(tokens)[:, -1].argmax(-1, keepdim=True)], dim=1)
    return tokens[:, prompt.shape[1]:]


def timed(decode, device: str) -> tuple[float, torch.Tensor]:
    started = finished(device)
    tokens = decode()
    return finished(device) - started, tokens


@torch.no_grad()
def run(sizes: Sizes, device: str = "cpu") -> str:
    """Batch 1 (one user's latency: every op is tiny, so both ways are bound by per-op dispatch) and the standard
    batch (where the work of re-running the prefix shows)."""
    rows = []
    for batch in (1, sizes.batch):
        for name in MODELS:
            task = language_model(name, sizes).eval().to(device)
            prompt = torch.randint(sizes.vocab, (batch, 1), generator=torch.Generator().manual_seed(0)).to(device)
            task.generate(prompt, 2, temperature=0)  # first calls allocate
            stepped, by_step = timed(lambda: task.generate(prompt, sizes.generated, temperature=0), device)
            rerun, by_rerun = timed(lambda: decode_by_rerunning(task, prompt, sizes.generated), device)
            tokens = batch * sizes.generated
            rows.append([name, batch, tokens / stepped, tokens / rerun, rerun / stepped,
                         "yes" if torch.equal(by_step, by_rerun) else "no"])
    return figure_table(["model", "batch", "step tok/s", "re-run tok/s", "step / re-run", "same tokens"], rows)
