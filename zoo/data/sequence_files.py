"""Reading a user's labelled sequences: a wide or long CSV / TSV file, or a .ts file of sktime and the UEA archive.

Wide: one row per recording, its label in one column, its values in all the others in order; shorter recordings
end at their first empty cell. Long: one row per step, the recording named in an id column, every other column a
channel. Each recording is a (steps, channels) float array beside its label as written and the line it starts on,
so that a check made after reading (a class with one member) can still name its line. A bad cell is refused naming
the file and line, never skipped.
"""
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sktime.datasets import load_from_tsfile

from zoo.data.reading import LARGEST, column_index, finite_number, read_text
from zoo.errors import ZooError

FORMATS = ("auto", "csv", "tsv", "ts")  # auto: .ts, .csv and .tsv by the suffix, any other text file sniffed
DELIMITERS = {"csv": ",", "tsv": "\t"}
SNIFFED_LINES = 20  # enough rows for csv.Sniffer to tell the delimiter, few enough to be quick on a big file


@dataclass
class Recordings:
    """Labelled sequences as read from one file."""

    path: str
    sequences: list[np.ndarray]  # (steps, channels)
    labels: list[str]
    lines: list[int]  # the line each recording starts on


def read_recordings(path: str, format: str, label_column: str | None, id_column: str | None = None,
                    time_column: str | None = None, channels: list | None = None) -> Recordings:
    """The recordings of a .ts file, or of a CSV / TSV file: long where `id_column` is given, else wide."""
    if format == "ts" or (format == "auto" and Path(path).suffix.lower() == ".ts"):
        recordings = read_ts(path)
    else:
        if label_column is None:
            raise ZooError(f"data.label_column must be given: the column of {path} that holds each recording's class")
        header, rows = read_table(path, format)
        recordings = (read_long(path, header, rows, label_column, id_column, time_column, channels) if id_column
                      else read_wide(path, header, rows, label_column))
    for sequence, line in zip(recordings.sequences, recordings.lines):
        if len(sequence) < 2:
            steps = "one step" if len(sequence) == 1 else "no steps"
            raise ZooError(f"{path}:{line}: a recording of {steps}; a sequence needs at least 2")
    return recordings


