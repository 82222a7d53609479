"""What the generated long-range probes (copy, adding, recall) share: examples drawn from the probe's own seed,
held as tensors, served in batches.

Each split has a random stream of its own, derived from `seed` alone: the run's seed (model initialisation,
batch order) can vary while the data stays the same, and a larger n_train leaves validation and test untouched.
With `fresh`, training draws a new set of n_train examples every epoch, from a stream of (seed, epoch) alone (the
first epoch's is the fixed set's), so that a model cannot pass by memorising a few thousand sequences, and a run
stays reproducible and resumable.
"""
import math

import numpy
import torch
from torch.utils.data import DataLoader, Dataset

from zoo.data.base import ZooDataModule
from zoo.data.batching import EpochNumberedBatches, ShuffledBatches
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

    def __init__(self, n_train: int, n_val: int, n_test: int, batch_size: int, seed: int, fresh: bool):
        super().__init__()
        for name, value in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test), ("batch_size", batch_size)):
            if value < 1:
                raise ZooError(f"data.{name} must be >= 1, got {value}")
        self.sizes = dict(zip(SPLITS, (n_train, n_val, n_test)))
        self.batch_size, self.seed, self.fresh = batch_size, seed, fresh
        self.splits: dict[str, dict[str, torch.Tensor]] = {}
        # the run's seed, set before the data module is built: every architecture run with it sees the same batches

    def generate(self, n: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def stream(self, split: str, epoch: int = 0) -> torch.Generator:
        """The random stream of a split; for fresh training data, of one epoch's training set."""
        index = SPLITS.index(split)
        if epoch == 0:
            # seed * 3 + index: a distinct stream per (seed, split), so no two splits or seeds share one
            return torch.Generator().manual_seed(self.seed * len(SPLITS) + index)
        # the later epochs of fresh training data: 64-bit seeds mixed from (seed, split, epoch), which meet
        # none of the small ones above
        high, low = numpy.random.SeedSequence([self.seed, index, epoch]).generate_state(2)
        return torch.Generator().manual_seed(int(high) << 32 | int(low))

    def draw(self, split: str, epoch: int = 0) -> dict[str, torch.Tensor]:
        return self.generate(self.sizes[split], self.stream(split, epoch))

    def setup(self, stage: str | None = None) -> None:
        if self.splits:
            return
        self.splits = {split: self.draw(split) for split in SPLITS}

    def loader(self, split: str, shuffle: bool) -> DataLoader:
        size = self.sizes[split]
        if self.fresh and split == "train":
            batches = EpochNumberedBatches(size, self.batch_size, shuffle, seed=self.shuffle_seed)
            return self.make_loader(FreshEpochs(self), batch_sampler=batches, collate_fn=as_drawn)
        examples = self.splits[split]

        def collate(indices):
            return {name: tensor[indices] for name, tensor in examples.items()}

        batches = ShuffledBatches(size, self.batch_size, shuffle, seed=self.shuffle_seed)
        return self.make_loader(range(size), batch_sampler=batches, collate_fn=collate)


def as_drawn(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """FreshEpochs hands over whole batches: nothing is left to collate."""
    return batch


class FreshEpochs(Dataset):
    """A probe's training examples, a new set every epoch: index epoch * n_train + i (EpochNumberedBatches) is
    example i of that epoch's set, drawn when its first batch is asked for. One epoch's set is held at a time."""

    def __init__(self, probe: ProbeData):
        self.probe, self.size = probe, probe.sizes["train"]
        self.epoch, self.examples = 0, probe.splits["train"]

    def __len__(self) -> int:
        return self.size

    def __getitems__(self, indices: list[int]) -> dict[str, torch.Tensor]:
        epoch = indices[0] // self.size
        if epoch != self.epoch:
            self.epoch, self.examples = epoch, self.probe.draw("train", epoch)
        rows = torch.tensor(indices) - epoch * self.size
        return {name: tensor[rows] for name, tensor in self.examples.items()}
