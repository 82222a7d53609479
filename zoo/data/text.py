"""Character language model on a text: by default the English fortune-cookie collection of Debian's `fortunes`
package (about 2.5 MB of quips, quotations, stories and verse), or any UTF-8 file given as data.path.

The text is cut once, in its own order: the head trains, the held-out tail is validation and then test. The
vocabulary is the characters of the training part; a character seen only later reads as UNKNOWN.
"""
import random
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from zoo.data.base import ZooDataModule, check_fractions
from zoo.data.batching import EpochBatches, ShuffledBatches
from zoo.data.reading import read_text
from zoo.errors import ZooError

FORTUNES = Path("/usr/share/games/fortunes")
# the databases of the `fortunes` package, named so that another fortune package installed beside it (they share
# the folder) does not change the corpus; its `ascii-art` is left out: drawings, not text
FORTUNE_FILES = (
    "art", "computers", "cookie", "debian", "definitions", "disclaimer", "drugs", "education", "ethnic", "food",
    "fortunes", "goedel", "humorists", "kids", "knghtbrd", "law", "linux", "linuxcookie", "literature", "love",
    "magic", "medicine", "men-women", "miscellaneous", "news", "paradoxum", "people", "perl", "pets", "platitudes",
    "politics", "pratchett", "riddles", "science", "songs-poems", "sports", "startrek", "tao", "translate-me",
    "wisdom", "work", "zippy",
)
UNKNOWN = 0  # the id of every character the training part does not hold


def split_fortunes(text: str) -> list[str]:
    """The fortunes of one fortune database, whose entries are separated by lines holding only `%`."""
    fortunes, lines = [], []
    for line in text.split("\n") + ["%"]:
        if line != "%":
            lines.append(line)
            continue
        fortune = "\n".join(lines).strip("\n")  # blank lines around an entry; its indentation stays
        if fortune.strip():
            fortunes.append(fortune)
        lines = []
    return fortunes


def read_fortunes() -> str:
    """The default corpus: every fortune, separated by a blank line. The fortunes are shuffled once with a fixed
    seed because the split takes the text's tail: in file order, validation and test would be the last databases'
    topics (work, Zippy the Pinhead) and nothing like the training part."""
    if not FORTUNES.is_dir():
        raise ZooError(f"the default text corpus needs Debian's `fortunes` package ({FORTUNES} is missing): "
                       f"apt-get install fortunes, or give data.path=FILE")
    fortunes = [fortune for name in FORTUNE_FILES for fortune in split_fortunes(read_text(str(FORTUNES / name)))]
    random.Random(0).shuffle(fortunes)
    return "\n\n".join(fortunes)


class Characters:
    """The vocabulary: id 0 is UNKNOWN, ids 1.. the given characters in code-point order."""

    def __init__(self, characters: str):
        self.characters = "".join(sorted(set(characters)))
        # ids by code point, for a table look-up per character (about 10x faster than a dictionary's); code points past
        # the table are clamped to its last entry, which is UNKNOWN
        code_points = torch.tensor([ord(character) for character in self.characters], dtype=torch.long)
        self.ids_by_code_point = torch.full((max(map(ord, self.characters), default=0) + 2,), UNKNOWN)
        self.ids_by_code_point[code_points] = torch.arange(UNKNOWN + 1, len(self))

    def __len__(self):
        return len(self.characters) + 1

    def unknown(self, text: str) -> str:
        """The characters of `text` that the vocabulary lacks, each once."""
        return "".join(dict.fromkeys(character for character in text if character not in self.characters))

    def encode(self, text: str) -> torch.Tensor:
        code_points = torch.from_numpy(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64))
        return self.ids_by_code_point[code_points.clamp(max=len(self.ids_by_code_point) - 1)]

    def decode(self, ids: list[int]) -> str:
        # UNKNOWN is shown as the replacement character, so that a decoded text keeps one character per id
        return "".join(self.characters[index - 1] if index != UNKNOWN else "\ufffd" for index in ids)


class RandomWindows(EpochBatches):
    """`n_batches` batches of `batch_size` window starts drawn uniformly from range(n_starts), by (seed, epoch)."""

    def __init__(self, n_starts: int, batch_size: int, n_batches: int, seed: int):
        super().__init__(seed, shuffle=True, batch_size=batch_size)
        self.n_starts, self.n_batches = n_starts, n_batches

    def number_of_batches(self) -> int:
        return self.n_batches

    def training_batches(self) -> list[list[int]]:
        return torch.randint(self.n_starts, (self.n_batches, self.batch_size), generator=self.generator()).tolist()


