"""Reading a user's text file: every failure is an error that names the file, and the line where it can."""
from pathlib import Path

from zoo.errors import ZooError


def read_text(path: str) -> str:
    """The contents of a UTF-8 text file, with Windows line ends made plain newlines."""
    file = Path(path)
    if not file.is_file():
        raise ZooError(f"data file not found: {path}")
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise ZooError(f"cannot read data file {path}: {error.strerror}") from None
    try:
        # utf-8-sig: a byte-order mark (spreadsheets start CSV files with one) is not part of the text
        return raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise ZooError(f"{path}:{line}: not valid UTF-8 ({error.reason})") from None


def read_lines(path: str):
    """Yield (line number, line) of a UTF-8 text file."""
    yield from enumerate(read_text(path).split("\n"), start=1)
