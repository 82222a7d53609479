"""Faults of a data file itself rather than of its contents: missing, a directory, empty, a pipe, unreadable. Every
reader of a user's file names it in one line and says why."""
import os

import pytest

from tests.test_fuzz import blamed_line
from zoo.data.parallel_corpus import read_ding, read_tsv
from zoo.data.reading import read_text
from zoo.data.sequences import SequencesData
from zoo.data.series import SeriesData
from zoo.data.series_csv import read_series_csv
from zoo.data.text import TextData
from zoo.data.translation import TranslationData
from zoo.errors import ZooError

READERS = {
    "text": read_text,
    "tsv": lambda path: read_tsv(path, 0, 1),
    "ding": read_ding,
    "csv": lambda path: read_series_csv(path, ["level"])[:, 0],
    "data=text": lambda path: TextData(path=path).setup(),
    "data=series": lambda path: SeriesData(path=path, column="level").setup(),
    "data=sequences": lambda path: SequencesData(path=path, label_column="level").setup(),
    "data=translation": lambda path: TranslationData(path=path).setup(),
}


def refusal(read, path: str) -> str:
    with pytest.raises(ZooError) as caught:
        read(path)
    blamed_line(caught.value, path)
    return str(caught.value)


@pytest.mark.parametrize("reader", READERS)
def test_a_missing_file_a_directory_and_an_empty_file_are_named(tmp_path, reader):
    read, empty = READERS[reader], tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert "not found" in refusal(read, str(tmp_path / "absent.txt"))
    assert "not found" in refusal(read, str(empty / "below"))  # a path through a file
    assert "is a directory" in refusal(read, str(tmp_path))
    if reader == "text":
        assert read_text(str(empty)) == ""
    else:
        refusal(read, str(empty))  # each says what it lacks: a header row, pairs, enough text


@pytest.mark.parametrize("reader", READERS)
def test_a_file_that_cannot_be_read_is_named_with_the_reason(tmp_path, reader):
    read = READERS[reader]
    assert "Input/output error" in refusal(read, "/proc/self/mem")  # a file whose reading fails, even for root
    assert "File name too long" in refusal(read, str(tmp_path / ("x" * 300)))
    os.mkfifo(tmp_path / "pipe")
    assert "is not a regular file" in refusal(read, str(tmp_path / "pipe"))  # reading it would wait forever


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its permissions")
@pytest.mark.parametrize("reader", READERS)
def test_a_file_without_read_permission_is_named(tmp_path, reader):
    path = tmp_path / "secret.tsv"
    path.write_text("level\tHello\n")
    path.chmod(0)
    assert "Permission denied" in refusal(READERS[reader], str(path))
