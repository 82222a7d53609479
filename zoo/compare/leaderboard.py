"""The leaderboard zoo.compare writes: the runs (zoo.compare.runs) gathered into rows (a model on a data set, its seeds
together, tuned settings chosen by validation), each data set's verdict (zoo.compare.significance), and the Markdown and CSV
tables. No matplotlib, torch or Lightning."""
import csv
import math
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from zoo.compare.runs import Run
from zoo.markdown_table import markdown_table
from zoo.compare.significance import Estimate, Pair, Standing, interval, rank_label, verdict

# settings a sweep searches rather than compares: each model keeps its best
TUNED = ("optim.lr",)
# prefixes of the metrics that are not test results
NOT_TEST = ("train/", "val/", "best/", "baseline/")
# where the objective is a loss, the figure a reader reads instead (the loss trains, these are reported), in order
READ_INSTEAD_OF_LOSS = ("accuracy", "bleu")
HIGHER_IS_BETTER = ("accuracy", "bleu", "chrf")


@dataclass
class Row:
    data: str
    model: str
    variant: str
    runs: list[Run]
    kept: bool = True  # the best of its family (by validation), or alone in it
    tried: int = 1  # rows in its family: the tuned settings tried

    @property
    def family(self) -> str:
        return self.runs[0].family

    @property
    def label(self) -> str:
        return f"{self.model} {self.variant}".strip()

    @property
    def family_label(self) -> str:
        """The label less the tuned settings: one line per model across a ladder, one colour in the charts."""
        return f"{self.model} {self.family}".strip()

    def family_label_without(self, key: str) -> str:
        """The family label less one of its settings: one line per model along a ladder over that setting."""
        run = self.runs[0]
        return f"{self.model} {spelled(run, [other for other in run.family_keys if other != key])}".strip()

    @property
    def failed(self) -> bool:
        return self.runs[0].status != "completed"

    def values(self, read) -> list[float]:
        return [value for value in map(read, self.runs) if value is not None]

    def metric(self, name: str) -> list[float]:
        return self.values(lambda run: run.metrics.get(name))

    def of_seeds(self, seeds: set) -> "Row":
        """The row with its runs of these seeds alone."""
        return Row(self.data, self.model, self.variant, [run for run in self.runs if run.seed in seeds])


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


