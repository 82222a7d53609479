"""A user's own labelled sequences (sensor recordings, ECG beats, gestures) to classify: a wide or long CSV / TSV
file, or a .ts file of sktime and the UEA archive (read by zoo/data/sequence_files.py).

Without a test file the recordings are split into training, validation and test, every class in proportion; with
one (data.test_path), it is the test split and validation is carved from the first file. Every channel is
z-normalised with statistics of the training recordings alone. Beside the model, two references that need no
training are scored on the same test split: the majority class, and the 1-nearest-neighbour classifier (DTW where
the data are small enough).
"""
from collections import Counter

import numpy as np

from zoo.data.base import check_fractions
from zoo.data.labelled_sequences import (LabelledSequenceData, LabelledSequences, class_order, standardise,
                                         stratified_split)
from zoo.data.nearest_neighbour import nearest_neighbour_error
from zoo.data.sequence_files import FORMATS, Recordings, read_recordings
from zoo.errors import ZooError


def check_classes(recordings: Recordings) -> None:
    """At least two classes, each with at least two recordings: one could not be in both training and a held-out
    split, and its place in a split would depend on rounding alone."""
    counts = Counter(recordings.labels)
    if len(counts) < 2:
        raise ZooError(f"{recordings.path}: every recording is of class {recordings.labels[0]!r}; a classifier "
                       f"needs at least two classes")
    for label, count in counts.items():
        if count == 1:
            line = recordings.lines[recordings.labels.index(label)]
            raise ZooError(f"{recordings.path}:{line}: the only recording of class {label!r}; a stratified split "
                           f"needs at least 2 of each class")


class SequencesData(LabelledSequenceData):
    """Batches {"input": (B, T, channels), "mask": (B, T) True at real steps (recordings of different lengths are
    right-padded), "label": (B,) class index}; `classes` names each index as the file does."""

    # a user's data set may be small, its validation split a handful of recordings whose accuracy moves in large
    # steps and soon stops telling checkpoints apart; the loss goes on telling them (as for UCR sets)
    metric = "val/loss"
    metric_mode = "min"

    def __init__(self, path: str, label_column: str | None, id_column: str | None, time_column: str | None,
                 channels: list | None, format: str, test_path: str | None, val_fraction: float,
                 test_fraction: float, split_seed: int, batch_size: int):
        super().__init__(batch_size)
        if format not in FORMATS:
            raise ZooError(f"data.format must be one of {', '.join(FORMATS)}, got {format}")
        if id_column is None and (time_column is not None or channels is not None):
            raise ZooError("data.time_column and data.channels are for the long format, one row per step: give "
                           "data.id_column too")
        check_fractions(val_fraction=val_fraction, test_fraction=test_fraction)
        self.path, self.test_path, self.format = path, test_path, format
        self.source = path
        self.label_column, self.id_column, self.time_column = label_column, id_column, time_column
        self.channels = channels
        self.val_fraction, self.test_fraction, self.split_seed = val_fraction, test_fraction, split_seed
        self.nearest_neighbour: dict[str, float] = {}

    def read(self, path: str) -> Recordings:
        return read_recordings(path, self.format, self.label_column, self.id_column, self.time_column, self.channels)

    def load_splits(self):
        recordings = self.read(self.path)
        check_classes(recordings)
        labels = np.array(recordings.labels)
        if self.test_path:
            test = self.read(self.test_path)
            channels, test_channels = recordings.sequences[0].shape[1], test.sequences[0].shape[1]
            if test_channels != channels:
                raise ZooError(f"{self.test_path}: recordings of {test_channels} channels, but those of {self.path} "
                               f"have {channels}")
            train, val = stratified_split(labels, (self.val_fraction,), self.split_seed)
            parts = [[recordings.sequences[i] for i in train], [recordings.sequences[i] for i in val], test.sequences]
            part_labels = [labels[train], labels[val], np.array(test.labels)]
        else:
            indices = stratified_split(labels, (self.val_fraction, self.test_fraction), self.split_seed)
            parts = [[recordings.sequences[i] for i in part] for part in indices]
            part_labels = [labels[part] for part in indices]
        classes = sorted(set(recordings.labels) | set(part_labels[2]), key=class_order)
        index = {name: i for i, name in enumerate(classes)}
        return classes, {
            split: LabelledSequences(sequences, np.array([index[label] for label in split_labels], dtype=int))
            for split, sequences, split_labels in zip(("train", "val", "test"), standardise(*parts), part_labels)
        }

    def baselines(self) -> dict[str, float]:
        if not self.nearest_neighbour:  # the test loop asks at the end of every test: DTW is computed once
            train, test = self.splits["train"], self.splits["test"]
            self.nearest_neighbour = nearest_neighbour_error(
                [sequence.double().numpy() for sequence in train.sequences], train.labels.numpy(),
                [sequence.double().numpy() for sequence in test.sequences], test.labels.numpy())
        return {**super().baselines(), **self.nearest_neighbour}
