"""model.params: a parameter budget ("100k", "1.5M", "250000") turned into the width that meets it.

A comparison between architectures is fair only at equal size, and equal `d_model` is not equal size: an LSTM
mixer holds four times the weights of an Elman mixer of the same width. A budget names the size instead, and each
architecture gets the width at which its whole task (embeddings, heads, encoder and decoder: what summary.json's
`parameters` counts) comes closest to it.
"""
import logging
import re
from functools import cache

import torch
from omegaconf import DictConfig

from zoo.errors import ZooError
from zoo.run.build import build_task, plain

log = logging.getLogger(__name__)

TOLERANCE = 0.1  # the largest relative miss accepted: beyond it the runs would not be of the size asked for
SUFFIXES = {"": 1, "k": 10**3, "m": 10**6}
BUDGET = re.compile(r"(\d+(?:\.\d+)?)([km]?)", re.IGNORECASE)


def parse_budget(text: str) -> int:
    """'100k' -> 100000, '1.5M' -> 1500000, '250000' -> 250000."""
    match = BUDGET.fullmatch(str(text).strip())
    count = round(float(match[1]) * SUFFIXES[match[2].lower()]) if match else 0
    if count < 1:
        raise ZooError(f"model.params={text} is not a parameter count: write e.g. 250000, 100k or 1.5M")
    return count


def count_parameters(cfg: DictConfig, datamodule, d_model: int) -> int:
    """Parameters of the task the run would build at this width, built as the run builds it (build_task). Built on
    the meta device: shapes without storage, so that trying a width costs neither memory nor random numbers."""
    model = {**plain(cfg.model), "d_model": d_model, "params": None}
    with torch.device("meta"):
        task = build_task(cfg, datamodule, model)
    return sum(parameter.numel() for parameter in task.parameters())


def width_for_budget(cfg: DictConfig, datamodule) -> tuple[int, int]:
    """The d_model, a multiple of model.n_heads, whose task comes closest to the budget cfg.model.params, and
    that task's parameter count."""
    budget = parse_budget(cfg.model.params)
    step = cfg.model.n_heads

    @cache
    def count(units: int) -> int:
        return count_parameters(cfg, datamodule, units * step)

    # the count grows with the width: double until the budget is passed, then bisect the last doubling
    above = 1
    while count(above) < budget:
        above *= 2
    below = above // 2  # under the budget, or 0: no narrower width exists
    while above - below > 1:
        middle = (below + above) // 2
        below, above = (middle, above) if count(middle) < budget else (below, middle)
    units = min((candidate for candidate in (below, above) if candidate >= 1),
                key=lambda candidate: abs(count(candidate) - budget))
    nearest = count(units)
    if abs(nearest - budget) > TOLERANCE * budget:
        why = ("even the narrowest width exceeds it" if units == 1 and nearest > budget else
               f"d_model moves in steps of model.n_heads={step}, and fewer heads give finer steps")
        raise ZooError(
            f"model.params={cfg.model.params}: the nearest this model reaches on this data set is {nearest:,} "
            f"parameters (d_model={units * step}), more than {TOLERANCE:.0%} from {budget:,}; {why}"
        )
    return units * step, nearest


def apply_budget(cfg: DictConfig, model: dict, datamodule) -> dict:
    """The model node to build: under a budget (model.params), with the d_model that meets it and no budget left,
    so that the task, and the checkpoint that keeps its node, is built at a width like any other."""
    if model["params"] is None:
        return model
    d_model, parameters = width_for_budget(cfg, datamodule)
    log.info("model.params=%s: d_model=%d, %s parameters", cfg.model.params, d_model, f"{parameters:,}")
    return {**model, "d_model": d_model, "params": None}


def narrowest_under_budget(model: DictConfig) -> dict:
    """Keyword arguments for the check of the model's sizes made before any data is read: under a budget the
    width follows from the data, so the narrowest width the budget may choose stands in for it."""
    if model.params is None:
        return {}
    parse_budget(model.params)  # a malformed budget fails here, before any data is read
    return {"params": None, "d_model": model.n_heads}
