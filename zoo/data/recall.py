"""Multi-query associative recall, as in the Zoology benchmark (Arora et al. 2023): `n_pairs` key-value pairs,
`lag` filler tokens, then `n_queries` of the shown keys, each followed by its value.

    input   k1 v1 k2 v2 .. kP vP  0 .. 0 (lag)  q1 a1 q2 a2 .. qQ
    target  (not scored)                        a1 .. a2 .. .. aQ

Each value is predicted where its query key is read (the value is the next token, as in Zoology); a query stands
at least lag + 1 steps after the last pair. Token 0 is the filler, keys are 1 .. vocab_size // 2 - 1 (distinct
within a sequence), values vocab_size // 2 .. vocab_size - 1 (drawn independently, so they may repeat); the
queries are distinct keys in random order.
"""
import torch

from zoo.data.probes import ProbeData, chance
from zoo.errors import ZooError
from zoo.tokens import IGNORE

FILLER = 0


class RecallData(ProbeData):
    """Batches {"input": (B, 2 * n_pairs + lag + 2 * n_queries - 1) token ids, "target": same shape, the value at
    each query, IGNORE elsewhere}."""

    metric = "val/accuracy"
    metric_mode = "max"

    def __init__(self, vocab_size: int, n_pairs: int, n_queries: int, lag: int, n_train: int, n_val: int,
                 n_test: int, batch_size: int, seed: int):
        super().__init__(n_train, n_val, n_test, batch_size, seed)
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
        self.vocab_size, self.n_pairs, self.n_queries, self.lag = vocab_size, n_pairs, n_queries, lag
        self.n_keys, self.n_values = n_keys, vocab_size - vocab_size // 2

    def generate(self, n, generator):
        keys = 1 + torch.rand(n, self.n_keys, generator=generator).argsort(1)[:, :self.n_pairs]
        values = self.vocab_size // 2 + torch.randint(self.n_values, (n, self.n_pairs), generator=generator)
        asked = torch.rand(n, self.n_pairs, generator=generator).argsort(1)[:, :self.n_queries]
        answers = values.gather(1, asked)
        pairs = torch.stack([keys, values], dim=2).flatten(1)
        queries = torch.stack([keys.gather(1, asked), answers], dim=2).flatten(1)[:, :-1]
        tokens = torch.cat([pairs, torch.full((n, self.lag), FILLER), queries], dim=1)
        target = torch.full_like(tokens, IGNORE)
        target[:, 2 * self.n_pairs + self.lag::2] = answers
        return {"input": tokens, "target": target}

    def task_arguments(self) -> dict:
        return {"vocab_size": self.vocab_size}

    def baselines(self) -> dict[str, float]:
        # values are drawn uniformly and independently of their keys: without recall no guess beats 1 / n_values
        return chance(self.n_values)
