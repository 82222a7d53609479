"""`python -m zoo.bench [--quick] [--sections ...]`: every section's Markdown table, measured in one run.

Torch runs on one thread unless --threads says otherwise: the figures are ratios of two ways measured side by side,
and on a machine shared with other jobs one thread each keeps them from fighting over the cores.
"""
import argparse
import os
import platform
import time

SECTIONS = ("throughput", "kernels", "generation", "startup", "memory")
TITLES = {
    "throughput": "Training throughput: zoo (task module + Lightning) against a plain PyTorch loop",
    "kernels": "Kernels: each family's mixer against the other ways to compute it",
    "generation": "Greedy decoding: init_state + step against re-running forward on the prefix",
    "startup": "Start-up",
    "memory": "Peak memory of one training step above the built model",
}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m zoo.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that every section runs")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    arguments = parser.parse_args()

    import torch

    from zoo.bench import generation, kernels, memory, startup, throughput
    from zoo.bench.sizes import QUICK, STANDARD

    torch.set_num_threads(arguments.threads)
    sizes = QUICK if arguments.quick else STANDARD
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {platform.machine()}, "
          f"{len(os.sched_getaffinity(0))} cores; d_model {sizes.d_model}, {sizes.n_layers} layers, "
          f"batch {sizes.batch}, vocabulary {sizes.vocab}")
    run = {
        "throughput": lambda: throughput.run(sizes),
        "kernels": lambda: kernels.run(sizes),
        "generation": lambda: generation.run(sizes),
        "startup": lambda: startup.run(sizes, quick=arguments.quick),
        "memory": lambda: memory.run(sizes, quick=arguments.quick),
    }
    for section in arguments.sections:
        started = time.perf_counter()
        table = run[section]()
        print(f"\n## {TITLES[section]}\n\n{table}\n\n({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
