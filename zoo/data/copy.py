"""The copy-memory task (Hochreiter & Schmidhuber 1997; in this form Arjovsky et al. 2016): read `length` symbols,
wait `lag` blank steps, see the cue, then emit the symbols in order while reading blanks.

    input   s1 .. sL  _ .. _ (lag)  CUE  _ .. _ (L - 1)
    target  (not scored, L + lag)   s1   s2 .. sL

Each symbol is emitted length + lag steps after it was read. Blanks, not the emitted symbols, follow the cue, so
the model cannot find its place by matching what it just said against the input: it must hold all L symbols.
"""
import torch

from zoo.data.probes import ProbeData, chance
from zoo.errors import ZooError
from zoo.tokens import IGNORE


class CopyData(ProbeData):
    """Batches {"input": (B, 2 * length + lag) token ids, "target": same shape, IGNORE before the cue}. Symbols are
    tokens 0 .. n_symbols - 1, then the blank and the cue."""

    metric = "val/loss"

    def __init__(self, n_symbols: int, length: int, lag: int, n_train: int, n_val: int, n_test: int,
                 batch_size: int, seed: int, fresh: bool):
        super().__init__(n_train, n_val, n_test, batch_size, seed, fresh)
        if n_symbols < 2:
            raise ZooError(f"data.n_symbols must be >= 2 (one symbol needs no memory), got {n_symbols}")
        if length < 1:
            raise ZooError(f"data.length must be >= 1, got {length}")
        if lag < 0:
            raise ZooError(f"data.lag must be >= 0, got {lag}")
        self.n_symbols, self.length, self.lag = n_symbols, length, lag
        self.blank, self.cue = n_symbols, n_symbols + 1

    def generate(self, n, generator):
        symbols = torch.randint(self.n_symbols, (n, self.length), generator=generator)
        tokens = torch.cat([
            symbols,
            torch.full((n, self.lag), self.blank),
            torch.full((n, 1), self.cue),
            torch.full((n, self.length - 1), self.blank),
        ], dim=1)
        target = torch.cat([torch.full((n, self.length + self.lag), IGNORE), symbols], dim=1)
        return {"input": tokens, "target": target}

    def task_arguments(self) -> dict:
        return {"vocab_size": self.n_symbols + 2}

    def baselines(self) -> dict[str, float]:
        # symbols are drawn uniformly and independently: without memory no guess beats 1 / n_symbols
        return chance(self.n_symbols)
