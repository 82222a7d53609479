"""The readings of a translation that writes its alternatives inline, as the Ding dictionary does: "a short/long
illness", "the start / beginning / outset", "knock off (work) early", "(a)round". Each is several references, not
one string that no translation can match."""
import re

_SLASHED = re.compile(r"[^\s/]+(?:\s*/\s*[^\s/]+)+")  # words joined by slashes, with or without spaces
_OPTIONAL = re.compile(r"\(([^()]*)\)")
_TRAILING = re.compile(r"[.,!?;:]+$")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,!?;:])")

MAX_READINGS = 8


def readings(text: str) -> list[str]:
    """The text as written, then each reading: the n-th alternative of every slash group at once (the last where a
    group has fewer), with and without the optional parts in parentheses; in that order, without repeats, at most
    MAX_READINGS. "It was clear from the start / beginning." -> the text, "It was clear from the start.",
    "It was clear from the beginning.". A text with no alternatives is its one reading."""
    found = [text]
    for optional in (r"\1", ""):
        bare = _OPTIONAL.sub(optional, text)
        groups = [_alternatives(match.group()) for match in _SLASHED.finditer(bare)]
        for choice in range(max((len(group) for group, _ in groups), default=1)):
            alternatives = iter(group[min(choice, len(group) - 1)] + end for group, end in groups)
            reading = _SLASHED.sub(lambda _: next(alternatives), bare)
            reading = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(reading.split()))
            found.append(reading[:1].upper() + reading[1:] if text[:1].isupper() else reading)
    return list(dict.fromkeys(found))[:MAX_READINGS]


def _alternatives(slashed: str) -> tuple[list[str], str]:
    """A slash group's alternatives and the punctuation that closes the group ("it/that." -> [it, that], ".")."""
    group = re.split(r"\s*/\s*", slashed)
    end = _TRAILING.search(group[-1])
    if end and not _TRAILING.search(group[0]):  # "sb./sth." abbreviates both; "it/that." ends a sentence
        group[-1] = group[-1][:end.start()]
        return group, end.group()
    return group, ""


def first_reading(text: str) -> str:
    """The reading a model trains on: the first alternative of each group, the optional parts kept."""
    found = readings(text)
    return found[1] if len(found) > 1 else text