def as_batch(windows: list[torch.Tensor]) -> dict:
    """Windows of length + 1 ids -> each position reads one character and predicts the next."""
    stacked = torch.stack(windows)
    return {"input": stacked[:, :-1], "target": stacked[:, 1:]}


class TextData(ZooDataModule):
    """Batches {"input": (B, length), "target": (B, length)} of character ids, the target shifted by one.

    Training batches are windows at random places of the training part, about one pass over its characters per
    epoch; validation and test are the consecutive, non-overlapping windows of their parts.
    """

    metric = "val/bpc"
    metric_mode = "min"

    def __init__(self, path: str | None, length: int, val_fraction: float, test_fraction: float, batch_size: int):
        super().__init__()
        check_fractions(val_fraction=val_fraction, test_fraction=test_fraction)
        if length < 1 or batch_size < 1:
            raise ZooError(f"data.length and data.batch_size must be >= 1, got {length}, {batch_size}")
        self.path, self.length, self.batch_size = path, length, batch_size
        self.val_fraction, self.test_fraction = val_fraction, test_fraction
        self.vocabulary: Characters | None = None
        self.ids: dict[str, torch.Tensor] = {}

    @property
    def source(self) -> str:
        return self.path or f"the fortunes in {FORTUNES}"

    def split(self, text: str) -> dict[str, str]:
        """Train, then validation, then test: the held-out parts are the text's tail, in its own order."""
        n_test, n_val = round(len(text) * self.test_fraction), round(len(text) * self.val_fraction)
        n_train = len(text) - n_val - n_test
        parts = {"train": text[:n_train], "val": text[n_train:n_train + n_val], "test": text[n_train + n_val:]}
        for name, part in parts.items():
            if len(part) < self.length + 1:
                raise ZooError(
                    f"{self.source}: too short: its {name} part holds {len(part)} of its {len(text)} characters, "
                    f"and data.length={self.length} needs at least {self.length + 1} in each of train, val and test"
                )
        return parts

    def setup(self, stage: str | None = None) -> None:
        if self.ids:
            return
        parts = self.split(read_text(self.path) if self.path else read_fortunes())
        if self.vocabulary is None:  # a checkpoint's own vocabulary wins (load_state_dict runs before setup)
            self.vocabulary = Characters(parts["train"])
        self.ids = {name: self.vocabulary.encode(part) for name, part in parts.items()}

    def task_arguments(self) -> dict:
        return {"vocab_size": len(self.vocabulary)}

    def baselines(self) -> dict[str, float]:
        """Bits per character on the test part of a unigram model: each character's frequency in the training
        part, plus one for every id (so a test character never seen in training costs finite bits)."""
        counts = torch.bincount(self.ids["train"], minlength=len(self.vocabulary)).double() + 1
        bits = -(counts / counts.sum()).log2()
        return {"test/unigram_bpc": float(bits[self.ids["test"]].mean())}

    def state_dict(self):
        return {"characters": self.vocabulary.characters} if self.vocabulary else {}

    def load_state_dict(self, state):
        if "characters" in state:
            self.vocabulary = Characters(state["characters"])

    def train_dataloader(self):
        windows = self.ids["train"].unfold(0, self.length + 1, 1)  # a view: window i starts at character i
        n_batches = max(1, len(self.ids["train"]) // (self.length * self.batch_size))
        sampler = RandomWindows(len(windows), self.batch_size, n_batches, self.shuffle_seed)
        return self.make_loader(windows, batch_sampler=sampler, collate_fn=as_batch)

    def _consecutive_loader(self, split: str) -> DataLoader:
        windows = self.ids[split].unfold(0, self.length + 1, self.length)  # targets overlap the next input by one
        batches = ShuffledBatches(len(windows), self.batch_size, shuffle=False)
        return self.make_loader(windows, batch_sampler=batches, collate_fn=as_batch)

    def val_dataloader(self):
        return self._consecutive_loader("val")

    def test_dataloader(self):
        return self._consecutive_loader("test")
