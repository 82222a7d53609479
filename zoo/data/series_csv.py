"""Reading a series from the columns of a user's CSV file: every cell a finite number, or an error naming the file
and line."""
import csv
import io
from collections.abc import Sequence

import numpy as np

from zoo.data.reading import column_index, finite_number, read_text
from zoo.errors import ZooError


def read_series_csv(path: str, columns: Sequence[str]) -> np.ndarray:
    """The values of some columns of a CSV file with a header row, (rows, len(columns)) in file order and in the
    order the columns are named. Every cell must hold a finite number up to ±LARGEST: a gap in a series is an error
    naming the file and line, never a row quietly left out."""
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        header = next(reader, None)
        if header is None:
            raise ZooError(f"{path}: empty file, expected a header row naming the columns")
        indices = [column_index(header, column, path) for column in columns]
        for row in reader:
            rows.append([read_cell(row, index, column, f"{path}:{reader.line_num}")
                         for index, column in zip(indices, columns)])
    except csv.Error as error:
        raise ZooError(f"{path}:{reader.line_num}: not valid CSV ({error})") from None
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(columns))


def read_cell(row: list[str], index: int, column: str, where: str) -> float:
    # a blank line is an empty cell: in a one-column file it is exactly what a missing value looks like
    return finite_number(row[index].strip() if index < len(row) else "", column, where)
