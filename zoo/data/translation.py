"""German -> English sentence pairs (by default the Ding dictionary's example sentences, Debian's trans-de-en)."""
import logging
import random

import torch
from tokenizers import Tokenizer
from torch.utils.data import DataLoader

from zoo.data.base import ZooDataModule, check_fractions
from zoo.data.batching import LengthBatches, in_batches, pad_batch
from zoo.data.ibm_model1 import ibm_model1
from zoo.data.parallel_corpus import corpus_format, ding_phrase_pairs, read_parallel_corpus
from zoo.data.readings import first_reading, readings
from zoo.data.subwords import fit_bpe
from zoo.data.word_by_word import WordByWord, WordPairs
from zoo.errors import ZooError
from zoo.metrics import translation_scores
from zoo.tokens import BOS, EOS, PAD, SPECIAL_TOKENS, UNK

log = logging.getLogger(__name__)


def split_pairs(pairs, val_fraction, test_fraction, seed, max_pairs=None):
    """Shuffle once with `seed`, keep the first `max_pairs`, and cut into train / validation / test. Duplicates
    are dropped first, so no test pair is also a training pair."""
    unique = list(dict.fromkeys(pairs))
    random.Random(seed).shuffle(unique)
    unique = unique[:max_pairs]
    n_test, n_val = round(len(unique) * test_fraction), round(len(unique) * val_fraction)
    return unique[n_test + n_val:], unique[n_test:n_test + n_val], unique[:n_test]


