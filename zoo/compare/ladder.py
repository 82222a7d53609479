"""Ladders: the kept rows' metric read along one numeric setting, a table with a column per step, chance or baseline
beside it. Two kinds: the data sets of one option that differ in one data setting alone (copy over data.lag), and
the rows of one data set whose runs differ in a model setting (recall over model.d_model), a ladder per data set."""
from dataclasses import dataclass

from zoo.compare.leaderboard import DataSet, Row, differing, grouped, rounded, with_interval
from zoo.markdown_table import markdown_table


@dataclass
class Ladder:
    """Kept rows along `setting`, in its order: each step's data set (one per step along a data setting, the same
    one at every step along a model setting) and the rows at that step."""
    title: str  # the option (copy) or the data set (recall data.length=64 data.n_pairs=4)
    setting: str
    steps: list[tuple[float, DataSet]]

    @property
    def metric(self) -> str:
        """What the ladder is read by: its data sets' verdict figure (test accuracy on the probes, where chance is
        easy to read off), from a step where a run finished."""
        declared = [data_set for _, data_set in self.steps if data_set.objective]
        return (declared or [self.steps[0][1]])[0].verdict_metric

    @property
    def short(self) -> str:
        return self.setting.rsplit(".", 1)[-1]

    def value(self, data_set: DataSet, row: Row) -> list[float]:
        return data_set.headline(row) if self.metric == data_set.objective_label else row.metric(self.metric)

    def lines(self) -> dict[str, list[tuple[float, DataSet, Row]]]:
        """Per model (and untuned variant, less the ladder's setting), its kept row at each step of the ladder."""
        found = {}
        for step, data_set in self.steps:
            for row in data_set.kept_rows:
                if not row.failed and step_of(row, self.setting) == step:
                    found.setdefault(row.family_label_without(self.setting), []).append((step, data_set, row))
        return found

    def baseline(self) -> list[tuple[float, float]]:
        name = "baseline/" + self.metric.rsplit("/", 1)[-1]
        return [(step, data_set.baseline(name)) for step, data_set in self.steps if name in data_set.baselines]


def step_of(row: Row, setting: str) -> float | None:
    try:
        return float(row.runs[0].settings[setting])
    except (KeyError, ValueError):
        return None  # a setting without a number (a file name) has no order to draw along


def ladders(sets: list[DataSet]) -> list[Ladder]:
    return data_ladders(sets) + model_ladders(sets)


def data_ladders(sets: list[DataSet]) -> list[Ladder]:
    """Per option whose data sets differ in one numeric data setting alone, the ladder along it."""
    found = []
    for option, sets_here in sorted(grouped(sets, lambda data_set: data_set.rows[0].runs[0].data_option).items()):
        runs = [run for data_set in sets_here for row in data_set.rows for run in row.runs]
        keys = [key for key in differing(runs) if key.startswith("data.")]
        if len(sets_here) < 2 or len(keys) != 1:
            continue
        steps = [(step_of(data_set.rows[0], keys[0]), data_set) for data_set in sets_here]
        if all(step is not None for step, _ in steps):
            found.append(Ladder(option, keys[0], sorted(steps, key=lambda step: step[0])))
    return found


def model_ladders(sets: list[DataSet]) -> list[Ladder]:
    """Per data set, a ladder along each model setting that tells its kept rows apart (model.d_model), where every
    kept row holds it as a number and it takes two values or more."""
    found = []
    for data_set in sets:
        rows = [row for row in data_set.kept_rows if not row.failed]
        shared = set.intersection(*(set(row.runs[0].family_keys) for row in rows)) if rows else set()
        for setting in sorted(key for key in shared if key.startswith("model.")):
            steps = {step_of(row, setting) for row in rows}
            if None not in steps and len(steps) > 1:
                found.append(Ladder(data_set.name, setting, [(step, data_set) for step in sorted(steps)]))
    return found


def step_label(step: float) -> str:
    return f"{step:g}"


def ladder_markdown(ladder: Ladder) -> str:
    """The ladder's metric as a table: a model per line, a step per column; the tuned setting each step kept."""
    steps = [step for step, _ in ladder.steps]
    rows = []
    for label, points in sorted(ladder.lines().items()):
        cells = {step: with_interval(ladder.value(data_set, row))
                 + (f" ({row.runs[0].tuning})" if row.tried > 1 else "") for step, data_set, row in points}
        rows.append([label, *(cells.get(step, "") for step in steps)])
    baseline = dict(ladder.baseline())
    if baseline:
        rows.append(["*baseline*", *(rounded(baseline[step], 4) if step in baseline else "" for step in steps)])
    return "\n".join([f"## {ladder.title}: {ladder.metric} against {ladder.setting}", "",
                      "Per model and step, the row kept (best validation score"
                      + (", tuned setting in brackets" if any(data_set.tuned for _, data_set in ladder.steps) else "")
                      + "): mean [Student t 95% interval] over seeds.", "",
                      markdown_table(["model", *map(step_label, steps)], rows)])
