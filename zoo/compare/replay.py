"""`python -m zoo.compare.replay DIR [--patience N] [--min-steps N] [--min-delta X] [--max-steps N]`: what a tighter
stop rule would have done to a finished sweep, replayed from the validation history each summary.json keeps, without
training anything again. Per data set and model: the learning rate validation would then choose, the best
validation score the kept runs would have reached, and the training time; then the totals. A setting not given is
each run's own (`callbacks.early_stopping.*`, `trainer.max_steps`), so a replay with none changes nothing.

A replay can only stop runs earlier than they stopped (their history ends there): a looser rule is refused. It says
nothing about test figures, which were read from the checkpoints the runs kept; it tells whether a cheaper protocol
would have made the same choices and reached the same validation scores. Like zoo.compare, it reads only the
summaries: no torch or Lightning."""
import argparse
import copy
import math
from dataclasses import dataclass, replace
from pathlib import Path

from zoo.compare.leaderboard import TUNED, data_sets, label_runs, mean_and_spread, rounded, rows_of
from zoo.compare.runs import Run, read_runs
from zoo.errors import ZooError, command_line_tool
from zoo.markdown_table import markdown_table

USAGE = "python -m zoo.compare.replay DIR [--patience N] [--min-steps N] [--min-delta X] [--max-steps N]"


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


@dataclass(frozen=True)
class StopRule:
    """callbacks=protocol's plateau stop (zoo.run.stopping.StopOnPlateau: Lightning's EarlyStopping, checked from
    step min_steps on) and the step budget. None: no such stop."""
    patience: int | None
    min_steps: int = 0
    min_delta: float = 0.0
    max_steps: int | None = None

    @classmethod
    def recorded(cls, config: dict) -> "StopRule":
        plateau = (config.get("callbacks") or {}).get("early_stopping") or {}
        budget = (config.get("trainer") or {}).get("max_steps")
        return cls(patience=plateau.get("patience"), min_steps=plateau.get("min_steps") or 0,
                   min_delta=plateau.get("min_delta") or 0.0,
                   max_steps=None if budget is None or budget < 0 else budget)

    def looser_than(self, recorded: "StopRule") -> list[str]:
        """The settings in which this rule would let a run train on past where `recorded` stopped it, each with the
        run's own value."""
        plateau = recorded.patience is not None
        looser = {"patience": plateau and (self.patience is None or self.patience > recorded.patience),
                  "min_steps": plateau and self.min_steps > recorded.min_steps,
                  "min_delta": plateau and self.min_delta < recorded.min_delta,
                  "max_steps": recorded.max_steps is not None and (self.max_steps is None
                                                                   or self.max_steps > recorded.max_steps)}
        return [f"{flag(name)} {getattr(self, name)} (it ran with {getattr(recorded, name)})"
                for name, is_looser in looser.items() if is_looser]

    def stop(self, history: list[dict], monitor: str, mode: str) -> int:
        """How many of the history's validations the run would have seen: Lightning's EarlyStopping counts the
        validations without an improvement of more than min_delta, and stops at `patience` of them or at a value
        that is not finite; StopOnPlateau checks (and tracks its best) only from step min_steps on."""
        best, waited = None, 0
        for seen, point in enumerate(history, start=1):
            if self.max_steps is not None and point.get("step", 0) > self.max_steps:
                return seen - 1
            value = point.get(monitor)
            if self.patience is None or value is None or point.get("step", 0) < self.min_steps:
                continue
            if not math.isfinite(value):
                return seen
            if best is None or (value + self.min_delta < best if mode == "min" else value - self.min_delta > best):
                best, waited = value, 0
            else:
                waited += 1
                if waited >= self.patience:
                    return seen
        return len(history)


def replayed(run: Run, given: dict) -> Run:
    """The run with its history cut where the rule would have stopped it, and its best score read from what is left
    (the checkpoint it would have tested)."""
    recorded = StopRule.recorded(run.config)
    rule = replace(recorded, **given)
    looser = rule.looser_than(recorded)
    if looser:
        raise ZooError(f"{', '.join(looser)} would let {run.path.parent} train past where it stopped: "
                       "a replay can only stop runs earlier than they stopped")
    monitor = run.objective
    cut = copy.copy(run)
    cut.validation = run.validation[:rule.stop(run.validation, monitor, run.mode)]
    cut.metrics = {name: value for name, value in run.metrics.items() if name not in (monitor, f"best/{monitor}")}
    scores = [point[monitor] for point in cut.validation if isinstance(point.get(monitor), (int, float))]
    if scores:
        cut.metrics[f"best/{monitor}"] = min(scores) if run.mode == "min" else max(scores)
        cut.metrics[monitor] = scores[-1]
    return cut


