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


def ding_entries(path: str) -> list[tuple[int, list[tuple[str, str]]]]:
    """The entry lines of a Ding dictionary file, `de | de :: en | en`: (line number, its aligned sub-entries).
    An entry whose sub-entries do not align (as many on each side) is left out."""
    entries = []
    for number, line in read_lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        if " :: " not in line:
            raise ZooError(f"{path}:{number}: a Ding entry needs ' :: ' between its two languages")
        source, target = line.split(" :: ", 1)
        sources, targets = source.split(" | "), target.split(" | ")
        if len(sources) == len(targets):
            entries.append((number, [(left.strip(), right.strip()) for left, right in zip(sources, targets)]))
    return entries


def read_ding(path: str) -> list[tuple[str, str]]:
    """Example sentence pairs of a Ding dictionary file: the sub-entries that read as sentences on both sides."""
    pairs = [pair for _, sub_entries in ding_entries(path) for pair in sub_entries
             if _is_sentence(pair[0]) and _is_sentence(pair[1])]
    if not pairs:
        raise ZooError(f"{path}: no sentence pairs found (is it a Ding dictionary file?)")
    return pairs


# what a dictionary sub-entry carries besides its words: {grammar}, [field], <see also>, /abbreviation/, (context)
_MARKUP = re.compile(r"\{[^}]*\}|\[[^\]]*\]|<[^>]*>|/[^/\s][^/]*/|\([^)]*\)")


def _alternatives(text: str) -> list[str]:
    """A sub-entry's alternatives, without markup: 'Abholung {f}; Abholen {n} (von etw.)' -> Abholung, Abholen."""
    return [" ".join(alternative.split()) for alternative in _MARKUP.sub(" ", text).split(";")]


def ding_phrase_pairs(path: str, held_out: set[str]) -> list[tuple[str, str]]:
    """Word and phrase pairs of a Ding dictionary: each aligned sub-entry that is not a sentence, its first
    alternative on each side. An entry line any of whose sub-entries is (or, without markup, reads as) a held-out
    text gives none: a held-out sentence's own line (its words, its other examples) stays out of training, and
    so does the same sentence translated elsewhere."""
    pairs = []
    for _, sub_entries in ding_entries(path):
        if any(side in held_out or not held_out.isdisjoint(_alternatives(side))
               for pair in sub_entries for side in pair):
            continue
        for left, right in sub_entries:
            if _is_sentence(left) and _is_sentence(right):
                continue  # sentences are the corpus itself, split apart from the dictionary
            source, target = _alternatives(left)[0], _alternatives(right)[0]
            if source and target:
                pairs.append((source, target))
    return list(dict.fromkeys(pairs))


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


def corpus_format(path: str, format: str) -> str:
    """ding or tsv; auto goes by the file's suffix."""
    if format != "auto":
        return format
    return "tsv" if Path(path).suffix.lower() in (".tsv", ".txt") else "ding"


def read_parallel_corpus(path: str, format: str, source_column: int, target_column: int) -> list[tuple[str, str]]:
    formats = ("auto", "ding", "tsv")
    if format not in formats:
        raise ZooError(f"data.format={format!r} is not one of {', '.join(formats)}")
    if corpus_format(path, format) == "tsv":
        return read_tsv(path, source_column, target_column)
    return read_ding(path)
