"""Memory: the peak resident memory one training step (forward, backward, optimizer step) adds above the built
model and its batch, per architecture and length. On the CPU each point runs in a fresh interpreter: memory a
previous measurement freed stays with the process and would hide the next one's growth. On CUDA, torch's allocator
counts its own peak, which resets between points.

`python -m zoo.bench.memory MODEL LENGTH [--quick]` measures one point and prints it in MB.
"""
import argparse
import subprocess
import sys
from pathlib import Path

from zoo.bench.sizes import MODELS, QUICK, STANDARD, Sizes
from zoo.bench.timing import figure_table

ROOT = Path(__file__).resolve().parents[2]


def resident_kb(field: str) -> int:
    """VmRSS (now) or VmHWM (peak since the last reset) of this process, Linux's /proc."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def training_step_megabytes(name: str, length: int, sizes: Sizes, device: str = "cpu") -> float:
    import torch
    import torch.nn.functional as F

    from zoo.bench.throughput import language_model, random_batches, task_optimizer
    from zoo.tokens import IGNORE

    torch.set_num_threads(1)
    task = language_model(name, sizes).to(device)
    batch = {key: tensor.to(device) for key, tensor in next(iter(random_batches(sizes, length, 1))).items()}
    optimizer, _ = task_optimizer(task, 1)
    on_cuda = torch.device(device).type == "cuda"
    if on_cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
    else:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # the peak restarts from what is resident now
        before = resident_kb("VmRSS") * 1024
    loss = F.cross_entropy(task(batch["input"]).flatten(0, 1), batch["target"].flatten(), ignore_index=IGNORE)
    loss.backward()
    optimizer.step()
    if on_cuda:
        torch.cuda.synchronize(device)
        return (torch.cuda.max_memory_allocated(device) - before) / 2**20
    return (resident_kb("VmHWM") * 1024 - before) / 2**20


def measured_in_fresh_process(name: str, length: int, quick: bool) -> float:
    command = [sys.executable, "-m", "zoo.bench.memory", name, str(length), *(["--quick"] if quick else [])]
    result = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return float(result.stdout.split()[-1])


def run(sizes: Sizes, quick: bool = False, device: str = "cpu") -> str:
    if device == "cpu":
        rows = [[name, *(measured_in_fresh_process(name, length, quick) for length in sizes.lengths)]
                for name in MODELS]
    else:
        rows = [[name, *(training_step_megabytes(name, length, sizes, device) for length in sizes.lengths)]
                for name in MODELS]
    return figure_table(["model", *(f"MB at T={length}" for length in sizes.lengths)], rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="peak memory of one training step, in MB")
    parser.add_argument("model", choices=MODELS)
    parser.add_argument("length", type=int)
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args()
    print(training_step_megabytes(arguments.model, arguments.length, QUICK if arguments.quick else STANDARD))