def training_seconds(runs: list[Run]) -> float:
    """Up to each run's last validation: where a replayed run stops."""
    return sum(run.validation[-1].get("seconds", 0.0) for run in runs if run.validation)


def replay(directory: Path, given: dict, tuned: tuple[str, ...] = TUNED) -> str:
    """The replay's Markdown: a line per data set and model (its kept row, as zoo.compare keeps it), then the
    totals."""
    runs = [run for run in read_runs(directory) if run.status == "completed" and run.validation and run.objective]
    if not runs:
        raise ZooError(f"no completed run with a validation history under {directory}")
    label_runs(runs, tuned)
    cuts = [replayed(run, given) for run in runs]
    after = {data_set.name: data_set for data_set in data_sets(rows_of(cuts))}
    table, changed, moved = [], 0, []
    for data_set in data_sets(rows_of(runs)):
        replayed_set = after[data_set.name]
        for row in data_set.kept_rows:
            cut_row = next(other for other in replayed_set.rows if other.label == row.label)
            chosen = next(other for other in replayed_set.kept_rows
                          if other.model == row.model and other.family == row.family)
            before, now = row.runs[0].tuning or "-", chosen.runs[0].tuning or "-"
            changed += now != before
            best_before = mean_and_spread(data_set.headline(row))[0]
            best_after = mean_and_spread(replayed_set.headline(cut_row))[0]
            if best_after != best_before:
                moved.append(f"{data_set.name} {row.label} {shown(best_before)} -> {shown(best_after)}")
            table.append([data_set.name, row.label, before if now == before else f"{before} -> {now}",
                          f"{data_set.objective_label} {shown(best_before)} -> {shown(best_after)}",
                          str(len(row.runs)),
                          f"{shown(training_seconds(row.runs))} -> {shown(training_seconds(cut_row.runs))}"])
    total_before, total_after = training_seconds(runs), training_seconds(cuts)
    saved = 100 * (1 - total_after / total_before) if total_before else 0.0
    header = ["data set", "kept row", "tuned: recorded -> replayed", "best validation, mean over its seeds", "seeds",
              "training seconds"]
    return "\n".join([
        f"# Replay of {directory}: " + (" ".join(f"{flag(name)} {value}" for name, value in given.items())
                                          or "each run's own stop rule"), "", markdown_table(header, table), "",
        f"Training time of all {len(runs)} runs: {total_before:,.0f} s recorded, {total_after:,.0f} s replayed "
        f"({saved:.0f}% saved).",
        f"Tuned choices changed: {changed} of {len(table)} (the other seeds of a changed choice never ran: the best "
        "validation shown is that of the recorded choice's runs, stopped by the replayed rule).",
        f"Kept rows whose best validation changed: {len(moved)} of {len(table)}"
        + (": " + "; ".join(moved) if moved else "."), ""])


def shown(value: float | None) -> str:
    return "-" if value is None else rounded(value, 4)


def at_least_zero(kind):
    def read(text: str):
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"{text} is below 0")
        return value
    read.__name__ = kind.__name__  # argparse names the type in its "invalid int value" message
    return read


RULE = {"patience": (int, "validations without improvement before a run stops"),
        "min_steps": (int, "no plateau stop before this step"),
        "min_delta": (float, "a smaller change is no improvement"),
        "max_steps": (int, "the step budget")}


@command_line_tool
def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m zoo.compare.replay", usage=USAGE, description=(
        "What a tighter stop rule would have done to a finished sweep, replayed from its runs' validation "
        "histories: the choices, best validation scores and training time."))
    parser.add_argument("directory", type=Path, help="a sweep directory, or any directory of runs")
    for name, (kind, meaning) in RULE.items():
        parser.add_argument(flag(name), dest=name, type=at_least_zero(kind),
                            help=meaning + " (default: each run's own)")
    parser.add_argument("--tune", default=",".join(TUNED),
                        help="settings searched rather than compared, as zoo.compare's (default: %(default)s)")
    arguments = parser.parse_args(argv)
    if not arguments.directory.is_dir():
        parser.error(f"{arguments.directory} is not a directory")
    given = {name: getattr(arguments, name) for name in RULE if getattr(arguments, name) is not None}
    print(replay(arguments.directory, given, tuple(key for key in arguments.tune.split(",") if key)))


if __name__ == "__main__":
    main()
