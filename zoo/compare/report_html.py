"""DIR/report.html: the comparison as one self-contained page (plotly.js inlined, no server, no network: it works
mailed or opened from disk). The verdict per data set and every run as tables that sort by any column (click a
header) and filter by data set, the pairs tested, the charts of zoo.compare.report_charts, each run's config differences
from the other runs of its data set, and the failed runs with their error."""
import html
from pathlib import Path

from plotly.offline import get_plotlyjs

from zoo.compare.ladder import Ladder
from zoo.compare.leaderboard import DataSet, differing, judged_first, p_value, rounded, shown_estimate
from zoo.compare.runs import Run
from zoo.compare.report_charts import chart, colours_of, data_set_figure, ladder_figure, run_name
from zoo.compare.significance import rank_label

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eef; cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
td.settings { font-family: monospace; font-size: 12px; max-width: 40em; }
tr.failed td { background: #fee; }
pre { background: #f6f6f6; padding: 0.5em; white-space: pre-wrap; }
.hidden { display: none; }
"""

# Sorting compares numbers as numbers (a cell's data-sort holds the raw figure) and puts empty cells last either way;
# after filtering, charts that were hidden are resized, as Plotly draws a hidden chart at a default size.
SCRIPT = """
function sortTable(table, column, header) {
  const ascending = header.getAttribute("aria-sort") !== "ascending";
  table.querySelectorAll("th").forEach(other => other.removeAttribute("aria-sort"));
  header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const key = row => { const cell = row.cells[column]; return cell.dataset.sort ?? cell.textContent.trim(); };
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    if (x === "" || y === "") return (x === "") - (y === "");
    const order = isNaN(x) || isNaN(y) ? x.localeCompare(y, undefined, {numeric: true}) : Number(x) - Number(y);
    return ascending ? order : -order;
  });
  body.append(...rows);
}
document.querySelectorAll("table.sortable").forEach(table =>
  table.querySelectorAll("th").forEach((header, column) =>
    header.addEventListener("click", () => sortTable(table, column, header))));