class SampledLengthBatches(LengthBatches):
    """LengthBatches over the first `always` indices and, each epoch, `sampled` more drawn afresh from the rest:
    a large pool of extra pairs (the dictionary's) mixed in at a fixed cost per epoch."""

    def __init__(self, lengths: list[int], batch_size: int, always: int, sampled: int, seed: int = 0):
        super().__init__(lengths, batch_size, shuffle=True, seed=seed)
        self.always, self.sampled = always, min(sampled, len(lengths) - always)

    def number_of_batches(self) -> int:
        return -(-(self.always + self.sampled) // self.batch_size)

    def training_batches(self) -> list[list[int]]:
        generator = self.generator()
        extra = (self.always + torch.randperm(len(self.lengths) - self.always, generator=generator)[:self.sampled])
        chosen = torch.cat([torch.arange(self.always), extra])
        order = chosen[torch.randperm(len(chosen), generator=generator)].tolist()
        batches = []
        for pool in in_batches(order, 50 * self.batch_size):
            batches += in_batches(sorted(pool, key=self.lengths.__getitem__), self.batch_size)
        return [batches[index] for index in torch.randperm(len(batches), generator=generator).tolist()]


class TranslationData(ZooDataModule):
    """Batches {"source": (B, S), "target": (B, T), "index": (B,)}: source ends in [EOS], target is
    [BOS] ... [EOS]; `index` points into the split's text pairs and their references (`references[split]`, what
    BLEU is scored against). A Ding target that writes alternatives inline ("a short/long illness") is several
    references, and training reads its first (zoo/data/readings.py); a TSV target is one reference as written."""

    metric = "val/loss"

    def __init__(self, path: str, format: str, source_column: int, target_column: int, max_pairs: int | None,
                 max_tokens: int, vocab_size: int, batch_size: int, val_fraction: float, test_fraction: float,
                 split_seed: int, dictionary_pairs: int, token_dropout: float, label_smoothing: float, gloss: bool,
                 gloss_folds: int, dictionary_in_lexicon: bool):
        super().__init__()
        if dictionary_pairs < 0:
            raise ZooError(f"data.dictionary_pairs must be >= 0, got {dictionary_pairs}")
        if not 0.0 <= token_dropout < 1.0 or not 0.0 <= label_smoothing < 1.0:
            raise ZooError(f"data.token_dropout and data.label_smoothing must be in [0, 1), "
                           f"got {token_dropout}, {label_smoothing}")
        if gloss_folds < 1:
            raise ZooError(f"data.gloss_folds must be >= 1, got {gloss_folds}")
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
        self.dictionary_pairs, self.token_dropout, self.label_smoothing = dictionary_pairs, token_dropout, label_smoothing
        self.gloss, self.gloss_folds, self.dictionary_in_lexicon = gloss, gloss_folds, dictionary_in_lexicon
        self.tokenizer: Tokenizer | None = None
        self.pairs: dict[str, list[tuple[str, str]]] = {}  # as read; training's targets are their first readings
        self.references: dict[str, list[list[str]]] = {}  # of the validation and test pairs
        self.word_by_word: dict[str, list[str]] = {}  # the word-by-word baseline's translation of each pair
        self.word_pairs: WordPairs | None = None  # what word by word's lexicons learn from, read once
        self.word_by_word_model: WordByWord | None = None
        self.dictionary: list[tuple[str, str]] = []  # the word and phrase pairs training and the lexicon may read
        self.encoded: dict[str, list[tuple[list[int], list[int]]]] = {}

    def setup(self, stage: str | None = None) -> None:
        if self.encoded:
            return
        pairs = read_parallel_corpus(self.path, self.format, self.source_column, self.target_column)
        train, val, test = split_pairs(pairs, self.val_fraction, self.test_fraction, self.split_seed,
                                       self.max_pairs)
        if min(len(train), len(val), len(test)) == 0:
            raise ZooError(f"{self.path}: {len(pairs)} pairs are too few to split into train, validation and test")
        inline_alternatives = corpus_format(self.path, self.format) == "ding"
        if inline_alternatives:
            train = [(source, first_reading(target)) for source, target in train]
        if self.tokenizer is None:  # a checkpoint's own vocabulary wins (load_state_dict runs before setup)
            self.tokenizer = fit_bpe((text for pair in train for text in pair), self.vocab_size)
        self.pairs = {"train": train, "val": val, "test": test}
        self.references = {split: [readings(target) if inline_alternatives else [target] for _, target in pairs]
                           for split, pairs in (("val", val), ("test", test))}  # scoring reads held-out splits only
        if self.reads_dictionary():
            held_out = {text for pair in val + test for text in pair}
            in_train = set(train)
            self.dictionary = [pair for pair in ding_phrase_pairs(self.path, held_out) if pair not in in_train]
        self.encoded = {split: self.encode(pairs, self.glosses(split)) for split, pairs in self.pairs.items()}
        self.encoded["train"] = self.short_enough(self.encoded["train"])
        if not self.encoded["train"]:
            raise ZooError(f"{self.path}: every training pair is longer than data.max_tokens={self.max_tokens} "
                           f"subword tokens; raise data.max_tokens")
        self.sentences_in_train = len(self.encoded["train"])
        if self.dictionary_pairs and self.dictionary:
            # the dictionary's words and phrases follow the sentences; an epoch draws dictionary_pairs of them
            glosses = [self.word_by_word_lexicon().translate(source) for source, _ in self.dictionary] \
                if self.gloss else None  # no lexicon learnt from these pairs' targets: nothing to hold out
            self.encoded["train"] += self.short_enough(self.encode(self.dictionary, glosses))

    def reads_dictionary(self) -> bool:
        """Whether training draws the dictionary's word and phrase pairs (data.dictionary_pairs) or word by word's
        lexicon learns from them (data.dictionary_in_lexicon): only a Ding dictionary has them (a TSV corpus has
        none), and a quick run on max_pairs sentences skips them, which reading 200k dictionary lines would slow
        tenfold."""
        if not (self.dictionary_pairs or self.dictionary_in_lexicon) or self.max_pairs is not None:
            return False
        if corpus_format(self.path, self.format) != "ding":
            log.info("data.dictionary_pairs, data.dictionary_in_lexicon: %s is not a Ding dictionary; only its "
                     "sentence pairs are read", self.path)
            return False
        return True

    def short_enough(self, encoded):
        limit = self.max_tokens + 2
        return [(source, target) for source, target in encoded
                if len(target) <= limit and len(source) <= limit * (2 if self.gloss else 1)]

    def encode(self, pairs, glosses: list[str] | None):
        """Source ids ending in [EOS] (followed by the gloss's, ending in [EOS], where glosses are given), and target
        ids between [BOS] and [EOS]."""
        sources = self.tokenizer.encode_batch([source for source, _ in pairs])
        targets = self.tokenizer.encode_batch([target for _, target in pairs])
        encoded = [(s.ids + [EOS], [BOS] + t.ids + [EOS]) for s, t in zip(sources, targets)]
        if glosses is None:
            return encoded
        glosses = self.tokenizer.encode_batch(glosses)
        return [(source + gloss.ids + [EOS], target) for (source, target), gloss in zip(encoded, glosses)]

    def glosses(self, split: str) -> list[str] | None:
        """Under data.gloss, the word-by-word translation that follows each source: word by word's own. With
        data.gloss_folds > 1, a training pair's comes instead from the lexicon learnt without the pair's fold, as a
        held-out pair's comes from a lexicon that never saw it: a lexicon glosses the sentences it learnt from better
        (unigram precision 55% against 45% on the default split)."""
        if not self.gloss:
            return None
        train = self.pairs["train"]
        folds = min(self.gloss_folds, len(train))
        if split != "train" or folds == 1:
            return self.word_by_word_translations(split)
        glosses = [""] * len(train)
        everything = range(len(self.lexicon_pairs().ids))  # the training sentences first, then any dictionary pairs
        for fold in range(folds):
            lexicon = self.lexicon_pairs().word_by_word([i for i in everything if i >= len(train) or i % folds != fold])
            for index in range(fold, len(train), folds):
                glosses[index] = lexicon.translate(train[index][0])
        return glosses

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def lexicon_pairs(self) -> WordPairs:
        """What word by word's lexicons learn from: the training sentences, and under data.dictionary_in_lexicon the
        dictionary's word and phrase pairs after them."""
        if self.word_pairs is None:
            self.word_pairs = WordPairs(self.pairs["train"] + (self.dictionary if self.dictionary_in_lexicon else []))
        return self.word_pairs

    def word_by_word_lexicon(self) -> WordByWord:
        """IBM Model 1's word lexicon of the training sentences (zoo/data/word_by_word.py), and of the dictionary's
        word and phrase pairs under data.dictionary_in_lexicon."""
        if self.word_by_word_model is None:
            self.word_by_word_model = self.lexicon_pairs().word_by_word()
        return self.word_by_word_model

    def word_by_word_translations(self, split: str) -> list[str]:
        if split not in self.word_by_word:
            self.word_by_word[split] = [self.word_by_word_lexicon().translate(source)
                                        for source, _ in self.pairs[split]]
        return self.word_by_word[split]

    def baselines(self) -> dict[str, float]:
        """On the test split: word-by-word translation's BLEU (with its brevity penalty and precisions) and chrF, and
        the BLEU and chrF of the source copied unchanged (names and numbers score)."""
        references = self.references["test"]
        found = {f"test/word_by_word_{metric}": value for metric, value
                 in translation_scores(self.word_by_word_translations("test"), references).items()}
        copied = translation_scores([source for source, _ in self.pairs["test"]], references)
        found.update({f"test/copy_source_{metric}": copied[metric] for metric in ("bleu", "chrf")})
        return found

    def token_lexicon(self) -> torch.Tensor:
        """IBM Model 1's t(target token | source token) over the subword tokens of the training pairs (dictionary
        pairs included where training draws them): a (vocabulary, vocabulary) table, one row per source token.
        [PAD] stands for the empty source token in EM and has a row of zeros."""
        size = self.tokenizer.get_vocab_size()
        # the source's [EOS] is a token like any other: t([EOS] | [EOS]) is how the bias learns where to stop
        sources, targets, probabilities = ibm_model1([(source, target[1:]) for source, target in self.encoded["train"]],
                                                     empty=PAD)
        table = torch.zeros(size, size)
        table[torch.from_numpy(sources), torch.from_numpy(targets)] = torch.from_numpy(probabilities).float()
        table[PAD] = 0.0  # the empty token explains words no source token does; it is not in any source
        return table

    def task_arguments(self) -> dict:
        return {"vocab_size": self.tokenizer.get_vocab_size(), "label_smoothing": self.label_smoothing}

    def state_dict(self):
        return {"tokenizer": self.tokenizer.to_str()} if self.tokenizer else {}

    def load_state_dict(self, state):
        if "tokenizer" in state:
            self.tokenizer = Tokenizer.from_str(state["tokenizer"])

    def loader(self, split: str, shuffle: bool) -> DataLoader:
        encoded = self.encoded[split]
        lengths = [len(source) + len(target) for source, target in encoded]

        def collate(indices):
            source = pad_batch([encoded[i][0] for i in indices], PAD)
            if split == "train" and self.token_dropout:
                # word dropout on the source (Sennrich & Zhang 2019): the model cannot lean on every word being there
                dropped = (torch.rand(source.shape) < self.token_dropout) & (source > UNK)
                source = source.masked_fill(dropped, UNK)
            return {
                "source": source,
                "target": pad_batch([encoded[i][1] for i in indices], PAD),
                "index": torch.tensor(indices),
            }

        if split == "train" and len(encoded) > self.sentences_in_train:
            sampler = SampledLengthBatches(lengths, self.batch_size, self.sentences_in_train, self.dictionary_pairs,
                                           seed=self.shuffle_seed)
        else:
            sampler = LengthBatches(lengths, self.batch_size, shuffle=shuffle, seed=self.shuffle_seed)
        return self.make_loader(range(len(encoded)), batch_sampler=sampler, collate_fn=collate)
