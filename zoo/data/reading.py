"""Reading a user's text file: every failure is an error that names the file, and the line where it can."""
import math
from pathlib import Path

import numpy as np

from zoo.errors import ZooError

# the largest value a data file may hold: the model computes in float32, and the references' float64 squares of such
# values stay finite
LARGEST = float(np.finfo(np.float32).max)


def plain_line_ends(text: str) -> str:
    # Python's universal newlines: \r\n (Windows) and a lone \r (old Macs, Excel's "CSV (Macintosh)") end a line too
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: str) -> str:
    """The contents of a UTF-8 text file, every line ended by a plain newline."""
    file = Path(path)
    try:
        if not file.exists():
            raise ZooError(f"data file not found: {path}")
        if not file.is_file():  # a directory, or a pipe whose reading would wait for a writer
            raise ZooError(f"data file {path} is {'a directory' if file.is_dir() else 'not a regular file'}")
        raw = file.read_bytes()
    except OSError as error:  # no permission, a disk error, a name too long...
        raise ZooError(f"cannot read data file {path}: {error.strerror}") from None
    try:
        # utf-8-sig: a byte-order mark (spreadsheets start CSV files with one) is not part of the text
        return plain_line_ends(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        # error.object is what was decoded, after any byte-order mark; everything before error.start is valid
        line = plain_line_ends(error.object[:error.start].decode("utf-8")).count("\n") + 1
        raise ZooError(f"{path}:{line}: not valid UTF-8 ({error.reason})") from None


def read_lines(path: str):
    """Yield (line number, line) of a UTF-8 text file."""
    yield from enumerate(read_text(path).split("\n"), start=1)


def finite_number(cell: str, column: str, where: str) -> float:
    """A cell's value; `where` (FILE:LINE) names it in the one-line error an empty cell, a word, nan, inf or a value
    beyond ±LARGEST gets."""
    if not cell:
        raise ZooError(f"{where}: column {column!r} is empty")
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not abs(value) <= LARGEST:  # also refuses nan
        raise ZooError(f"{where}: column {column!r} holds {cell!r}, not a finite number "
                       f"(up to ±{LARGEST:.3g}, what float32 holds)")
    return value


def column_index(header: list[str], column: str, path: str, knob: str | None = None) -> int:
    """Where `column` stands in a file's header row; one the header lacks is an error naming line 1, the knob that
    asked for it and the columns there are."""
    if column not in header:
        names = ", ".join(map(repr, header)) or "none (the first line is blank)"
        asked = f" (data.{knob})" if knob else ""
        raise ZooError(f"{path}:1: no column {column!r}{asked}; the columns are {names}")
    return header.index(column)
