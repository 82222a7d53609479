"""Torch threads for jobs that a launcher runs side by side on one machine (hydra/launcher=joblib).

Jobs that each take every core fight over them: with two busy processes on 2 cores, a torch step at 2 threads ran
100x slower than at 1 thread. A job of a parallel launcher therefore takes its share, cores / parallel jobs.
"""
import logging

import torch
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from joblib import cpu_count

log = logging.getLogger(__name__)


def parallel_jobs(n_jobs: int, cores: int) -> int:
    """How many jobs a launcher's n_jobs runs at once, read as joblib reads it: -1 all cores, -2 all but one..."""
    return n_jobs if n_jobs > 0 else max(1, cores + 1 + n_jobs)


def threads_per_job(cores: int, jobs: int) -> int:
    return max(1, cores // jobs)


def split_threads_between_parallel_jobs() -> None:
    """Under a launcher that runs `n_jobs` at once, give this job's torch its share of the cores; elsewhere leave
    torch's threads as they are.

    The share counts the launcher's n_jobs even where the sweep has fewer jobs: Hydra tells a job its own
    overrides only, not how many jobs its sweep holds.
    """
    if not HydraConfig.initialized():
        return
    hydra = HydraConfig.get()
    n_jobs = hydra.launcher.get("n_jobs")
    if hydra.mode != RunMode.MULTIRUN or n_jobs is None:
        return
    cores = cpu_count()  # as joblib counts them for n_jobs=-1: the CPUs this process may use
    jobs = parallel_jobs(n_jobs, cores)
    torch.set_num_threads(threads_per_job(cores, jobs))
    log.info("torch threads: %d (%d cores, %d parallel jobs)", torch.get_num_threads(), cores, jobs)