def label_runs(runs: list[Run], tuned: tuple[str, ...] = TUNED) -> None:
    """Name each run's data set and variant by the settings that tell it apart from the runs beside it, and its
    family by those of them that are not tuned."""
    for same_option in grouped(runs, lambda run: run.data_option).values():
        keys = [key for key in differing(same_option) if key.startswith("data.")]
        for run in same_option:
            run.data = f"{run.data_option} {spelled(run, keys)}".strip()
    for same_pair in grouped(runs, lambda run: (run.data, run.model)).values():
        keys = [key for key in differing(same_pair) if not key.startswith("data.")]
        for run in same_pair:
            run.variant = spelled(run, keys)
            run.family_keys = tuple(key for key in keys if key not in tuned)
            run.family = spelled(run, list(run.family_keys))
            run.tuning = " ".join(f"{key.rsplit('.', 1)[-1]}={run.settings.get(key)}" for key in keys if key in tuned)


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
    standings: list[Standing] = field(default_factory=list)  # the kept, completed rows, best first
    pairs: list[Pair] = field(default_factory=list)

    @property
    def objective_label(self) -> str:
        return self.objective or "objective"

    def headline(self, row: Row) -> list[float]:
        """The figure rows are ranked and plotted by: the best checkpoint's score (the weights the test read), else
        the last validation's."""
        return row.metric(f"best/{self.objective}") or row.metric(self.objective)

    @property
    def verdict_metric(self) -> str:
        """The test figure the verdict is read by: the objective's test counterpart (val/bpc -> test/bpc; the first
        test split where there are several), but for a loss the accuracy or BLEU a reader reads instead; the
        objective itself where no run logged a test figure."""
        leaf = self.objective_label.rsplit("/", 1)[-1]
        for wanted in ([*READ_INSTEAD_OF_LOSS, leaf] if leaf == "loss" else [leaf]):
            logged = [metric for metric in self.test_metrics if metric.rsplit("/", 1)[-1] == wanted]
            if logged:
                return logged[0]
        return self.objective_label

    @property
    def higher_is_better(self) -> bool:
        leaf = self.verdict_metric.rsplit("/", 1)[-1]
        return leaf in HIGHER_IS_BETTER or (leaf == self.objective_label.rsplit("/", 1)[-1] and self.mode == "max")

    def verdict_values(self, row: Row) -> list[float]:
        """The row's seeds' verdict figure (for the objective: the best checkpoint's, as headline()); a seed that
        diverged to nan or inf has none: it would make every interval and test of its row nan."""
        values = self.headline(row) if self.verdict_metric == self.objective_label else row.metric(self.verdict_metric)
        return [value for value in values if math.isfinite(value)]

    def verdict_value(self, run: Run) -> float | None:
        if self.verdict_metric == self.objective_label:
            return run.metrics.get(f"best/{self.objective}", run.metrics.get(self.objective))
        return run.metrics.get(self.verdict_metric)

    def judge(self) -> None:
        """Rank the kept, completed rows by the verdict figure, ties where gaps are within noise."""
        samples = {row.label: self.verdict_values(row) for row in self.kept_rows if not row.failed}
        self.standings, self.pairs = verdict(samples, self.higher_is_better)

    def standing(self, row: Row) -> Standing | None:
        if row.failed or not row.kept:
            return None
        return next((standing for standing in self.standings if standing.label == row.label), None)

    def rank(self, row: Row, seeds: set | None = None) -> tuple:
        """Finished and scored rows first, best first; then the unscored; then the failed. `seeds`: scored on the
        runs of these seeds alone."""
        score, _ = mean_and_spread(self.headline(row.of_seeds(seeds) if seeds else row))
        signed = 0.0 if score is None else score if self.mode == "min" else -score
        return row.failed, score is None, signed, row.label

    def baseline(self, name: str) -> float:
        """A baseline is a figure of the data set's split: its runs agree on it."""
        return statistics.fmean(value for row in self.rows for value in row.metric(name))

    @property
    def tuned(self) -> bool:
        return any(row.tried > 1 for row in self.rows)

    @property
    def kept_rows(self) -> list[Row]:
        return [row for row in self.rows if row.kept]

    def keep_the_best_of_each_family(self) -> None:
        """Keeps, per family, the row whose validation score is best over the seeds all its rows ran: every seed of
        a full grid, the first seed alone where hydra/sweeper=zoo_tuned ran the others only at the setting that
        seed chose (so zoo.compare keeps what the sweep chose). A failed or unscored row is kept only if all are. A
        family whose rows share their tuned settings (a failed seed beside the completed ones) tuned nothing."""
        for family in grouped(self.rows, lambda row: (row.model, row.family)).values():
            tried = len({row.runs[0].tuning for row in family})
            completed = [{run.seed for run in row.runs} for row in family if not row.failed]
            shared = set.intersection(*completed) if completed else set()
            best = min(family, key=lambda row: self.rank(row, seeds=shared))
            for row in family:
                row.kept, row.tried = tried == 1 or row is best, tried


