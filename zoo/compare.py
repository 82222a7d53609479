"""`python -m zoo.compare DIR`: every run under DIR (one sweep, or all of outputs/) in one comparison across
architectures, written into DIR: leaderboard.md (also printed), leaderboard.csv, and the plots validation_curves.png,
objective_vs_parameters.png and objective_vs_wall_time.png.

A row is one model on one data set: the runs that differ only in their seed (or in where and how they were logged)
share it, as mean ± standard deviation; runs that differ in any other setting get rows of their own, labelled by that
setting. A failed run is a row of its own with its error. Only the runs' summary.json files are read: no tracker,
network, torch or Lightning, so the comparison takes a second.
"""
import csv
import json
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

USAGE = "python -m zoo.compare DIR   (a sweep directory, or outputs/)"
# top-level settings that differ between runs without changing what is learned
NOT_A_SETTING = {"seed", "paths", "logger", "callbacks", "hydra"}
# prefixes of the metrics that are not test results
NOT_TEST = ("train/", "val/", "best/", "baseline/")


class MalformedSummary(ValueError):
    pass


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
    data: str = ""  # data_option, plus the data.* settings that tell its runs apart
    variant: str = ""  # the other settings that tell this model's runs on this data set apart


@dataclass
class Row:
    data: str
    model: str
    variant: str
    runs: list[Run]

    @property
    def label(self) -> str:
        return f"{self.model} {self.variant}".strip()

    @property
    def failed(self) -> bool:
        return self.runs[0].status != "completed"

    def values(self, read) -> list[float]:
        return [value for value in map(read, self.runs) if value is not None]

    def metric(self, name: str) -> list[float]:
        return self.values(lambda run: run.metrics.get(name))


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
    try:
        summary = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedSummary(f"not readable JSON ({error})") from None
    if not isinstance(summary, dict) or not isinstance(summary.get("status"), str):
        raise MalformedSummary("no status: not a zoo summary.json")
    config = summary.get("config")
    if not isinstance(config, dict) or not all(isinstance(config.get(group), dict) for group in ("data", "model")):
        raise MalformedSummary("no data and model in its config")
    ignored = []

    def read(name: str, kinds: tuple, default=None):
        """A field, or the default where it is missing or null (a run that failed early measured nothing)."""
        value = summary.get(name)
        if value is None:
            return default
        if isinstance(value, kinds) and not isinstance(value, bool):
            return value
        ignored.append(name)
        return default

    options, objective, metrics = (read(name, (dict,), {}) for name in ("options", "objective", "metrics"))
    run = Run(
        path=path,
        status=summary["status"],
        error=read("error", (str,)),
        # runs older than summary.json's "options" name their classes instead
        data_option=str(options.get("data") or str(config["data"].get("_target_", "?")).rsplit(".", 1)[-1]),
        model=str(options.get("model") or summary.get("model", "?")),
        settings={key: value for key, value in flatten(config).items() if key.split(".")[0] not in NOT_A_SETTING},
        objective=objective.get("name"),
        mode=objective.get("mode", "min"),
        metrics={name: number(value) for name, value in metrics.items() if number(value) is not None},
        parameters=number(read("parameters", (int, float))),
        wall_seconds=number(read("wall_seconds", (int, float))),
        tokens_per_second=number(read("tokens_per_second", (int, float))),
        peak_memory_mb=number(read("peak_memory_mb", (int, float))),
        validation=[point for point in read("validation", (list,), []) if isinstance(point, dict)],
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


def differing(runs: list[Run]) -> list[str]:
    keys = set().union(*(run.settings for run in runs))
    return sorted(key for key in keys if len({run.settings.get(key) for run in runs}) > 1)


def grouped(items: list, key) -> dict:
    groups = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def spelled(run: Run, keys: list[str]) -> str:
    return " ".join(f"{key}={run.settings.get(key)}" for key in keys)


def label_runs(runs: list[Run]) -> None:
    """Name each run's data set and variant by the settings that tell it apart from the runs beside it."""
    for same_option in grouped(runs, lambda run: run.data_option).values():
        keys = [key for key in differing(same_option) if key.startswith("data.")]
        for run in same_option:
            run.data = f"{run.data_option} {spelled(run, keys)}".strip()
    for same_pair in grouped(runs, lambda run: (run.data, run.model)).values():
        keys = [key for key in differing(same_pair) if not key.startswith("data.")]
        for run in same_pair:
            run.variant = spelled(run, keys)


def rows_of(runs: list[Run]) -> list[Row]:
    """Completed runs of one setting share a row; every other run is a row of its own."""
    completed = grouped([run for run in runs if run.status == "completed"],
                        lambda run: (run.data, run.model, run.variant))
    rows = [Row(*key, group) for key, group in completed.items()]
    rows += [Row(run.data, run.model, run.variant, [run]) for run in runs if run.status != "completed"]
    return rows


@dataclass
class DataSet:
    name: str
    objective: str | None
    mode: str
    rows: list[Row]
    test_metrics: list[str] = field(default_factory=list)
    baselines: list[str] = field(default_factory=list)

    @property
    def objective_label(self) -> str:
        return self.objective or "objective"

    def headline(self, row: Row) -> list[float]:
        """The figure rows are ranked and plotted by: the best checkpoint's score (the weights the test read), else
        the last validation's."""
        return row.metric(f"best/{self.objective}") or row.metric(self.objective)

    def rank(self, row: Row) -> tuple:
        """Finished and scored rows first, best first; then the unscored; then the failed."""
        score, _ = mean_and_spread(self.headline(row))
        signed = 0.0 if score is None else score if self.mode == "min" else -score
        return row.failed, score is None, signed, row.label

    def baseline(self, name: str) -> float:
        """A baseline is a figure of the data set's split: its runs agree on it."""
        return statistics.fmean(value for row in self.rows for value in row.metric(name))


def data_sets(rows: list[Row]) -> list[DataSet]:
    found = []
    for name, rows_here in sorted(grouped(rows, lambda row: row.data).items()):
        runs = [run for row in rows_here for run in row.runs]
        declared = next((run for run in runs if run.objective), None)  # a run that failed early declares none
        metrics = sorted({metric for run in runs for metric in run.metrics})
        data_set = DataSet(name, declared.objective if declared else None, declared.mode if declared else "min",
                           rows_here, test_metrics=[metric for metric in metrics if not metric.startswith(NOT_TEST)],
                           baselines=[metric for metric in metrics if metric.startswith("baseline/")])
        data_set.rows.sort(key=data_set.rank)
        found.append(data_set)
    return found


def mean_and_spread(values: list[float]) -> tuple[float | None, float | None]:
    """Mean, and the standard deviation over seeds where there are two or more."""
    if not values:
        return None, None
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None


def rounded(value: float, digits: int) -> str:
    """To `digits` significant digits, but whole and comma-grouped from 10**(digits-1) up: 51,479, not 5.148e+04."""
    return f"{value:,.0f}" if abs(value) >= 10 ** (digits - 1) else f"{value:.{digits}g}"


def shown(values: list[float]) -> str:
    mean, spread = mean_and_spread(values)
    if mean is None:
        return ""
    return rounded(mean, 4) if spread is None else f"{rounded(mean, 4)} ± {rounded(spread, 2)}"


def status_of(row: Row) -> str:
    if not row.failed:
        return "completed"
    return f"{row.runs[0].status}: {row.runs[0].error or 'no error recorded'}"


def costs(row: Row) -> dict[str, list[float]]:
    return {"parameters": row.values(lambda run: run.parameters),
            "wall_seconds": row.values(lambda run: run.wall_seconds),
            "tokens_per_second": row.values(lambda run: run.tokens_per_second),
            "peak_memory_mb": row.values(lambda run: run.peak_memory_mb)}


def markdown(data_set: DataSet) -> str:
    better = "lower" if data_set.mode == "min" else "higher"
    lines = [f"## {data_set.name}", "",
             f"Objective: {data_set.objective or 'unknown (no run finished)'}, {better} is better; "
             f"mean ± standard deviation over seeds; best: the checkpoint the test read; wall s: the whole run.", ""]
    with_variant = any(row.variant for row in data_set.rows)
    header = ["model", *(["variant"] if with_variant else []), "seeds", "parameters", data_set.objective_label,
              f"best {data_set.objective_label}", *data_set.test_metrics, "wall s", "tokens/s", "peak MB",
              "status"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in data_set.rows:
        cost = costs(row)
        cells = [row.model, *([row.variant] if with_variant else []),
                 "" if row.failed else str(len(row.runs)),
                 rounded(statistics.fmean(cost["parameters"]), 4) if cost["parameters"] else "",
                 shown(row.metric(data_set.objective)), shown(row.metric(f"best/{data_set.objective}")),
                 *(shown(row.metric(metric)) for metric in data_set.test_metrics),
                 shown(cost["wall_seconds"]), shown(cost["tokens_per_second"]), shown(cost["peak_memory_mb"]),
                 status_of(row)]
        lines.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |")
    if data_set.baselines:
        figures = [f"{name.removeprefix('baseline/')} {rounded(data_set.baseline(name), 4)}"
                   for name in data_set.baselines]
        lines += ["", "Baselines on the same split (no learning): " + "; ".join(figures) + "."]
    return "\n".join(lines)


def csv_rows(sets: list[DataSet]) -> tuple[list[str], list[dict]]:
    test_metrics = sorted({metric for data_set in sets for metric in data_set.test_metrics})
    baselines = sorted({metric for data_set in sets for metric in data_set.baselines})
    columns = ["data", "model", "variant", "status", "error", "seeds", "objective", "objective_mean",
               "objective_std", "best_mean", "best_std", "parameters", "wall_seconds", "tokens_per_second",
               "peak_memory_mb", *(f"{metric}{part}" for metric in test_metrics for part in ("", "_std")),
               *baselines]
    records = []
    for data_set in sets:
        for row in data_set.rows:
            record = {"data": row.data, "model": row.model, "variant": row.variant, "status": row.runs[0].status,
                      "error": row.runs[0].error if row.failed else "", "seeds": 0 if row.failed else len(row.runs),
                      "objective": data_set.objective}
            for prefix, metric in (("objective", data_set.objective), ("best", f"best/{data_set.objective}")):
                record[f"{prefix}_mean"], record[f"{prefix}_std"] = mean_and_spread(row.metric(metric))
            record.update({name: mean_and_spread(values)[0] for name, values in costs(row).items()})
            for metric in data_set.test_metrics:
                record[metric], record[f"{metric}_std"] = mean_and_spread(row.metric(metric))
            record.update({metric: data_set.baseline(metric) for metric in data_set.baselines})
            records.append(record)
    return columns, records


def write_csv(path: Path, sets: list[DataSet]) -> None:
    columns, records = csv_rows(sets)
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows({column: "" if value is None else value for column, value in record.items()}
                         for record in records)


def validation_curve(row: Row, objective: str) -> tuple[list[int], list[float]]:
    """The objective after each epoch (its last validation), averaged over the row's seeds."""
    by_epoch = {}
    for run in row.runs:
        last = {point["epoch"]: number(point.get(objective)) for point in run.validation
                if isinstance(point.get("epoch"), int)}
        for epoch, value in last.items():
            if value is not None:
                by_epoch.setdefault(epoch, []).append(value)
    epochs = sorted(by_epoch)
    return [epoch + 1 for epoch in epochs], [statistics.fmean(by_epoch[epoch]) for epoch in epochs]


def plot(path: Path, sets: list[DataSet], title: str, draw) -> None:
    """One panel per data set; draw(axes, data_set) fills a panel."""
    columns = min(len(sets), 3)
    panel_rows = -(-len(sets) // columns)
    figure = Figure(figsize=(5.5 * columns, 4.2 * panel_rows), layout="constrained")
    figure.suptitle(title)
    panels = list(figure.subplots(panel_rows, columns, squeeze=False).flat)
    for axes in panels[len(sets):]:
        axes.set_visible(False)
    for axes, data_set in zip(panels, sets):
        axes.set_title(data_set.name)
        draw(axes, data_set)
        if axes.has_data():
            axes.legend(fontsize="small")
        else:
            axes.text(0.5, 0.5, "nothing to plot", ha="center", va="center", transform=axes.transAxes)
    figure.savefig(path, dpi=100)


def draw_curves(axes, data_set: DataSet) -> None:
    for row in data_set.rows:
        epochs, values = validation_curve(row, data_set.objective)
        if epochs:
            axes.plot(epochs, values, marker="o", label=row.label)
    axes.set_xlabel("epoch")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(data_set.objective_label)


def draw_against(cost: str, axis_label: str, log_scale: bool):
    def draw(axes, data_set: DataSet) -> None:
        for row in data_set.rows:
            score, spread = mean_and_spread(data_set.headline(row))
            costs_here = costs(row)[cost]
            if score is not None and costs_here:
                axes.errorbar(statistics.fmean(costs_here), score, yerr=spread, fmt="o", capsize=3, label=row.label)
        axes.set_xlabel(axis_label)
        axes.set_ylabel(f"{data_set.objective_label} (best checkpoint)")
        if log_scale and axes.has_data():
            axes.set_xscale("log")
    return draw


def compare(directory: Path) -> str:
    """Write the leaderboard and plots into directory; returns the Markdown."""
    runs = read_runs(directory)
    if not runs:
        raise SystemExit(f"Error: no summary.json under {directory}")
    label_runs(runs)
    sets = data_sets(rows_of(runs))
    text = "# Leaderboard\n\n" + "\n\n".join(markdown(data_set) for data_set in sets) + "\n"
    (directory / "leaderboard.md").write_text(text)
    write_csv(directory / "leaderboard.csv", sets)
    plot(directory / "validation_curves.png", sets, "validation objective per epoch", draw_curves)
    plot(directory / "objective_vs_parameters.png", sets, "objective against size",
         draw_against("parameters", "parameters", log_scale=True))
    plot(directory / "objective_vs_wall_time.png", sets, "objective against training time",
         draw_against("wall_seconds", "wall time (s)", log_scale=False))
    return text


def main(argv: list[str]) -> None:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        raise SystemExit(f"usage: {USAGE}")
    print(compare(Path(argv[0])))


if __name__ == "__main__":
    main(sys.argv[1:])
