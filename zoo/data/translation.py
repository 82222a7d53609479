"""German -> English sentence pairs (by default the Ding dictionary's example sentences, Debian's trans-de-en)."""
import random

import torch
from tokenizers import Tokenizer
from torch.utils.data import DataLoader

from zoo.data.base import ZooDataModule, check_fractions
from zoo.data.batching import LengthBatches, pad_batch
from zoo.data.parallel_corpus import read_parallel_corpus
from zoo.data.subwords import BOS, EOS, PAD, SPECIAL_TOKENS, fit_bpe
from zoo.errors import ZooError


def split_pairs(pairs, val_fraction, test_fraction, seed, max_pairs=None):
    """Shuffle once with `seed`, keep the first `max_pairs`, and cut into train / validation / test. Duplicates
    are dropped first, so no test pair is also a training pair."""
    unique = list(dict.fromkeys(pairs))
    random.Random(seed).shuffle(unique)
    unique = unique[:max_pairs]
    n_test, n_val = round(len(unique) * test_fraction), round(len(unique) * val_fraction)
    return unique[n_test + n_val:], unique[n_test:n_test + n_val], unique[:n_test]


class TranslationData(ZooDataModule):
    """Batches {"source": (B, S), "target": (B, T), "index": (B,)}: source ends in [EOS], target is
    [BOS] ... [EOS]; `index` points into the split's raw text pairs (the references BLEU is scored against)."""

    task = "zoo.tasks.translation.TranslationTask"
    metric = "val/loss"

    def __init__(self, path: str, format: str, source_column: int, target_column: int, max_pairs: int | None,
                 max_tokens: int, vocab_size: int, batch_size: int, val_fraction: float, test_fraction: float,
                 split_seed: int):
        super().__init__()
        check_fractions(val_fraction=val_fraction, test_fraction=test_fraction)
        if batch_size < 1 or max_tokens < 1 or vocab_size <= len(SPECIAL_TOKENS):
            raise ZooError(
                f"data.batch_size and data.max_tokens must be >= 1 and data.vocab_size > 4, "
                f"got {batch_size}, {max_tokens}, {vocab_size}"
            )
        self.path, self.format = path, format
        self.source_column, self.target_column = source_column, target_column
        self.max_pairs, self.max_tokens, self.vocab_size = max_pairs, max_tokens, vocab_size
        self.batch_size = batch_size
        self.val_fraction, self.test_fraction, self.split_seed = val_fraction, test_fraction, split_seed
        self.tokenizer: Tokenizer | None = None
        self.pairs: dict[str, list[tuple[str, str]]] = {}
        self.encoded: dict[str, list[tuple[list[int], list[int]]]] = {}

    def setup(self, stage: str | None = None) -> None:
        if self.encoded:
            return
        pairs = read_parallel_corpus(self.path, self.format, self.source_column, self.target_column)
        train, val, test = split_pairs(pairs, self.val_fraction, self.test_fraction, self.split_seed,
                                       self.max_pairs)
        if min(len(train), len(val), len(test)) == 0:
            raise ZooError(f"{self.path}: {len(pairs)} pairs are too few to split into train, validation and test")
        if self.tokenizer is None:  # a checkpoint's own vocabulary wins (load_state_dict runs before setup)
            self.tokenizer = fit_bpe((text for pair in train for text in pair), self.vocab_size)
        self.pairs = {"train": train, "val": val, "test": test}
        self.encoded = {split: self.encode(pairs) for split, pairs in self.pairs.items()}
        self.encoded["train"] = [
            pair for pair in self.encoded["train"] if max(map(len, pair)) <= self.max_tokens + 2
        ]
        if not self.encoded["train"]:
            raise ZooError(f"{self.path}: every training pair is longer than data.max_tokens={self.max_tokens} "
                           f"subword tokens; raise data.max_tokens")

    def encode(self, pairs):
        sources = self.tokenizer.encode_batch([source for source, _ in pairs])
        targets = self.tokenizer.encode_batch([target for _, target in pairs])
        return [(s.ids + [EOS], [BOS] + t.ids + [EOS]) for s, t in zip(sources, targets)]

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def task_arguments(self) -> dict:
        return {"vocab_size": self.tokenizer.get_vocab_size()}

    def state_dict(self):
        return {"tokenizer": self.tokenizer.to_str()} if self.tokenizer else {}

    def load_state_dict(self, state):
        if "tokenizer" in state:
            self.tokenizer = Tokenizer.from_str(state["tokenizer"])

    def loader(self, split: str, shuffle: bool) -> DataLoader:
        encoded = self.encoded[split]
        lengths = [len(source) + len(target) for source, target in encoded]

        def collate(indices):
            return {
                "source": pad_batch([encoded[i][0] for i in indices], PAD),
                "target": pad_batch([encoded[i][1] for i in indices], PAD),
                "index": torch.tensor(indices),
            }

        sampler = LengthBatches(lengths, self.batch_size, shuffle=shuffle, seed=self.shuffle_seed)
        return self.make_loader(range(len(encoded)), batch_sampler=sampler, collate_fn=collate)
