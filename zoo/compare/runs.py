"""Runs as zoo.compare reads them: each summary.json under a directory (zoo.run.record's typed record), its config
flattened into settings. A malformed file is skipped or read in part, with a one-line warning. No matplotlib, torch
or Lightning."""
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from zoo.run.record import MalformedSummary, read_summary

# settings (and groups of them) that differ between runs without changing what is learned
NOT_A_SETTING = ("seed", "paths", "logger", "callbacks", "hydra", "trainer.default_root_dir")


def is_run_bookkeeping(key: str) -> bool:
    return any(key == name or key.startswith(name + ".") for name in NOT_A_SETTING)


@dataclass
class Run:
    path: Path
    status: str
    error: str | None
    data_option: str
    model: str
    settings: dict[str, str]  # the flattened resolved config, less NOT_A_SETTING
    objective: str | None
    mode: str
    metrics: dict[str, float]
    parameters: float | None
    wall_seconds: float | None
    tokens_per_second: float | None
    peak_memory_mb: float | None
    validation: list[dict]
    config: dict  # as the run resolved it, bookkeeping included (zoo.compare.replay reads its stop rule)
    seed: str | None = None
    data: str = ""  # data_option, plus the data.* settings that tell its runs apart
    variant: str = ""  # the other settings that tell this model's runs on this data set apart
    family: str = ""  # the variant less the tuned settings: the rows a model's best is chosen among
    family_keys: tuple[str, ...] = ()  # the settings the family is spelled by: "model.d_model"
    tuning: str = ""  # the tuned settings that tell this run apart from its family, short: "lr=0.003"


def number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    """{"model": {"window": 8}} -> {"model.window": "8"}: text, so that any two values compare."""
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = json.dumps(value) if isinstance(value, list) else str(value)
    return flat


def read_run(path: Path) -> tuple[Run, list[str]]:
    """The run, and the names of the fields it ignored because they held the wrong type."""
    summary, ignored = read_summary(path)
    config, options, objective = summary.config, summary.options, summary.objective or {}
    run = Run(
        path=path,
        status=summary.status,
        error=summary.error,
        # runs older than summary.json's "options" name their classes instead
        data_option=str(options.get("data") or str(config["data"].get("_target_", "?")).rsplit(".", 1)[-1]),
        model=str(options.get("model") or summary.model or "?"),
        settings={key: value for key, value in flatten(config).items() if not is_run_bookkeeping(key)},
        objective=objective.get("name"),
        mode=objective.get("mode", "min"),
        metrics={name: number(value) for name, value in summary.metrics.items() if number(value) is not None},
        parameters=number(summary.parameters),
        wall_seconds=number(summary.wall_seconds),
        tokens_per_second=number(summary.tokens_per_second),
        peak_memory_mb=number(summary.peak_memory_mb),
        validation=[point for point in summary.validation if isinstance(point, dict)],
        config=config,
        seed=None if config.get("seed") is None else str(config["seed"]),
    )
    return run, ignored


def read_runs(directory: Path) -> list[Run]:
    """Every summary.json under directory; a malformed one is skipped, or read in part, with a one-line warning."""
    runs = []
    for path in sorted(directory.rglob("summary.json")):
        try:
            run, ignored = read_run(path)
        except MalformedSummary as problem:
            print(f"warning: skipped {path}: {problem}", file=sys.stderr)
            continue
        if ignored:
            print(f"warning: {path}: ignored its {', '.join(ignored)}, which hold the wrong type", file=sys.stderr)
        runs.append(run)
    return runs
