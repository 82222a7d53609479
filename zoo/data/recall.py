"""Multi-query associative recall, as in the Zoology benchmark (Arora et al. 2023): `n_pairs` key-value pairs,
filler tokens, then `n_queries` of the shown keys, each followed by its value (or, with show_answers=false, as in
Zoology, by a filler).

    input   k1 v1 k2 v2 .. kP vP  0 .. 0 (gap)  q1 a1 q2 a2 .. qQ     (show_answers=false: q1 0 q2 0 .. qQ)
    target  (not scored)                        a1 .. a2 .. .. aQ

Each value is predicted where its query key is read (the value is the next token, as in Zoology); a query stands
at least lag + 1 steps after the last pair. The gap is `lag` fillers, or, where `length` is set (Zoology's sequence
length), as many as make the sequence that long. Token 0 is the filler, keys are 1 .. vocab_size // 2 - 1 (distinct
within a sequence), values vocab_size // 2 .. vocab_size - 1 (drawn independently, so they may repeat); the queries
are distinct keys in random order.

Shown answers let a model that recalls nothing rule out the values already answered: when every key is asked,
guessing among the values not yet answered scores about (1 + 1/2 + .. + 1/n_pairs) / n_pairs (0.52 for 4 pairs),
far above chance. Hidden, only recall beats chance.
"""
import torch

from zoo.data.probes import ProbeData, chance
from zoo.errors import ZooError
from zoo.tokens import IGNORE

FILLER = 0
# random numbers drawn at once to choose the keys (16 MiB): a vocabulary of 8192 and 100k sequences would need 1.6 GiB
KEY_DRAW_CHUNK = 2 ** 22


class RecallData(ProbeData):
    """Batches {"input": (B, 2 * n_pairs + lag + 2 * n_queries - 1) token ids, "target": same shape, the value at
    each query, IGNORE elsewhere}."""

    metric = "val/accuracy"
    metric_mode = "max"

    def __init__(self, vocab_size: int, n_pairs: int, n_queries: int, lag: int, length: int | None,
                 show_answers: bool, n_train: int, n_val: int, n_test: int, batch_size: int, seed: int, fresh: bool):
        super().__init__(n_train, n_val, n_test, batch_size, seed, fresh)
        n_keys = vocab_size // 2 - 1
        if n_pairs < 1:
            raise ZooError(f"data.n_pairs must be >= 1, got {n_pairs}")
        if n_pairs > n_keys:
            raise ZooError(
                f"data.vocab_size={vocab_size} holds {max(n_keys, 0)} keys, too few for data.n_pairs={n_pairs} "
                f"distinct keys: vocab_size must be >= {2 * (n_pairs + 1)}"
            )
        if not 1 <= n_queries <= n_pairs:
            raise ZooError(f"data.n_queries must be in [1, n_pairs={n_pairs}], got {n_queries}")
        if lag < 0:
            raise ZooError(f"data.lag must be >= 0, got {lag}")
        needed = 2 * n_pairs + lag + 2 * n_queries - 1
        if length is not None and length < needed:
            raise ZooError(f"data.length={length} cannot hold {n_pairs} pairs, a lag of {lag} and {n_queries} "
                           f"queries: it must be >= {needed}")
        self.vocab_size, self.n_pairs, self.n_queries, self.show_answers = vocab_size, n_pairs, n_queries, show_answers
        self.gap = lag if length is None else length - needed + lag
        self.n_keys, self.n_values = n_keys, vocab_size - vocab_size // 2

    def generate(self, n, generator):
        keys = 1 + self.distinct_keys(n, generator)
        values = self.vocab_size // 2 + torch.randint(self.n_values, (n, self.n_pairs), generator=generator)
        asked = torch.rand(n, self.n_pairs, generator=generator).argsort(1)[:, :self.n_queries]
        answers = values.gather(1, asked)
        pairs = torch.stack([keys, values], dim=2).flatten(1)
        after = answers if self.show_answers else torch.full_like(answers, FILLER)
        queries = torch.stack([keys.gather(1, asked), after], dim=2).flatten(1)[:, :-1]
        tokens = torch.cat([pairs, torch.full((n, self.gap), FILLER), queries], dim=1)
        target = torch.full_like(tokens, IGNORE)
        target[:, 2 * self.n_pairs + self.gap::2] = answers
        return {"input": tokens, "target": target}

    def distinct_keys(self, n, generator):
        """(n, n_pairs) distinct key indices per row, uniform: the n_pairs smallest of n_keys uniform numbers,
        drawn a chunk of rows at a time (the same numbers as in one draw)."""
        rows = max(1, KEY_DRAW_CHUNK // self.n_keys)
        return torch.cat([
            torch.rand(min(rows, n - start), self.n_keys, generator=generator)
            .topk(self.n_pairs, dim=1, largest=False).indices
            for start in range(0, n, rows)])

    def task_arguments(self) -> dict:
        return {"vocab_size": self.vocab_size}

    def baselines(self) -> dict[str, float]:
        # values are drawn uniformly and independently of their keys: with the answers hidden, no guess without
        # recall beats 1 / n_values; shown, ruling out the values already answered does (see the module's note)
        return chance(self.n_values)
