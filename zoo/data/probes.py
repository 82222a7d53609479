"""What the generated long-range probes (copy, adding, recall) share: examples drawn from the probe's own seed,
held as tensors, served in batches.

Each split has a random stream of its own, derived from `seed` alone: the run's seed (model initialisation,
batch order) can vary while the data stays the same, and a larger n_train leaves validation and test untouched.
"""
import math

import torch
from torch.utils.data import DataLoader

from zoo.data.base import ZooDataModule
from zoo.data.batching import ShuffledBatches
from zoo.errors import ZooError

SPLITS = ("train", "val", "test")


def chance(n_answers: int) -> dict[str, float]:
    """What guessing among `n_answers` equally likely answers scores, under the names the language-model task logs:
    the cross-entropy of a model that remembers nothing, in nats and in bits, and its accuracy."""
    return {"loss": math.log(n_answers), "bpc": math.log2(n_answers), "accuracy": 1 / n_answers}


class ProbeData(ZooDataModule):
    """A probe generates `generate(n, generator)`: a dict of tensors with the n examples first, exactly the
    batches its task reads."""

    solvable = True

    def __init__(self, n_train: int, n_val: int, n_test: int, batch_size: int, seed: int):
        super().__init__()
        for name, value in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test), ("batch_size", batch_size)):
            if value < 1:
                raise ZooError(f"data.{name} must be >= 1, got {value}")
        self.sizes = dict(zip(SPLITS, (n_train, n_val, n_test)))
        self.batch_size, self.seed = batch_size, seed
        self.splits: dict[str, dict[str, torch.Tensor]] = {}
        # the run's seed, set before the data module is built: every architecture run with it sees the same batches

    def generate(self, n: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        if self.splits:
            return
        for index, split in enumerate(SPLITS):
            # seed * 3 + index: a distinct stream per (seed, split), so no two splits or seeds share one
            generator = torch.Generator().manual_seed(self.seed * len(SPLITS) + index)
            self.splits[split] = self.generate(self.sizes[split], generator)

    def loader(self, split: str, shuffle: bool) -> DataLoader:
        examples = self.splits[split]

        def collate(indices):
            return {name: tensor[indices] for name, tensor in examples.items()}

        batches = ShuffledBatches(self.sizes[split], self.batch_size, shuffle, seed=self.shuffle_seed)
        return self.make_loader(range(self.sizes[split]), batch_sampler=batches, collate_fn=collate)
