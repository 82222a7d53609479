"""Fuzzing the readers of a user's data file: TSV and Ding parallel corpora, CSV series, labelled sequences,
text. Random bytes and random text, with control characters, NUL, lone surrogates, byte-order marks, tabs and every
kind of line end among them, either load into what the data module relies on or raise ZooError: one line, naming
the file and, where one line is to blame, its number as an editor counts it. Never another exception. Hypothesis
runs derandomized and without its example database, so every run tries the same inputs."""
import math
import re

import numpy as np
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from zoo.data.parallel_corpus import read_ding, read_tsv
from zoo.data.reading import LARGEST, read_text
from zoo.data.sequences import SequencesData
from zoo.data.series import SeriesData
from zoo.data.series_csv import read_series_csv
from zoo.data.text import TextData
from zoo.data.translation import TranslationData
from zoo.errors import ZooError
from zoo.tokens import BOS, EOS

FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None)

BOM = b"\xef\xbb\xbf"
LINE_END = re.compile(r"\r\n|\r|\n")  # Python's universal newlines: what ends a line in a text file
LINE_ENDS = ["\n", "\r\n", "\r"]
# characters that str.splitlines breaks at, but that no text file ends a line with; a byte-order mark where it is
# not the first character; whitespace that str.strip removes
STRANGE = ["\x00", "\t", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\u2028", "\u2029", "\ufeff",
           " ", "\xa0", '"']
SURROGATES = ["\ud800", "\udfff"]  # lone: encoded with surrogatepass, they are bytes that are not UTF-8
WORDS = ["Er hat Hunger.", "He is hungry.", "Hund {m}", "dog", "#", " :: ", " | ", ",", "level", "1", "-2.5e3",
         "nan", "inf", "1e999", "x", "é", "\U0001f600"]


def mostly(common: st.SearchStrategy, rare: st.SearchStrategy) -> st.SearchStrategy:
    """`common` nine times in ten: enough well-formed lines that whole files load, not only fail."""
    return st.integers(0, 9).flatmap(lambda draw: rare if draw == 0 else common)


