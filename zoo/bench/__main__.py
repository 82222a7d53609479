"""`python -m zoo.bench [--quick] [--sections ...] [--device cuda] [--lengths ...] [--scan-lengths ...]`: every
section's Markdown table, measured in one run.

Torch runs on one thread unless --threads says otherwise: the figures are ratios of two ways measured side by side,
and on a machine shared with other jobs one thread each keeps them from fighting over the cores. On a GPU the
standard lengths are too short to show anything: --lengths 1024 4096 8192 --scan-lengths 4096 8192.
"""
import argparse
import dataclasses
import os
import platform
import time

from zoo.errors import command_line_tool

SECTIONS = ("throughput", "kernels", "generation", "startup", "memory")
TITLES = {
    "throughput": "Training throughput: zoo (task module + Lightning) against a plain PyTorch loop",
    "kernels": "Kernels: each family's mixer against the other ways to compute it",
    "generation": "Greedy decoding: init_state + step against re-running forward on the prefix",
    "startup": "Start-up",
    "memory": "Peak memory of one training step above the built model",
}


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"a length must be >= 1, got {value}")
    return value


@command_line_tool
def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m zoo.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that every section runs")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="cuda: the first visible GPU (CUDA_VISIBLE_DEVICES picks it); startup stays on the CPU")
    parser.add_argument("--lengths", type=positive, nargs="+",
                        help="training lengths of throughput, memory and the kernels (default: the size's)")
    parser.add_argument("--scan-lengths", type=positive, nargs="+", help="lengths of latent_ar's scan in kernels")
    arguments = parser.parse_args(argv)

    import torch

    device = arguments.device
    if device == "cuda" and not torch.cuda.is_available():
        parser.error(f"--device {device}: no CUDA GPU visible to torch {torch.__version__}")

    from zoo.bench import generation, kernels, memory, startup, throughput
    from zoo.bench.sizes import QUICK, STANDARD

    torch.set_num_threads(arguments.threads)
    sizes = QUICK if arguments.quick else STANDARD
    sizes = dataclasses.replace(sizes, lengths=tuple(arguments.lengths or sizes.lengths),
                                scan_lengths=tuple(arguments.scan_lengths or sizes.scan_lengths))
    where = torch.cuda.get_device_name() if device == "cuda" else platform.machine()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {where}, "
          f"{len(os.sched_getaffinity(0))} cores; d_model {sizes.d_model}, {sizes.n_layers} layers, "
          f"batch {sizes.batch}, vocabulary {sizes.vocab}")
    run = {
        "throughput": lambda: throughput.run(sizes, device),
        "kernels": lambda: kernels.run(sizes, device),
        "generation": lambda: generation.run(sizes, device),
        "startup": lambda: startup.run(sizes, quick=arguments.quick),
        "memory": lambda: memory.run(sizes, quick=arguments.quick, device=device),
    }
    for section in arguments.sections:
        started = time.perf_counter()
        table = run[section]()
        print(f"\n## {TITLES[section]}\n\n{table}\n\n({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
