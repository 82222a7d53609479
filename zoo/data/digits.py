"""scikit-learn's bundled 8x8 handwritten digits (1,797 images, 10 classes), read as a sequence.

patch=1 reads the image row by row (8 steps of 8 pixels), the classic "image as a sequence"; patch=2, 4 or 8
cuts it into square patches in raster order (16 of 2x2, 4 of 4x4, 1 of 8x8), as vision transformers read images.
"""
import numpy as np
from sklearn.datasets import load_digits

from zoo.data.base import check_fractions
from zoo.data.labelled_sequences import LabelledSequenceData, LabelledSequences, stratified_split
from zoo.errors import ZooError

SIDE = 8  # pixels per image side
PATCHES = (1, 2, 4, 8)  # patch sizes that tile the image exactly
BRIGHTEST = 16.0  # the data set's pixel values run 0..16


def patch_sequence(images: np.ndarray, patch: int) -> np.ndarray:
    """(N, 8, 8) images -> (N, steps, pixels per step): rows for patch=1, square patches in raster order else."""
    height, width = (1, SIDE) if patch == 1 else (patch, patch)
    tiles = images.reshape(len(images), SIDE // height, height, SIDE // width, width)
    return tiles.transpose(0, 1, 3, 2, 4).reshape(len(images), -1, height * width)


class DigitsData(LabelledSequenceData):
    """Batches {"input": (B, steps, pixels) in [0, 1], "mask": (B, steps) all True, "label": (B,) the digit}."""

    def __init__(self, patch: int, val_fraction: float, test_fraction: float, split_seed: int, batch_size: int):
        super().__init__(batch_size)
        if patch not in PATCHES:
            raise ZooError(f"data.patch must be one of {', '.join(map(str, PATCHES))} (it must divide 8), got {patch}")
        check_fractions(val_fraction=val_fraction, test_fraction=test_fraction)
        self.patch, self.split_seed = patch, split_seed
        self.val_fraction, self.test_fraction = val_fraction, test_fraction

    def load_splits(self):
        digits = load_digits()
        sequences = patch_sequence(digits.images / BRIGHTEST, self.patch)
        train, val, test = stratified_split(digits.target, (self.val_fraction, self.test_fraction), self.split_seed)
        return [str(name) for name in digits.target_names], {
            split: LabelledSequences(list(sequences[indices]), digits.target[indices])
            for split, indices in (("train", train), ("val", val), ("test", test))
        }
