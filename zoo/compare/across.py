"""The comparison across data sets: one line per data set and test figure, one column per architecture (its kept
row: the setting validation chose, over its seeds), its classical baselines from the same runs beside it. This is
the table a reader looks at first; each data set's own leaderboard holds the rest."""
from dataclasses import dataclass

from zoo.compare.leaderboard import HIGHER_IS_BETTER, DataSet, rounded, shown_estimate
from zoo.compare.significance import Standing, rank_label, verdict
from zoo.markdown_table import markdown_table


@dataclass
class Figure:
    """One test figure of one data set, judged as the data set's verdict is: mean [95% interval], ranks shared
    where gaps are within noise."""
    data_set: DataSet
    metric: str  # "test_1956_1979/rmse"
    standings: dict[str, Standing]  # by the model's label (its family_label)
    baselines: dict[str, float]  # "ar9_rmse": 22.9

    @property
    def higher_is_better(self) -> bool:
        return self.metric.rsplit("/", 1)[-1] in HIGHER_IS_BETTER


def split_of(metric: str) -> str:
    return metric.rsplit("/", 1)[0] if "/" in metric else ""


def baselines_of(data_set: DataSet, split: str) -> dict[str, float]:
    """The baselines a data set logged for one test split ("baseline/test/dtw_1nn_error"), or for no split in
    particular ("baseline/accuracy", the probes' chance), by their short name."""
    found = {}
    for name in data_set.baselines:
        short = name.removeprefix("baseline/")
        if split_of(short) in ("", split):
            found[short.rsplit("/", 1)[-1]] = data_set.baseline(name)
    return found


def figure_names(data_set: DataSet) -> list[str]:
    """The verdict's figure on every test split (sunspots' two periods), in the baselines' own terms where they
    name another figure the runs logged (UCR's 1-NN DTW error: test/error rather than test/accuracy)."""
    leaf = data_set.verdict_metric.rsplit("/", 1)[-1]
    names = []
    for metric in data_set.test_metrics:
        split = split_of(metric)
        if metric.rsplit("/", 1)[-1] != leaf:
            continue
        their_terms = {name.rsplit("_", 1)[-1] for name in baselines_of(data_set, split)}
        logged = [f"{split}/{term}" for term in sorted(their_terms)
                  if f"{split}/{term}" in data_set.test_metrics]
        names.append(logged[0] if logged and leaf not in their_terms else metric)
    return names or [data_set.verdict_metric]


def figures(data_set: DataSet) -> list[Figure]:
    rows = [row for row in data_set.kept_rows if not row.failed]
    found = []
    for metric in figure_names(data_set):
        figure = Figure(data_set, metric, {}, {})
        samples = {row.family_label: row.metric(metric) for row in rows}
        standings, _ = verdict(samples, figure.higher_is_better)
        figure.standings = {standing.label: standing for standing in standings}
        leaf = metric.rsplit("/", 1)[-1]
        figure.baselines = {name: value for name, value in baselines_of(data_set, split_of(metric)).items()
                            if name.rsplit("_", 1)[-1] == leaf}
        found.append(figure)
    return found


def cell(standing: Standing | None) -> str:
    """mean [interval] and rank; in bold where the rank is 1 (shared or not)."""
    if standing is None:
        return ""
    text = f"{shown_estimate(standing.estimate)} ({rank_label(standing)})"
    return f"**{text}**" if standing.rank == 1 else text


def across_markdown(sets: list[DataSet]) -> str:
    found = [figure for data_set in sets if data_set.objective for figure in figures(data_set)]
    models = sorted({label for figure in found for label in figure.standings})
    rows = [[figure.data_set.name, figure.metric, *(cell(figure.standings.get(model)) for model in models),
             "; ".join(f"{name} {rounded(value, 4)}" for name, value in sorted(figure.baselines.items()))]
            for figure in found]
    return "\n".join([
        "## Across data sets", "",
        "Per data set and test figure, each architecture's kept row (the setting validation chose) over its seeds: "
        "mean [Student t 95% interval] (rank: 1 + the number of architectures significantly better, Welch's t-test "
        "Holm-adjusted over the pairs of that figure; \"=\" a tie; in bold: rank 1). The baselines are the same "
        "runs' own, on the same split.", "",
        markdown_table(["data set", "figure", *models, "baselines (same runs)"], rows)])