def read_table(path: str, format: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the (line number, cells) of every further row of a CSV or TSV file, cells stripped."""
    text = read_text(path)
    if not text.strip():
        raise ZooError(f"{path}: empty file, expected a header row naming the columns")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(path, format, text))
    try:
        header = [name.strip() for name in next(reader)]
        rows = [(reader.line_num, [cell.strip() for cell in row]) for row in reader]
    except csv.Error as error:
        raise ZooError(f"{path}:{reader.line_num}: not valid CSV ({error})") from None
    if not rows:
        raise ZooError(f"{path}: a header row and no recordings")
    return header, rows


def delimiter(path: str, format: str, text: str) -> str:
    """What separates the columns: the format's, the suffix's, or else the one csv.Sniffer finds."""
    suffix = Path(path).suffix.lower().removeprefix(".")
    if format in DELIMITERS or suffix in DELIMITERS:
        return DELIMITERS[format if format in DELIMITERS else suffix]
    try:
        return csv.Sniffer().sniff("\n".join(text.split("\n")[:SNIFFED_LINES]), delimiters=",\t;").delimiter
    except csv.Error:
        raise ZooError(f"{path}: cannot tell what separates its columns; give data.format=csv (commas) or "
                       f"data.format=tsv (tabs)") from None


def cells_of(row: list[str], header: list[str], path: str, line: int) -> list[str]:
    """The row's cells, one per column: trailing cells a writer left out are empty."""
    if any(row[len(header):]):
        raise ZooError(f"{path}:{line}: {len(row)} cells, but the header names {len(header)} columns")
    return row[:len(header)] + [""] * (len(header) - len(row))


def filled(cells: list[str], index: int, column: str, path: str, line: int, needed_for: str) -> str:
    if not cells[index]:
        raise ZooError(f"{path}:{line}: column {column!r} is empty; {needed_for}")
    return cells[index]


def read_wide(path: str, header: list[str], rows: list[tuple[int, list[str]]], label_column: str) -> Recordings:
    """One recording per row: its label in `label_column`, its values in the other columns up to the first empty
    cell. A value after an empty cell is refused: it is a gap, not the end of a shorter recording."""
    label_index = column_index(header, label_column, path, "label_column")
    value_columns = [index for index in range(len(header)) if index != label_index]
    recordings = Recordings(path, [], [], [])
    for line, row in rows:
        cells = cells_of(row, header, path, line)
        label = filled(cells, label_index, label_column, path, line, "every recording needs its class")
        values = [cells[index] for index in value_columns]
        length = values.index("") if "" in values else len(values)
        after_gap = next((index for index in value_columns[length:] if cells[index]), None)
        if after_gap is not None:
            raise ZooError(f"{path}:{line}: column {header[after_gap]!r} holds {cells[after_gap]!r} after an empty "
                           f"cell; a recording ends at its first empty cell")
        sequence = [finite_number(cells[index], header[index], f"{path}:{line}") for index in value_columns[:length]]
        recordings.sequences.append(np.array(sequence, dtype=np.float64)[:, None])
        recordings.labels.append(label)
        recordings.lines.append(line)
    return recordings


def read_long(path: str, header: list[str], rows: list[tuple[int, list[str]]], label_column: str,
              id_column: str, time_column: str | None, channels: list | None) -> Recordings:
    """One row per step: the steps of a recording share its id, in any order among other rows, and are put in
    order by `time_column` (else they keep the file's order). The values are the `channels` columns (else every
    column but the id, label and time), one channel each; the label must be the same on every row of an id.
    Recordings come in the order of their ids' first rows."""
    named = {"id_column": id_column, "label_column": label_column, "time_column": time_column}
    index = {knob: column_index(header, column, path, knob) for knob, column in named.items() if column is not None}
    channel_names = list(channels or [name for name in header if name not in named.values()])
    if not channel_names:
        raise ZooError(f"{path}:1: no column is left for values beside {', '.join(map(repr, index))}")
    channel_index = [column_index(header, str(name), path, "channels") for name in channel_names]
    steps: dict[str, list[tuple[float, int, list[float]]]] = {}
    labels: dict[str, tuple[str, int]] = {}  # id -> its label and the line of its first row
    for line, row in rows:
        cells = cells_of(row, header, path, line)
        identity = filled(cells, index["id_column"], id_column, path, line, "every row names its recording")
        label = filled(cells, index["label_column"], label_column, path, line, "every row needs its class")
        first_label, first_line = labels.setdefault(identity, (label, line))
        if label != first_label:
            raise ZooError(f"{path}:{line}: id {identity!r} is labelled {label!r} here but {first_label!r} on line "
                           f"{first_line}; a recording has one class")
        order = (finite_number(cells[index["time_column"]], time_column, f"{path}:{line}") if time_column
                 else len(steps.get(identity, ())))
        values = [finite_number(cells[column], header[column], f"{path}:{line}") for column in channel_index]
        steps.setdefault(identity, []).append((order, line, values))
    recordings = Recordings(path, [], [], [])
    for identity, rows_of_id in steps.items():
        rows_of_id.sort(key=lambda step: step[0])  # stable: rows at one time would keep the file's order
        for (time, first, _), (again, line, _) in zip(rows_of_id, rows_of_id[1:]):
            if time == again:
                raise ZooError(f"{path}:{line}: id {identity!r} has {time_column} {again:g} again (first on line "
                               f"{first}); the order of its steps is not clear")
        recordings.sequences.append(np.array([values for _, _, values in rows_of_id], dtype=np.float64))
        recordings.labels.append(labels[identity][0])
        recordings.lines.append(labels[identity][1])
    return recordings


def read_ts(path: str) -> Recordings:
    """The recordings of a .ts file, read by sktime; its labels as the file writes them (sktime's reader lowercases
    them). sktime's errors name no file and few lines: the line is found here where the error allows."""
    text = read_text(path)
    if not text.strip():
        raise ZooError(f"{path}: empty file, expected .ts metadata (@problemName ... @classLabel ... @data) and cases")
    lines = data_lines(text)
    if not re.search(r"^\s*@classlabel\s+true\b", text, re.IGNORECASE | re.MULTILINE):
        raise ZooError(f"{path}: no '@classLabel true ...' line: its recordings carry no class to learn")
    try:
        frame, _ = load_from_tsfile(path, return_data_type="nested_univ")
    except (OSError, ValueError) as error:
        line = blamed_line(str(error), lines)
        where = f"{path}:{line}" if line else path
        raise ZooError(f"{where}: not a .ts file sktime can read ({error})") from None
    recordings = Recordings(path, [], [], [])
    for case, (line, content) in zip(frame.itertuples(index=False), lines):
        channels = [channel.to_numpy(np.float64) for channel in case]
        if len({len(channel) for channel in channels}) > 1:
            raise ZooError(f"{path}:{line}: channels of {', '.join(str(len(channel)) for channel in channels)} "
                           f"steps; every channel of a recording needs a value at each of its steps")
        sequence = np.stack(channels, axis=1)
        if not np.all(np.abs(sequence) <= LARGEST):
            raise ZooError(f"{path}:{line}: a value that is missing ('?') or not a finite number up to "
                           f"±{LARGEST:.3g}; every step of a recording needs one")
        label = content.rsplit(":", 1)[-1].strip()
        if not label:
            raise ZooError(f"{path}:{line}: no class after the last ':'; every recording needs its class")
        recordings.sequences.append(sequence)
        recordings.labels.append(label)
        recordings.lines.append(line)
    return recordings


def data_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of each case of a .ts file: the lines after @data that are not blank."""
    numbered = list(enumerate(text.split("\n"), start=1))
    start = next((number for number, line in numbered if line.strip().lower() == "@data"), len(numbered))
    return [(number, line.strip()) for number, line in numbered[start:] if line.strip()]


def blamed_line(message: str, lines: list[tuple[int, str]]) -> int | None:
    """The line an error of sktime's .ts reader is about: the one it names, the first case holding the value it
    could not read, or the first case with another number of channels than the first."""
    named = re.search(r"\bline (\d+)", message)
    if named:
        return int(named[1])
    unreadable = re.search(r"could not convert string to float: '(.*)'", message)
    if unreadable:
        return next((number for number, line in lines
                     if unreadable[1] in re.split(r"[,:]", line.lower())), None)
    if "number of dimensions" in message and lines:
        return next((number for number, line in lines if line.count(":") != lines[0][1].count(":")), None)
    return None