def text_of(line: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Lines, each ended by one of the three line ends, then maybe a last one without."""
    ended = st.tuples(line, st.sampled_from(LINE_ENDS)).map("".join)
    return st.tuples(st.lists(ended, max_size=8), st.one_of(st.just(""), line)).map(
        lambda parts: "".join(parts[0]) + parts[1])


def encoded(text: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """The text in UTF-8 (lone surrogates as the bytes they would take), maybe after a byte-order mark."""
    return st.tuples(st.sampled_from([b"", BOM]), text).map(
        lambda parts: parts[0] + parts[1].encode("utf-8", "surrogatepass"))


piece = st.one_of(st.sampled_from(STRANGE + SURROGATES + WORDS + LINE_ENDS), st.characters())
# anything at all: raw bytes, or text that is mostly the characters and words a reader splits on
any_file = st.one_of(st.binary(max_size=200), encoded(st.lists(piece, max_size=30).map("".join)))

# the pieces of well-formed lines: no line end, no surrogate
inline_piece = st.one_of(st.sampled_from(STRANGE + WORDS),
                         st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]))
junk_line = st.lists(inline_piece, max_size=6).map("".join)
phrase = st.lists(inline_piece, min_size=1, max_size=4).map("".join)
tsv_line = mostly(st.lists(phrase, min_size=2, max_size=3).map("\t".join), junk_line)
tsv_file = encoded(text_of(tsv_line))

# Ding entries `de | de :: en | en`, whose aligned sub-entries that read as sentences are the pairs
first_word = mostly(st.sampled_from(["Er", "Der", "Ä"]), st.sampled_from(["he", "{m}", "\ufeff"]))
word = mostly(st.sampled_from(["hat", "Hunger", "is", "hungry", "Hund", "é"]),
              st.sampled_from([";", "[med.]", "\x00", "\x0b", "\u2028", "\x85", "\ufeff"]))
sentence = st.tuples(first_word, st.lists(word, min_size=1, max_size=4), st.sampled_from([".", "!", "?", ""])).map(
    lambda parts: " ".join([parts[0], *parts[1]]) + parts[2])
side = st.lists(sentence, min_size=1, max_size=2).map(" | ".join)
ding_file = encoded(text_of(mostly(st.tuples(side, side).map(" :: ".join), junk_line)))


def lines_of_file(raw: bytes) -> list[str]:
    """The file's lines, numbered from 1 as an editor numbers them; bytes that are not UTF-8 read as the lone
    surrogates U+DC80..U+DCFF, which valid UTF-8 cannot hold."""
    return LINE_END.split(raw.removeprefix(BOM).decode("utf-8", "surrogateescape"))


def first_undecodable(lines: list[str]) -> int | None:
    return next((number for number, line in enumerate(lines, 1) if re.search("[\udc80-\udcff]", line)), None)


def write(folder, name: str, raw: bytes) -> str:
    path = folder / name
    path.write_bytes(raw)
    return str(path)


def blamed_line(error: ZooError, path: str) -> int | None:
    """The line number a reader's error gives, after checking it is one line that names the file."""
    message = str(error)
    assert len(message.splitlines()) == 1 and path in message, message
    match = re.match(re.escape(path) + r":(\d+): ", message)
    return int(match[1]) if match else None


def outcome(read, path: str):
    """What `read(path)` gives: ("loaded", its result) or ("refused", the line number its error blames)."""
    try:
        result = "loaded", read(path)
    except ZooError as error:
        result = "refused", blamed_line(error, path)
    event(result[0])  # how often each happens: --hypothesis-show-statistics
    return result


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(raw=any_file)
@example(raw=b"a\rb")  # was: the lone \r kept inside one line
@example(raw=BOM + b"a\nb\n\xff")  # was: line 1 blamed, the byte-order mark shifting the count
def test_read_text_gives_the_decoded_text_with_plain_line_ends(folder, raw):
    path = write(folder, "any.txt", raw)
    lines = lines_of_file(raw)
    if first_undecodable(lines):
        assert outcome(read_text, path) == ("refused", first_undecodable(lines))
    else:
        assert read_text(path).split("\n") == lines


def tsv_outcome(lines: list[str]):
    """What read_tsv(path, 0, 1) must do with these lines: the pairs of stripped columns 0 and 1 of every line
    that is not blank, or refuse the first line that lacks one of them (line None: no pair at all)."""
    pairs = []
    for number, line in enumerate(lines, 1):
        columns = [column.strip() for column in line.split("\t")]
        if not line.strip():
            continue
        if len(columns) < 2 or not columns[0] or not columns[1]:
            return "refused", number
        pairs.append((columns[0], columns[1]))
    return ("loaded", pairs) if pairs else ("refused", None)


@FUZZ
@given(raw=st.one_of(any_file, tsv_file))
@example(raw=b"\r\x00")  # was: line 1 blamed for line 2
def test_tsv_reader_takes_every_line_or_names_the_bad_one(folder, raw):
    path, lines = write(folder, "pairs.tsv", raw), lines_of_file(raw)
    undecodable = first_undecodable(lines)
    expected = ("refused", undecodable) if undecodable else tsv_outcome(lines)
    assert outcome(lambda path: read_tsv(path, 0, 1), path) == expected


@FUZZ
@given(raw=st.one_of(any_file, ding_file))
@example(raw=b"\t")  # was: a blank line refused, as an entry without ' :: '
@example(raw=b" :: \n::\r :: ")  # was: line 2 taken for an entry
def test_ding_reader_gives_sentence_pairs_or_names_the_bad_line(folder, raw):
    path, lines = write(folder, "de-en", raw), lines_of_file(raw)
    not_entries = [number for number, line in enumerate(lines, 1)
                   if line.strip() and not line.startswith("#") and " :: " not in line]
    result, detail = outcome(read_ding, path)
    if first_undecodable(lines) or not_entries:
        assert (result, detail) == ("refused", first_undecodable(lines) or not_entries[0])
    elif result == "refused":
        assert detail is None  # no sentence pairs: nothing but the file to blame
    else:
        assert detail and all(
            side == side.strip() and side and not LINE_END.search(side) for pair in detail for side in pair)


padding = st.sampled_from(["", " ", "\x0b"])
number_cell = st.one_of(st.floats().map(repr), st.integers().map(str))  # nan and inf among them
junk_cell = st.sampled_from(["", "x", "1.2.3", "--1", "１２", "1_000", "0x10", "\x00", "\u2028", "1e999"])
csv_cell = st.tuples(padding, mostly(number_cell, junk_cell), padding).map("".join)
finite_cell = st.one_of(st.floats(width=32, allow_nan=False, allow_infinity=False).map(repr),
                        st.integers(-3, 3).map(str))


# CSV headers, each with how a row of it holds the value of column `level` and the row's index
CSV_LAYOUTS = {
    "t,level": "{t},{value}", "level,t": "{value},{t}", "level": "{value}", '"level"': "{value}",
    "t,value": "{t},{value}",
}


@st.composite
def csv_files(draw, cell=csv_cell, min_rows=0, max_rows=8):
    """(file bytes, header, the cells of column `level`) of a CSV file, in one of CSV_LAYOUTS."""
    header = draw(st.sampled_from(list(CSV_LAYOUTS)))
    cells = draw(st.lists(cell, min_size=min_rows, max_size=max_rows))
    lines = [header] + [CSV_LAYOUTS[header].format(t=t, value=cell) for t, cell in enumerate(cells)]
    # one line end for the whole file: a row "0" ended by \r and an empty row ended by \n would be one \r\n
    text = draw(st.sampled_from(LINE_ENDS)).join(lines + [""])
    return draw(encoded(st.just(text))), header, cells


def csv_file_of(cells: list[str]):
    """What csv_files draws, for the file `t,level` of these cells."""
    text = "t,level\n" + "".join(f"{t},{cell}\n" for t, cell in enumerate(cells))
    return text.encode(), "t,level", cells


def csv_outcome(header: str, cells: list[str]):
    """What read_series_csv(path, ["level"]) must do: every cell as a finite float, or refuse the first line that
    holds none up to ±LARGEST (the header is line 1, row i is line i + 2)."""
    if "level" not in header.replace('"', "").split(","):
        return "refused", 1
    values = []
    for number, cell in enumerate(cells, 2):
        try:
            value = float(cell.strip())
        except ValueError:
            return "refused", number
        if not abs(value) <= LARGEST:
            return "refused", number
        values.append(value)
    return "loaded", values


@FUZZ
@given(file=csv_files())
def test_csv_reader_takes_every_number_or_names_the_line_of_the_first_that_is_not(folder, file):
    raw, header, cells = file
    path = write(folder, "series.csv", raw)
    result, detail = outcome(lambda path: read_series_csv(path, ["level"])[:, 0], path)
    if result == "loaded":
        assert isinstance(detail, np.ndarray) and detail.dtype == np.float64 and detail.ndim == 1
        detail = detail.tolist()
    assert (result, detail) == csv_outcome(header, cells)


@FUZZ
@given(raw=any_file)
def test_csv_reader_refuses_random_files_in_one_line(folder, raw):
    path, lines = write(folder, "series.csv", raw), lines_of_file(raw)
    result, detail = outcome(lambda path: read_series_csv(path, ["level"])[:, 0], path)
    if first_undecodable(lines):
        assert (result, detail) == ("refused", first_undecodable(lines))
    elif result == "loaded":
        assert detail.ndim == 1 and np.isfinite(detail).all() and len(detail) < len(lines)
    else:
        assert detail is None or 1 <= detail <= len(lines)


@FUZZ
@given(file=csv_files(finite_cell, min_rows=20, max_rows=30))
@example(file=csv_file_of(["0"] * 18 + ["0.5"] + ["0"] * 3 + ["3.8e37"]))  # was: inf among the model's inputs
@example(file=csv_file_of(["0"] * 18 + ["1.3e154"] + ["0"] * 4))  # was: an infinite persistence RMSE
def test_series_data_from_a_random_csv_file_gives_finite_batches_and_baselines(folder, file):
    raw, _, _ = file
    path = write(folder, "series.csv", raw)
    data = SeriesData(path=path, column="level", val_fraction=0.1, test_fraction=0.1, window=4, batch_size=4)
    result, _ = outcome(lambda path: data.setup(), path)
    if result == "loaded":
        assert data.scaled.isfinite().all()
        batch = next(iter(data.train_dataloader()))
        assert batch["input"].shape[1:] == (4, 1) and batch["target"].isfinite().all()
        assert all(math.isfinite(value) and value >= 0 for value in data.baselines().values())


# labelled sequences: wide (a label, then values up to trailing empty cells), long (an id whose first letter is its
# label, then two channels) or .ts (two channels, then the label), mostly well formed, with rows of gaps, text,
# non-finite numbers or junk among them, and .ts metadata lines out of place
good_cell = st.sampled_from(["0", "1", "-2.5", "3e2", " 4 ", '"5"'])
any_cell = st.one_of(good_cell, st.sampled_from(["", "x", "nan", "inf", "1e999", "a;b"]))
good_ts_cell = st.sampled_from(["0", "1", "-2.5", "3e2"])
any_ts_cell = st.one_of(good_ts_cell, st.sampled_from(["", "?", "x", "nan", "1e999", "(1,2)"]))
ts_tag = st.sampled_from(["@timeStamps true", "@univariate true", "@classLabel false", "@classLabel true", "@data 1",
                          "# a comment", "@problemName"])


def wide_row(cell):
    return st.tuples(st.sampled_from(["a", "b"]), st.lists(cell, min_size=2, max_size=4),
                     st.lists(st.just(""), max_size=2)).map(lambda parts: ",".join([parts[0], *parts[1], *parts[2]]))


def long_row(cell):
    ids = [f"{label}{case}" for label in "ab" for case in range(4)]
    return st.tuples(st.sampled_from(ids), st.lists(cell, min_size=2, max_size=2)).map(
        lambda parts: ",".join([parts[0], parts[0][0], *parts[1]]))


def ts_case(cell, ragged: bool = False):
    """Two channels of 2 or 3 steps each; `ragged`: of 1 to 3 steps each, maybe not as many as each other."""
    steps = st.tuples(st.integers(1, 3), st.integers(1, 3)) if ragged else st.integers(2, 3).map(lambda n: (n, n))
    channels = steps.flatmap(lambda sizes: st.tuples(*(st.lists(cell, min_size=n, max_size=n).map(",".join)
                                                       for n in sizes)))
    return st.tuples(channels, st.sampled_from(["a", "b"])).map(lambda parts: ":".join([*parts[0], parts[1]]))


def sequence_file(header: str, row, rows: int):
    lines = st.lists(mostly(row(good_cell), st.one_of(row(any_cell), junk_line)), min_size=rows, max_size=2 * rows)
    return encoded(lines.map(lambda drawn: "\n".join([header, *drawn]) + "\n"))


ts_file = encoded(st.tuples(
    st.lists(mostly(st.just(""), ts_tag), max_size=2),
    st.lists(mostly(ts_case(good_ts_cell), st.one_of(ts_case(any_ts_cell, ragged=True), junk_line)),
             min_size=8, max_size=16),
).map(lambda parts: "\n".join(["@problemName fuzz", "@timeStamps false", "@univariate false", "@classLabel true a b",
                                *parts[0], "@data", *parts[1]]) + "\n"))


@FUZZ
@given(file=st.one_of(st.tuples(any_file, st.sampled_from(["wide", "long", "ts"])),
                      st.tuples(sequence_file("label,t1,t2,t3,t4,t5,t6", wide_row, rows=8), st.just("wide")),
                      st.tuples(sequence_file("id,label,v,w", long_row, rows=16), st.just("long")),
                      st.tuples(ts_file, st.just("ts"))),
       suffix=st.sampled_from([".csv", ".txt"]))
def test_sequences_data_from_a_random_file_gives_finite_batches_and_references(folder, file, suffix):
    raw, kind = file
    path, lines = write(folder, "cases.ts" if kind == "ts" else f"cases{suffix}", raw), lines_of_file(raw)
    data = SequencesData(path=path, label_column="label", id_column="id" if kind == "long" else None,
                         val_fraction=0.25, test_fraction=0.25, batch_size=4)
    result, detail = outcome(lambda path: data.setup(), path)
    if first_undecodable(lines):
        assert (result, detail) == ("refused", first_undecodable(lines))
    elif result == "loaded":
        assert len(data.classes) >= 2
        batch = next(iter(data.train_dataloader()))
        assert batch["input"].isfinite().all() and batch["mask"][:, :2].all()
        assert all(0 <= value <= 1 for value in data.baselines().values())
    else:
        assert detail is None or 1 <= detail <= len(lines)


@FUZZ
@given(raw=any_file)
def test_text_data_encodes_every_character_of_a_random_file(folder, raw):
    path, lines = write(folder, "corpus.txt", raw), lines_of_file(raw)
    data = TextData(path=path, length=2, val_fraction=0.2, test_fraction=0.2, batch_size=2)
    result, detail = outcome(lambda path: data.setup(), path)
    if first_undecodable(lines):
        assert (result, detail) == ("refused", first_undecodable(lines))
    elif result == "loaded":
        text, ids = "\n".join(lines), data.ids
        assert sum(map(len, ids.values())) == len(text)
        assert data.vocabulary.decode(ids["train"].tolist()) == text[:len(ids["train"])]
        assert all(len(part) >= 3 and int(part.max()) < len(data.vocabulary) for part in ids.values())
        batch = next(iter(data.train_dataloader()))
        assert batch["input"].shape == batch["target"].shape == (2, 2)


@FUZZ
@given(raw=st.one_of(any_file, tsv_file))
def test_translation_data_from_a_random_tsv_file_gives_batches_of_known_tokens(folder, raw):
    path = write(folder, "pairs.tsv", raw)
    data = TranslationData(path=path, vocab_size=40, batch_size=4, val_fraction=0.2, test_fraction=0.2)
    result, _ = outcome(lambda path: data.setup(), path)
    if result == "loaded":
        vocab_size = data.tokenizer.get_vocab_size()
        for split in ("train", "val", "test"):
            assert data.pairs[split] and len(data.encoded[split]) <= len(data.pairs[split])
            for source, target in data.encoded[split]:
                assert source[-1] == EOS and target[0] == BOS and target[-1] == EOS
                assert max(source + target) < vocab_size
        batch = next(iter(data.train_dataloader()))
        assert batch["source"].shape[0] == batch["target"].shape[0] == len(batch["index"])