def natural(name: str) -> list:
    """A sort key that puts data.lag=8 before data.lag=32."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name)]


def data_sets(rows: list[Row]) -> list[DataSet]:
    found = []
    for name, rows_here in sorted(grouped(rows, lambda row: row.data).items(), key=lambda item: natural(item[0])):
        runs = [run for row in rows_here for run in row.runs]
        declared = next((run for run in runs if run.objective), None)  # a run that failed early declares none
        metrics = sorted({metric for run in runs for metric in run.metrics})
        data_set = DataSet(name, declared.objective if declared else None, declared.mode if declared else "min",
                           rows_here, test_metrics=[metric for metric in metrics if not metric.startswith(NOT_TEST)],
                           baselines=[metric for metric in metrics if metric.startswith("baseline/")])
        data_set.rows.sort(key=data_set.rank)
        data_set.keep_the_best_of_each_family()
        data_set.judge()
        found.append(data_set)
    return found


def mean_and_spread(values: list[float]) -> tuple[float | None, float | None]:
    """Mean, and the standard deviation over seeds where there are two or more (none where a seed diverged to nan or
    inf: statistics.stdev raises on them)."""
    if not values:
        return None, None
    spread = len(values) > 1 and all(map(math.isfinite, values))
    return statistics.fmean(values), statistics.stdev(values) if spread else None


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


def with_interval(values: list[float]) -> str:
    return shown_estimate(interval(values)) if values else ""


def shown_estimate(estimate: Estimate) -> str:
    """Mean [95% interval low, high]; the mean alone for one value."""
    if estimate.low is None:
        return rounded(estimate.mean, 4)
    return f"{rounded(estimate.mean, 4)} [{rounded(estimate.low, 3)}, {rounded(estimate.high, 3)}]"


def significant_gaps(standing: Standing) -> str:
    return ", ".join(f"{pair.worse} ({p_value(pair.adjusted)})" for pair in standing.better_than)


def p_value(p: float) -> str:
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def verdict_cells(data_set: DataSet, row: Row) -> list[str]:
    """Rank, the verdict figure's mean [95% interval], the rows it is significantly better than."""
    standing = data_set.standing(row)
    if standing is None:
        return ["", "", ""]
    finite = "" if standing.estimate.n == len(row.runs) else f" ({standing.estimate.n} of {len(row.runs)} seeds finite)"
    return [rank_label(standing), shown_estimate(standing.estimate) + finite, significant_gaps(standing)]


def judged_first(data_set: DataSet) -> list[Row]:
    """The rows the verdict ranked, in its order; then the others, in the order of their validation score."""
    order = {standing.label: index for index, standing in enumerate(data_set.standings)}
    judged = sorted((row for row in data_set.rows if data_set.standing(row)), key=lambda row: order[row.label])
    return judged + [row for row in data_set.rows if not data_set.standing(row)]


def verdict_note(data_set: DataSet) -> str:
    better = "higher" if data_set.higher_is_better else "lower"
    tested = sum(pair.p is not None for pair in data_set.pairs)
    pairs = f"{tested} pair{'s' * (tested != 1)}"
    return (f"Verdict by {data_set.verdict_metric}, {better} is better: mean [Student t 95% interval] over seeds; "
            f"Welch's t-test on each pair of ranked rows, p Holm-adjusted over the {pairs} tested, significant below "
            f"0.05. Rank: 1 + the number of rows significantly better, \"=\" a tie; a row of one seed has no "
            f"interval, no test and no rank (-).")


