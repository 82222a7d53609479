"""Time series classification sets of the UCR (univariate) and UEA (multivariate) archives that sktime bundles.

The archive's own train / test split is kept, so results compare with the published ones; validation is carved
from the training split. Every channel is z-normalised with statistics of the training cases alone.
"""
import numpy as np
from sktime.datasets import load_UCR_UEA_dataset

from zoo.data.base import check_fractions
from zoo.data.labelled_sequences import (LabelledSequenceData, LabelledSequences, class_order, standardise,
                                         stratified_split)
from zoo.errors import ZooError

# Published test error of 1-nearest-neighbour DTW on the archive's split, the reference every method is read against.
DTW_1NN_ERROR = {
    # UCR, univariate: the "DTW (w=100)" column (full warping window) of DataSummary.csv in Dau et al., "The UCR Time
    # Series Classification Archive" (2018), https://www.cs.ucr.edu/~eamonn/time_series_data_2018/
    "ACSF1": 0.3600,
    "ArrowHead": 0.2971,
    "GunPoint": 0.0933,
    "ItalyPowerDemand": 0.0496,
    "OSULeaf": 0.4091,
    "PLAID": 0.1639,  # variable lengths, 100 to 1344 steps
    # UEA, multivariate: 1 - accuracy of DTW_D 1-NN (one warping path shared by all channels), benchmark table of
    # Bagnall et al., "The UEA multivariate time series classification archive, 2018", arXiv:1811.00075
    "BasicMotions": 0.025,  # accuracy 0.975
    "JapaneseVowels": 0.051,  # accuracy 0.949; variable lengths, 7 to 29 steps
}


def read_split(name: str, split: str) -> tuple[list[np.ndarray], np.ndarray]:
    """(length, channels) arrays and class names of one split, from sktime's bundled copy (the name is checked
    first: for a name it does not bundle, sktime would try to download)."""
    frame, names = load_UCR_UEA_dataset(name, split=split, return_X_y=True)
    # sktime's nested frame: one row per case, one pandas Series per channel
    sequences = [np.stack([channel.to_numpy(np.float32) for channel in case], axis=1)
                 for case in frame.itertuples(index=False)]
    return sequences, np.asarray(names)


class UCRData(LabelledSequenceData):
    """Batches {"input": (B, T, channels), "mask": (B, T) True at real steps (sets of varying length are
    right-padded), "label": (B,) class index}; `classes` names each index as the archive does."""

    # the validation split is a handful of series carved from a small training split (ItalyPowerDemand: 7): its
    # accuracy moves in steps of 1/7 and reaches 1.0 within a few epochs, after which neither the best checkpoint
    # nor a plateau can be told by it; the loss goes on telling them apart (the verdict still reads test accuracy)
    metric = "val/loss"
    metric_mode = "min"

    def __init__(self, name: str, val_fraction: float, split_seed: int, batch_size: int):
        super().__init__(batch_size)
        if name not in DTW_1NN_ERROR:
            raise ZooError(f"data.name={name} is not a UCR / UEA set bundled with sktime that zoo knows; "
                           f"choose one of {', '.join(sorted(DTW_1NN_ERROR))}")
        check_fractions(val_fraction=val_fraction)
        self.name, self.val_fraction, self.split_seed = name, val_fraction, split_seed

    def load_splits(self):
        archive_train, train_names = read_split(self.name, "train")
        test, test_names = read_split(self.name, "test")
        classes = sorted(set(train_names) | set(test_names), key=class_order)
        index = {name: i for i, name in enumerate(classes)}
        archive_labels = np.array([index[name] for name in train_names])
        test_labels = np.array([index[name] for name in test_names])
        train, val = stratified_split(archive_labels, (self.val_fraction,), self.split_seed)
        sequences = standardise([archive_train[i] for i in train], [archive_train[i] for i in val], test)
        labels = (archive_labels[train], archive_labels[val], test_labels)
        return [str(name) for name in classes], {
            split: LabelledSequences(split_sequences, split_labels)
            for split, split_sequences, split_labels in zip(("train", "val", "test"), sequences, labels)
        }

    def baselines(self) -> dict[str, float]:
        return {**super().baselines(), "test/dtw_1nn_error": DTW_1NN_ERROR[self.name]}
