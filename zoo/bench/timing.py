"""Timing and tables shared by the sections."""
import time
from collections.abc import Callable

from zoo.markdown_table import markdown_table

import torch


def finished(device: torch.device | str) -> float:
    """The clock once the device has done all it was given: CUDA runs kernels after the Python call returns."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter()


def best_seconds(runs: dict[str, Callable[[], None]], rounds: int, device: str = "cpu") -> dict[str, float]:
    """Each run's fastest time over `rounds`, the runs interleaved so that a burst of load from the machine's other
    users slows all of them alike rather than one."""
    best = {name: float("inf") for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            started = finished(device)
            run()
            best[name] = min(best[name], finished(device) - started)
    return best


def figure_table(header: list[str], rows: list[list]) -> str:
    """A Markdown table of measurements: floats to three significant figures, thousands separated."""
    def cell(value):
        if isinstance(value, float):
            return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
        return str(value)

    return markdown_table(header, [[cell(value) for value in row] for row in rows])