def markdown(data_set: DataSet) -> str:
    better = "lower" if data_set.mode == "min" else "higher"
    lines = [f"## {data_set.name}", "",
             f"Objective: {data_set.objective or 'unknown (no run finished)'}, {better} is better; "
             f"mean ± standard deviation over seeds; best: the checkpoint the test read; wall s: the whole run.", ""]
    with_variant = any(row.variant for row in data_set.rows)
    header = ["model", *(["variant"] if with_variant else []), *(["tuned"] if data_set.tuned else []),
              "seeds", "parameters", data_set.objective_label, f"best {data_set.objective_label}",
              "rank", f"{data_set.verdict_metric} [95% interval]", "significantly better than (Holm-adjusted p)",
              *data_set.test_metrics, "wall s", "tokens/s", "peak MB", "status"]
    rows = []
    for row in judged_first(data_set):
        cost = costs(row)
        rows.append([row.model, *([row.variant] if with_variant else []),
                     *([f"best of {row.tried}" if row.kept and row.tried > 1 else ""] if data_set.tuned else []),
                     "" if row.failed else str(len(row.runs)),
                     rounded(statistics.fmean(cost["parameters"]), 4) if cost["parameters"] else "",
                     shown(row.metric(data_set.objective)), shown(row.metric(f"best/{data_set.objective}")),
                     *verdict_cells(data_set, row),
                     *(shown(row.metric(metric)) for metric in data_set.test_metrics),
                     shown(cost["wall_seconds"]), shown(cost["tokens_per_second"]), shown(cost["peak_memory_mb"]),
                     status_of(row)])
    lines.append(markdown_table(header, rows))
    if data_set.standings:
        lines += ["", verdict_note(data_set)]
    if data_set.baselines:
        figures = [f"{name.removeprefix('baseline/')} {rounded(data_set.baseline(name), 4)}"
                   for name in data_set.baselines]
        lines += ["", "Baselines on the same split (no learning): " + "; ".join(figures) + "."]
    return "\n".join(lines)


def csv_rows(sets: list[DataSet]) -> tuple[list[str], list[dict]]:
    test_metrics = sorted({metric for data_set in sets for metric in data_set.test_metrics})
    baselines = sorted({metric for data_set in sets for metric in data_set.baselines})
    columns = ["data", "model", "variant", "kept", "status", "error", "seeds", "objective", "objective_mean",
               "objective_std", "best_mean", "best_std", "parameters", "wall_seconds", "tokens_per_second",
               "peak_memory_mb", "verdict_metric", "verdict_mean", "verdict_ci_low", "verdict_ci_high",
               "verdict_seeds", "rank", "rank_shared", "significantly_better_than", "significantly_worse_than",
               *(f"{metric}{part}" for metric in test_metrics for part in ("", "_std")), *baselines]
    records = []
    for data_set in sets:
        for row in data_set.rows:
            record = {"data": row.data, "model": row.model, "variant": row.variant, "kept": row.kept,
                      "status": row.runs[0].status,
                      "error": row.runs[0].error if row.failed else "", "seeds": 0 if row.failed else len(row.runs),
                      "objective": data_set.objective}
            for prefix, metric in (("objective", data_set.objective), ("best", f"best/{data_set.objective}")):
                record[f"{prefix}_mean"], record[f"{prefix}_std"] = mean_and_spread(row.metric(metric))
            record.update({name: mean_and_spread(values)[0] for name, values in costs(row).items()})
            record.update(verdict_record(data_set, row))
            for metric in data_set.test_metrics:
                record[metric], record[f"{metric}_std"] = mean_and_spread(row.metric(metric))
            record.update({metric: data_set.baseline(metric) for metric in data_set.baselines})
            records.append(record)
    return columns, records


def verdict_record(data_set: DataSet, row: Row) -> dict:
    """The verdict's columns of a kept, completed row (a row the verdict did not judge leaves them empty)."""
    standing = data_set.standing(row)
    if standing is None:
        return {}
    return {"verdict_metric": data_set.verdict_metric, "verdict_mean": standing.estimate.mean,
            "verdict_ci_low": standing.estimate.low, "verdict_ci_high": standing.estimate.high,
            "verdict_seeds": standing.estimate.n, "rank": standing.rank, "rank_shared": standing.shared,
            "significantly_better_than": "; ".join(pair.worse for pair in standing.better_than),
            "significantly_worse_than": "; ".join(pair.better for pair in data_set.pairs
                                                   if pair.significant and pair.worse == row.label)}


def write_csv(path: Path, sets: list[DataSet]) -> None:
    columns, records = csv_rows(sets)
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows({column: "" if value is None else value for column, value in record.items()}
                         for record in records)
