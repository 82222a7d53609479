"""Readers of sentence-aligned parallel text. Every bad line is an error naming the file and the line: a corpus
that silently loses lines gives a test set nobody chose."""
import re
from pathlib import Path

from zoo.data.reading import read_lines
from zoo.errors import ZooError

# Ding marks grammar ({f}), subject fields ([med.]) and alternatives (;) inside entries; the sub-entries that carry
# none of them and read as whole sentences on both sides are the dictionary's example sentences.
_ANNOTATION = re.compile(r"[{}\[\]]")
_SENTENCE_END = re.compile(r"[.!?]$")


def _is_sentence(text: str) -> bool:
    return (
        len(text.split()) >= 3 and text[0].isupper() and bool(_SENTENCE_END.search(text))
        and ";" not in text and not _ANNOTATION.search(text)
    )


def read_ding(path: str) -> list[tuple[str, str]]:
    """Example sentence pairs of a Ding dictionary file: `de | de :: en | en`, sub-entries aligned by ` | `."""
    pairs = []
    for number, line in read_lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        if " :: " not in line:
            raise ZooError(f"{path}:{number}: a Ding entry needs ' :: ' between its two languages")
        source, target = line.split(" :: ", 1)
        sources, targets = source.split(" | "), target.split(" | ")
        if len(sources) != len(targets):
            continue  # an entry whose sub-entries do not align is a dictionary entry, not a sentence pair
        pairs += [
            (left.strip(), right.strip()) for left, right in zip(sources, targets)
            if _is_sentence(left.strip()) and _is_sentence(right.strip())
        ]
    if not pairs:
        raise ZooError(f"{path}: no sentence pairs found (is it a Ding dictionary file?)")
    return pairs


def read_tsv(path: str, source_column: int, target_column: int) -> list[tuple[str, str]]:
    """Tab-separated pairs, one per line (the Tatoeba / Anki layout); further columns are ignored."""
    needed = max(source_column, target_column) + 1
    pairs = []
    for number, line in read_lines(path):
        if not line.strip():
            continue
        columns = line.split("\t")
        if len(columns) < needed:
            raise ZooError(
                f"{path}:{number}: {len(columns)} tab-separated column(s), but data.source_column={source_column} "
                f"and data.target_column={target_column} need {needed}"
            )
        source, target = columns[source_column].strip(), columns[target_column].strip()
        if not source or not target:
            side = "source" if not source else "target"
            raise ZooError(f"{path}:{number}: empty {side} side")
        pairs.append((source, target))
    if not pairs:
        raise ZooError(f"{path}: no sentence pairs (the file is empty)")
    return pairs


def read_parallel_corpus(path: str, format: str, source_column: int, target_column: int) -> list[tuple[str, str]]:
    formats = ("auto", "ding", "tsv")
    if format not in formats:
        raise ZooError(f"data.format={format!r} is not one of {', '.join(formats)}")
    if format == "auto":
        format = "tsv" if Path(path).suffix.lower() in (".tsv", ".txt") else "ding"
    if format == "tsv":
        return read_tsv(path, source_column, target_column)
    return read_ding(path)
