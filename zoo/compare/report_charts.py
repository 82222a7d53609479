"""The interactive charts of report.html (Plotly): per data set, the validation curves of the runs the verdict read
and their test figure against size and wall time (each row's mean with its 95% interval, each run a point), and each
ladder's figure against its setting. Hovering a line or point names the run behind it."""
import statistics
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from zoo.compare.plots import run_curve, spans_a_decade
from zoo.compare.ladder import Ladder
from zoo.compare.leaderboard import DataSet, costs
from zoo.compare.runs import Run
from zoo.compare.significance import Estimate, interval

CONFIG = {"displaylogo": False, "responsive": True}


def colours_of(sets: list[DataSet]) -> dict[str, str]:
    """One colour per model (and untuned variant) across every chart."""
    labels = sorted({row.family_label for data_set in sets for row in data_set.kept_rows})
    palette = qualitative.Plotly
    return {label: palette[index % len(palette)] for index, label in enumerate(labels)}


def run_name(run: Run, directory: Path) -> str:
    """The run as the hover names it: its directory under the compared one, its seed."""
    where = run.path.parent.relative_to(directory) if run.path.is_relative_to(directory) else run.path.parent
    return f"{where} (seed {run.seed})" if run.seed is not None else str(where)


def error_y(estimates: list[Estimate]) -> dict:
    """Plotly's asymmetric error bars for the 95% intervals (none for a single seed)."""
    return dict(type="data", symmetric=False, visible=True,
                array=[None if estimate.high is None else estimate.high - estimate.mean for estimate in estimates],
                arrayminus=[None if estimate.low is None else estimate.mean - estimate.low for estimate in estimates])


def data_set_figure(data_set: DataSet, directory: Path, colours: dict[str, str]) -> go.Figure:
    """Three panels: validation curves, the test figure against parameters, against wall time."""
    figure = make_subplots(rows=1, cols=3, horizontal_spacing=0.08, subplot_titles=(
        f"{data_set.objective_label} per epoch", f"{data_set.verdict_metric} against parameters",
        f"{data_set.verdict_metric} against wall time"))
    for row in data_set.kept_rows:
        if row.failed:
            continue
        colour, first = colours[row.family_label], True
        for run in row.runs:
            curve = run_curve(run, data_set.objective)
            if curve:
                figure.add_trace(go.Scatter(
                    x=list(curve), y=list(curve.values()), mode="lines+markers", name=row.label,
                    legendgroup=row.label, showlegend=first, line=dict(color=colour, width=1.5),
                    hovertemplate=f"{run_name(run, directory)}<br>epoch %{{x}}: %{{y:.4g}}<extra>{row.label}</extra>"),
                    row=1, col=1)
                first = False
        standing = data_set.standing(row)
        for column, cost in ((2, "parameters"), (3, "wall_seconds")):
            values = costs(row)[cost]
            if standing is None or not values:
                continue
            points = [(getattr(run, cost), data_set.verdict_value(run), run) for run in row.runs]
            points = [(x, y, run) for x, y, run in points if x is not None and y is not None]
            figure.add_trace(go.Scatter(
                x=[x for x, _, _ in points], y=[y for _, y, _ in points], mode="markers", name=row.label,
                legendgroup=row.label, showlegend=False, marker=dict(color=colour, size=6, opacity=0.45),
                text=[run_name(run, directory) for _, _, run in points],
                hovertemplate="%{text}<br>%{x:.4g}: %{y:.4g}<extra>" + row.label + "</extra>"), row=1, col=column)
            estimate = standing.estimate
            figure.add_trace(go.Scatter(
                x=[statistics.fmean(values)], y=[estimate.mean], mode="markers", name=row.label,
                legendgroup=row.label, showlegend=first, error_y=error_y([estimate]),
                marker=dict(color=colour, size=11, symbol="diamond"),
                hovertemplate=f"{row.label}: mean of {estimate.n} seeds %{{y:.4g}}<extra>95% interval</extra>"),
                row=1, col=column)
            first = False
    figure.update_xaxes(title_text="epoch", row=1, col=1)
    sizes = [run.parameters for row in data_set.kept_rows for run in row.runs if run.parameters]
    figure.update_xaxes(title_text="parameters", type="log" if sizes and spans_a_decade(min(sizes), max(sizes))
                        else "linear", row=1, col=2)
    figure.update_xaxes(title_text="wall time (s)", row=1, col=3)
    figure.update_yaxes(title_text=data_set.objective_label, row=1, col=1)
    figure.update_yaxes(title_text=f"{data_set.verdict_metric} (95% interval)", row=1, col=2)
    figure.update_layout(height=420, margin=dict(t=40, b=40, l=50, r=20), hovermode="closest")
    return figure


def ladder_figure(ladder: Ladder, colours: dict[str, str]) -> go.Figure:
    figure = go.Figure()
    for label, points in sorted(ladder.lines().items()):
        scored = [(step, interval(values), row) for step, data_set, row in points
                  if (values := ladder.value(data_set, row))]
        if scored:
            figure.add_trace(go.Scatter(
                x=[step for step, _, _ in scored], y=[estimate.mean for _, estimate, _ in scored],
                error_y=error_y([estimate for _, estimate, _ in scored]), mode="lines+markers", name=label,
                line=dict(color=colours.get(label)),
                text=[f"{row.label}, {estimate.n} seeds" for _, estimate, row in scored],
                hovertemplate=f"%{{text}}<br>{ladder.setting}=%{{x}}: %{{y:.4g}}<extra></extra>"))
    baseline = ladder.baseline()
    if baseline:
        figure.add_trace(go.Scatter(x=[step for step, _ in baseline], y=[value for _, value in baseline],
                                    mode="lines", name="baseline", line=dict(color="black", dash="dash")))
    steps = [step for step, _ in ladder.steps]
    figure.update_xaxes(title_text=ladder.setting, type="log" if min(steps) > 0 else "linear",
                        tickvals=steps, ticktext=[f"{step:g}" for step in steps])
    figure.update_yaxes(title_text=f"{ladder.metric} (95% interval)")
    figure.update_layout(title=f"{ladder.title}: {ladder.metric} against {ladder.setting}", height=420,
                         margin=dict(t=50, b=40, l=50, r=20))
    return figure


def chart(figure: go.Figure, div_id: str) -> str:
    """The figure as a <div> and its script; plotly.js itself is inlined once in the page's head."""
    return pio.to_html(figure, full_html=False, include_plotlyjs=False, config=CONFIG, div_id=div_id)
