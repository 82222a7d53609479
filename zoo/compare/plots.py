"""The plots zoo.compare draws from the leaderboard: validation curves, the verdict figure against size and time,
and the ladders' metric and throughput against their setting; 95% intervals over seeds as bands and error bars."""
import statistics
import textwrap
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from zoo.compare.ladder import Ladder, step_label
from zoo.compare.leaderboard import DataSet, Row, costs, grouped
from zoo.compare.runs import number
from zoo.compare.significance import Estimate, interval


def run_curve(run, objective: str) -> dict[int, float]:
    """The objective after each epoch (its last validation), epochs counted from 1."""
    last = {point["epoch"] + 1: number(point.get(objective)) for point in run.validation
            if isinstance(point.get("epoch"), int)}
    return {epoch: value for epoch, value in last.items() if value is not None}


def validation_curve(row: Row, objective: str) -> tuple[list[int], list[Estimate]]:
    """The objective after each epoch, over the row's seeds: mean and 95% interval."""
    by_epoch = {}
    for run in row.runs:
        for epoch, value in run_curve(run, objective).items():
            by_epoch.setdefault(epoch, []).append(value)
    epochs = sorted(by_epoch)
    return epochs, [interval(by_epoch[epoch]) for epoch in epochs]


def error_bars(estimates: list[Estimate]) -> list[list[float]] | None:
    """matplotlib's yerr: the distances down and up to each interval's ends (none for a single seed)."""
    if all(estimate.low is None for estimate in estimates):
        return None
    return [[0.0 if estimate.low is None else estimate.mean - estimate.low for estimate in estimates],
            [0.0 if estimate.high is None else estimate.high - estimate.mean for estimate in estimates]]


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
    for row in data_set.kept_rows:
        epochs, estimates = validation_curve(row, data_set.objective)
        if epochs:
            line, = axes.plot(epochs, [estimate.mean for estimate in estimates], marker="o", label=row.label)
            spread = [(epoch, estimate) for epoch, estimate in zip(epochs, estimates) if estimate.low is not None]
            if spread:
                axes.fill_between([epoch for epoch, _ in spread], [estimate.low for _, estimate in spread],
                                  [estimate.high for _, estimate in spread], color=line.get_color(), alpha=0.2)
    axes.set_xlabel("epoch")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(data_set.objective_label)


def spans_a_decade(low: float, high: float) -> bool:
    """Whether a log axis helps: sizes a decade apart and more; within one, log ticks crowd and help no one."""
    return 0 < low and high >= 10 * low


def draw_against(cost: str, axis_label: str, log_scale: bool):
    def draw(axes, data_set: DataSet) -> None:
        for row in data_set.kept_rows:
            standing = data_set.standing(row)
            costs_here = costs(row)[cost]
            if standing and costs_here:
                axes.errorbar(statistics.fmean(costs_here), standing.estimate.mean,
                              yerr=error_bars([standing.estimate]), fmt="o", capsize=3, label=row.label)
        axes.set_xlabel(axis_label)
        axes.set_ylabel(f"{data_set.verdict_metric} (95% interval)")
        low, high = axes.dataLim.intervalx
        if log_scale and axes.has_data() and spans_a_decade(low, high):
            axes.set_xscale("log")
    return draw


def plot_ladders(path: Path, found: list[Ladder], title: str, draw, note: str | None = None) -> None:
    """A panel per ladder, side by side; `note` a caption under them."""
    figure = Figure(figsize=(6.5 * len(found), 4.6), layout="constrained")
    figure.suptitle(title)
    if note:
        # about 16 characters of small type to the inch
        figure.supxlabel(textwrap.fill(note, int(16 * figure.get_figwidth())), fontsize="small", style="italic")
    # one colour per model across the panels
    labels = sorted({label for ladder in found for label in ladder.lines()})
    colours = {label: f"C{index % 10}" for index, label in enumerate(labels)}
    for axes, ladder in zip(figure.subplots(1, len(found), squeeze=False).flat, found):
        axes.set_title(ladder.title)
        draw(axes, ladder, colours)
        steps = [step for step, _ in ladder.steps]
        if min(steps) > 0 and max(steps) >= 4 * min(steps):
            axes.set_xscale("log", base=2)
        axes.set_xticks(steps, [step_label(step) for step in steps])
        axes.set_xlabel(ladder.setting)
        axes.legend(fontsize="small")
    figure.savefig(path, dpi=100)


def draw_ladder_metric(axes, ladder: Ladder, colours: dict[str, str]) -> None:
    for label, points in sorted(ladder.lines().items()):
        scored = [(step, interval(values)) for step, data_set, row in points
                  if (values := ladder.value(data_set, row))]
        if scored:
            steps, estimates = zip(*scored)
            axes.errorbar(steps, [estimate.mean for estimate in estimates], yerr=error_bars(estimates), marker="o",
                          capsize=3, label=label, color=colours[label])
    baseline = ladder.baseline()
    accuracy = ladder.metric.endswith("accuracy")
    if baseline:
        axes.plot(*zip(*baseline), linestyle="--", color="black", label="chance" if accuracy else "baseline")
    if accuracy:
        axes.set_ylim(0, 1.02)
    axes.set_ylabel(f"{ladder.metric} (95% interval)")


def draw_ladder_throughput(axes, ladder: Ladder, colours: dict[str, str]) -> None:
    for label, points in sorted(ladder.lines().items()):
        measured = [(step, statistics.fmean(costs(row)["tokens_per_second"])) for step, _, row in points
                    if costs(row)["tokens_per_second"]]
        if measured:
            axes.plot(*zip(*measured), marker="o", label=label, color=colours[label])
    axes.set_ylabel("training tokens / s")
    if axes.has_data():
        axes.set_yscale("log")


def draw_all(directory: Path, sets: list[DataSet], found: list[Ladder], note: str | None = None) -> None:
    """Every plot of a comparison, into directory; `note` under the ladders' metric figures."""
    plot(directory / "validation_curves.png", sets, "validation objective per epoch", draw_curves)
    plot(directory / "objective_vs_parameters.png", sets, "test figure against size",
         draw_against("parameters", "parameters", log_scale=True))
    plot(directory / "objective_vs_wall_time.png", sets, "test figure against training time",
         draw_against("wall_seconds", "wall time (s)", log_scale=False))
    for setting, same_setting in grouped(found, lambda ladder: ladder.short).items():
        for metric, same_metric in grouped(same_setting, lambda ladder: ladder.metric.rsplit("/", 1)[-1]).items():
            plot_ladders(directory / f"{metric}_vs_{setting}.png", same_metric, f"{metric} against {setting}",
                         draw_ladder_metric, note)
        plot_ladders(directory / f"tokens_per_second_vs_{setting}.png", same_setting,
                     f"training throughput against {setting}", draw_ladder_throughput)
