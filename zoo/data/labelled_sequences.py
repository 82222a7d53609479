"""What every sequence-classification data set shares: a stratified split, class indices 0..C-1 with their names,
and right-padded batches with the padding mask that ClassificationTask averages over."""
import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import DataLoader

from zoo.data.base import ZooDataModule
from zoo.data.batching import LengthBatches
from zoo.errors import ZooError


def stratified_split(labels: np.ndarray, fractions: tuple[float, ...], seed: int) -> list[np.ndarray]:
    """Sorted index arrays [rest, part 1, part 2, ...]: each part takes round(fraction * n) cases of every class,
    so that small validation sets still hold every class in proportion. Fixed by `seed`."""
    generator = np.random.default_rng(seed)
    parts = [[] for _ in fractions]
    for label in np.unique(labels):
        members = generator.permutation(np.flatnonzero(labels == label))
        start = 0
        for part, fraction in zip(parts, fractions):
            size = round(len(members) * fraction)
            part.extend(members[start:start + size])
            start += size
    held_out = [np.sort(np.array(part, dtype=int)) for part in parts]
    rest = np.setdiff1d(np.arange(len(labels)), np.concatenate(held_out))
    return [rest, *held_out]


def class_order(name: str):
    """Numeric class names in numeric order ("2" before "10"), any others after them in text order."""
    try:
        return 0, float(name), ""
    except ValueError:
        return 1, 0.0, name


def standardise(train: list[np.ndarray], *others: list[np.ndarray]) -> list[list[np.ndarray]]:
    """Every split z-normalised per channel with the mean and deviation of the real steps of `train` alone, so that
    nothing of the validation or test cases leaks into what the model sees in training."""
    steps = np.concatenate(train)
    mean, deviation = steps.mean(0), steps.std(0)
    deviation[deviation == 0] = 1.0  # a constant channel stays constant instead of dividing by zero
    return [[(sequence - mean) / deviation for sequence in split] for split in (train, *others)]


class LabelledSequences:
    """Sequences of (length, features) float values, each with a class index."""

    def __init__(self, sequences: list[np.ndarray], labels: np.ndarray):
        self.sequences = [torch.as_tensor(sequence, dtype=torch.float32) for sequence in sequences]
        self.labels = torch.as_tensor(labels, dtype=torch.long)

    def __len__(self):
        return len(self.labels)

    def lengths(self) -> list[int]:
        return [len(sequence) for sequence in self.sequences]

    def collate(self, indices: list[int]) -> dict:
        batch = [self.sequences[i] for i in indices]
        lengths = torch.tensor([len(sequence) for sequence in batch])
        values = pad_sequence(batch, batch_first=True)
        return {
            "input": values,
            "mask": torch.arange(values.shape[1]) < lengths[:, None],
            "label": self.labels[indices],
        }


class LabelledSequenceData(ZooDataModule):
    """A classification data set: subclasses read their source in `load_splits`; the rest is here."""

    metric = "val/accuracy"
    metric_mode = "max"
    source = "data"  # what an error about the cases names: the user's file, where they come from one

    def __init__(self, batch_size: int):
        super().__init__()
        if batch_size < 1:
            raise ZooError(f"data.batch_size must be >= 1, got {batch_size}")
        self.batch_size = batch_size
        self.classes: list[str] = []  # class index -> the source's own name for it
        self.splits: dict[str, LabelledSequences] = {}

    def load_splits(self) -> tuple[list[str], dict[str, LabelledSequences]]:
        """The class names and the train / val / test splits."""
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        if self.splits:
            return
        classes, splits = self.load_splits()
        sizes = {split: len(data) for split, data in splits.items()}
        if min(sizes.values()) == 0:
            raise ZooError(f"{self.source}: a split came out empty ({sizes} cases): raise its fraction")
        self.classes, self.splits = classes, splits

    def task_arguments(self) -> dict:
        return {"n_features": self.splits["train"].sequences[0].shape[-1], "n_classes": len(self.classes)}

    def described(self) -> dict:
        return {"classes": self.classes}

    def baselines(self) -> dict[str, float]:
        """Always answering the most common training class: the error no learning at all achieves."""
        majority = torch.bincount(self.splits["train"].labels, minlength=len(self.classes)).argmax()
        return {"test/majority_class_error": (self.splits["test"].labels != majority).float().mean().item()}

    def loader(self, split: str, shuffle: bool) -> DataLoader:
        data = self.splits[split]
        # batches of similar length: a recurrence pays for every padded step
        sampler = LengthBatches(data.lengths(), self.batch_size, shuffle=shuffle, seed=self.shuffle_seed)
        return self.make_loader(range(len(data)), batch_sampler=sampler, collate_fn=data.collate)