document.getElementById("data-filter").addEventListener("change", event => {
  const wanted = event.target.value;
  document.querySelectorAll("[data-set]").forEach(element => {
    const hidden = wanted !== "" && element.dataset.set !== wanted;
    element.classList.toggle("hidden", hidden);
    if (!hidden) element.querySelectorAll(".js-plotly-plot").forEach(plot => Plotly.Plots.resize(plot));
  });
});
"""


def escape(value) -> str:
    return html.escape("" if value is None else str(value))


def cell(text, sort=None, kind: str = "") -> str:
    """A <td>; sort: the raw value the column sorts by, where the text is not it (a number, a rank)."""
    attributes = (f' data-sort="{escape(sort)}"' if sort is not None else "") + (f' class="{kind}"' if kind else "")
    return f"<td{attributes}>{escape(text)}</td>"


def number_cell(value: float | None) -> str:
    return cell("", "") if value is None else cell(rounded(value, 4), repr(value), "number")


def table(table_id: str, header: list[str], rows: list[tuple[str, str, str]]) -> str:
    """A sortable table; rows: (data set, <tr> class, the row's cells)."""
    head = "".join(f"<th>{escape(name)}</th>" for name in header)
    body = "".join(f'<tr data-set="{escape(data)}" class="{kind}">{cells}</tr>' for data, kind, cells in rows)
    return f'<table id="{table_id}" class="sortable"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def leaderboard_table(sets: list[DataSet]) -> str:
    """The verdict: per data set, the ranked rows with their interval and significant gaps."""
    rows = []
    for data_set in sets:
        for standing in data_set.standings:
            row = next(row for row in data_set.kept_rows if row.label == standing.label and not row.failed)
            estimate = standing.estimate
            worse_than = [pair.better for pair in data_set.pairs if pair.significant and pair.worse == row.label]
            rows.append((data_set.name, "", "".join([
                cell(data_set.name), cell(rank_label(standing), "" if standing.rank is None else standing.rank),
                cell(row.model), cell(row.variant), cell(f"best of {row.tried}" if row.tried > 1 else ""),
                cell(estimate.n, estimate.n, "number"), cell(data_set.verdict_metric),
                cell(shown_estimate(estimate), repr(estimate.mean), "number"),
                number_cell(estimate.low), number_cell(estimate.high),
                cell(", ".join(f"{pair.worse} ({p_value(pair.adjusted)})" for pair in standing.better_than)),
                cell(", ".join(worse_than))])))
    return table("leaderboard", ["data set", "rank", "model", "variant", "tuned", "seeds", "test figure",
                                 "mean [95% interval]", "95% low", "95% high", "significantly better than",
                                 "significantly worse than"], rows)


def pairs_table(data_set: DataSet, index: int) -> str:
    rows = [(data_set.name, "", "".join([
        cell(pair.better), cell(pair.worse), number_cell(pair.difference), number_cell(pair.p),
        number_cell(pair.adjusted), cell("yes" if pair.significant else "no" if pair.p is not None else "untested")]))
        for pair in data_set.pairs]
    return table(f"pairs-{index}", ["better mean", "worse mean", "difference", "p (Welch)", "p (Holm-adjusted)",
                                     "significant at 0.05"], rows)


def differences(runs: list[Run]) -> dict[int, str]:
    """Per run (by id), the settings in which the runs of its data set differ, as it has them; not the classes
    (_target_), which the model's name already says."""
    keys = [key for key in differing(runs) if not key.endswith("_target_")]
    return {id(run): " ".join(f"{key}={run.settings[key]}" for key in keys if key in run.settings) for run in runs}


def runs_table(sets: list[DataSet], directory: Path) -> str:
    """Every run, one row each."""
    rows = []
    for data_set in sets:
        runs = [run for row in data_set.rows for run in row.runs]
        differ = differences(runs)
        for row in judged_first(data_set):
            standing = data_set.standing(row)
            for run in sorted(row.runs, key=lambda run: str(run.seed)):
                best = run.metrics.get(f"best/{data_set.objective}", run.metrics.get(data_set.objective_label))
                rows.append((data_set.name, "failed" if row.failed else "", "".join([
                    cell(data_set.name), cell(run.model), cell(row.variant), cell(run.seed, run.seed),
                    cell(rank_label(standing) if standing else "", standing.rank if standing else ""),
                    cell(data_set.verdict_metric), number_cell(data_set.verdict_value(run)),
                    number_cell(best), number_cell(run.parameters), number_cell(run.wall_seconds),
                    number_cell(run.tokens_per_second), number_cell(run.peak_memory_mb),
                    cell(run.status if not row.failed else f"{run.status}: {run.error or 'no error recorded'}"),
                    cell(differ[id(run)], kind="settings"), cell(run_name(run, directory))])))
    return table("runs", ["data set", "model", "variant", "seed", "rank", "test figure", "value",
                          "best validation objective", "parameters", "wall s", "tokens/s", "peak MB", "status",
                          "config differences", "run"], rows)


def failed_section(sets: list[DataSet], directory: Path) -> str:
    failed = [(data_set, row, run) for data_set in sets for row in data_set.rows if row.failed for run in row.runs]
    if not failed:
        return "<p>No run failed.</p>"
    return "".join(f'<div data-set="{escape(data_set.name)}"><h3>{escape(run.model)} on {escape(data_set.name)}: '
                    f"{escape(run_name(run, directory))}</h3><p>{escape(run.status)}; settings: "
                    f"<code>{escape(row.variant or 'as the others')}</code></p>"
                    f"<pre>{escape(run.error or 'no error recorded')}</pre></div>"
                    for data_set, row, run in failed)


def charts_section(sets: list[DataSet], found: list[Ladder], directory: Path) -> str:
    colours = colours_of(sets)
    parts = [f'<div data-set="{escape(data_set.name)}"><h3>{escape(data_set.name)}</h3>'
             f"{chart(data_set_figure(data_set, directory, colours), f'chart-{index}')}"
             f"<details><summary>every pair tested (Welch's t-test, Holm-adjusted)</summary>"
             f"{pairs_table(data_set, index)}</details></div>"
             for index, data_set in enumerate(sets)]
    parts += [f"<div>{chart(ladder_figure(ladder, colours), f'ladder-{index}')}</div>"
              for index, ladder in enumerate(found)]
    return "".join(parts)


def write_report(path: Path, sets: list[DataSet], found: list[Ladder], directory: Path) -> None:
    runs = sum(len(row.runs) for data_set in sets for row in data_set.rows)
    failed = sum(len(row.runs) for data_set in sets for row in data_set.rows if row.failed)
    options = "".join(f'<option value="{escape(data_set.name)}">{escape(data_set.name)}</option>' for data_set in sets)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>zoo comparison: {escape(directory.name)}</title>
<style>{STYLE}</style><script>{get_plotlyjs()}</script></head>
<body>
<h1>zoo comparison: {escape(directory.name)}</h1>
<p>{runs} runs on {len(sets)} data sets, {failed} failed. Click a column header to sort.
<label>Data set: <select id="data-filter"><option value="">all</option>{options}</select></label></p>
<h2>Leaderboard</h2>
<p>Per data set, the rows the verdict read (the tuned setting chosen by validation), by their test figure: mean and
Student t 95% interval over seeds; Welch's t-test on each pair, p Holm-adjusted over the pairs tested, significant
below 0.05. Rank: 1 + the number of rows significantly better, "=" a tie; a row of one seed has no rank (-).</p>
{leaderboard_table(sets)}
<h2>Charts</h2>
<p>Hover a line or point to see its run. Faint points: single runs; diamonds: a row's mean with its 95% interval.</p>
{charts_section(sets, found, directory)}
<h2>Runs</h2>
<p>Every run; config differences: the settings in which it differs from the other runs of its data set.</p>
{runs_table(sets, directory)}
<h2>Failed runs</h2>
{failed_section(sets, directory)}
<script>{SCRIPT}</script>
</body></html>
"""
    path.write_text(page)
