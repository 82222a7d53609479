"""`python -m zoo.compare DIR [--tune KEY,...] [--same KEY,...] [--note TEXT]`: every run under DIR (one sweep, or all
of outputs/) in one comparison across architectures, written into DIR: leaderboard.md (also printed),
leaderboard.csv, the plots validation_curves.png, objective_vs_parameters.png and objective_vs_wall_time.png, and
report.html (the same as one self-contained interactive page: sortable tables, charts, config differences, failed
runs). Over several data sets (all of outputs/compare) the leaderboard opens with one table across them
(zoo.compare.across): a line per data set and test figure, a column per architecture, the baselines of the same runs
beside it.

A row is one model on one data set: the runs that differ only in their seed (or in where and how they were logged)
share it, as mean ± standard deviation; runs that differ in any other setting get rows of their own, labelled by that
setting. A failed run is a row of its own with its error. Only the runs' summary.json files are read: no tracker,
network, torch or Lightning, so the comparison takes seconds.

Tuned settings (`--tune`, by default the learning rate) are searched, not compared: of the rows of one model that
differ only in them, the one with the best validation score is kept (marked "best of N" in the table, the others
still listed) and only kept rows are plotted. Settings given as `--same` are read as one value: runs that differ only
in them share a row (a setting changed in the middle of a sweep where it changes nothing that is learned).

Each data set's verdict (zoo.compare.significance) reads the kept rows' test figure over their seeds: mean and Student t 95%
interval, Welch's t-test on each pair, Holm-corrected for the number of pairs; a rank shared where a gap is within
noise. Where the runs kept their test translations (data=translation), a second verdict reads BLEU over the seeds and
the test sentences together (zoo.compare.translations), with word by word as a row.

Where the data sets of one option differ in a single numeric setting (data.lag over a ladder of lags), the kept rows
are also drawn against it, one line per model with its interval, the data set's baseline marked:
<metric>_vs_<setting>.png (the verdict's figure: test accuracy on the probes) and tokens_per_second_vs_<setting>.png,
and the leaderboard gains a table of that metric against the setting. So are the rows of one data set whose runs
differ in a numeric model setting (model.d_model over a ladder of widths), a panel per data set:
accuracy_vs_d_model.png. `--note` writes a caption under these figures: the result a paper reports, to read the
measurements against.
"""
import argparse
from pathlib import Path

from zoo.compare.across import across_markdown
from zoo.compare.plots import draw_all
from zoo.compare.ladder import ladder_markdown, ladders
from zoo.compare.leaderboard import TUNED, data_sets, label_runs, markdown, rows_of, write_csv
from zoo.compare.runs import read_runs
from zoo.compare.translations import translation_verdict, verdict_markdown
from zoo.compare.report_html import write_report
from zoo.errors import ZooError, command_line_tool

USAGE = ("python -m zoo.compare DIR [--tune KEY,...] [--same KEY,...] [--note TEXT]   "
         "(DIR: a sweep directory, or outputs/)")


def compare(directory: Path, tuned: tuple[str, ...] = TUNED, same: tuple[str, ...] = (),
            note: str | None = None) -> str:
    """Write the leaderboard, plots and report.html into directory; returns the Markdown. `note`: a caption under
    the ladders' figures."""
    runs = read_runs(directory)
    if not runs:
        raise ZooError(f"no summary.json under {directory}")
    for run in runs:
        for key in same:
            run.settings.pop(key, None)
    label_runs(runs, tuned)
    sets = data_sets(rows_of(runs))
    found = ladders(sets)
    across = [across_markdown(sets)] if len(sets) > 1 else []
    sections = [section for data_set in sets for section in (markdown(data_set), *translation_sections(data_set))]
    text = "# Leaderboard\n\n" + "\n\n".join([*across, *map(ladder_markdown, found), *sections]) + "\n"
    (directory / "leaderboard.md").write_text(text)
    write_csv(directory / "leaderboard.csv", sets)
    draw_all(directory, sets, found, note)
    write_report(directory / "report.html", sets, found, directory)
    return text


def translation_sections(data_set) -> list[str]:
    """The verdict over seeds and test sentences, where the data set's kept rows kept their test translations."""
    kept = {row.label: [run.path.parent for run in row.runs]
            for row in data_set.rows if row.kept and not row.failed}
    verdict = translation_verdict(kept) if kept else None
    return [verdict_markdown(verdict)] if verdict else []


@command_line_tool
def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m zoo.compare", usage=USAGE)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--tune", default=",".join(TUNED),
                        help="settings searched rather than compared, comma-separated (default: %(default)s; "
                             "'' lists every setting as a row of its own)")
    parser.add_argument("--same", default="",
                        help="settings read as one value, comma-separated: runs that differ only in them share a row")
    parser.add_argument("--note", help="a caption under the ladders' figures (a published result to read the "
                                       "measurements against, marked as such)")
    arguments = parser.parse_args(argv)
    if not arguments.directory.is_dir():
        parser.error(f"{arguments.directory} is not a directory")
    print(compare(arguments.directory, *(tuple(key for key in option.split(",") if key)
                                         for option in (arguments.tune, arguments.same)), note=arguments.note))
