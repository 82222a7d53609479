"""Sequence classification data: digits read as rows or patches, UCR / UEA sets on the archive's own split."""
import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from zoo.data.digits import DigitsData, patch_sequence
from zoo.data.labelled_sequences import class_order, standardise, stratified_split
from zoo.data.ucr import DTW_1NN_ERROR, UCRData, read_split
from zoo.errors import ZooError
from zoo.tasks.classification import ClassificationTask

# (train, test) sizes of each set in the archive's own split (UCR DataSummary.csv; Bagnall et al. 2018)
ARCHIVE_SIZES = {
    "ACSF1": (100, 100), "ArrowHead": (36, 175), "GunPoint": (50, 150), "ItalyPowerDemand": (67, 1029),
    "OSULeaf": (200, 242), "PLAID": (537, 537), "BasicMotions": (40, 40), "JapaneseVowels": (270, 370),
}


def set_up(make, **config):
    torch.manual_seed(0)  # the run's seed: a data module keeps it to shuffle its training batches
    data = make(**config)
    data.setup()
    return data


@pytest.fixture(scope="module")
def vowels():
    return set_up(UCRData, name="JapaneseVowels")


@pytest.mark.parametrize("patch,steps,pixels", [(1, 8, 8), (2, 16, 4), (4, 4, 16), (8, 1, 64)])
def test_digits_batches_have_the_shape_of_rows_or_patches(patch, steps, pixels):
    data = set_up(DigitsData, patch=patch, batch_size=32)
    batch = next(iter(data.train_dataloader()))
    assert batch["input"].shape == (32, steps, pixels) and batch["input"].dtype == torch.float32
    assert batch["mask"].shape == (32, steps) and batch["mask"].all()
    assert batch["label"].dtype == torch.long and 0 <= batch["label"].min() and batch["label"].max() <= 9
    assert 0.0 <= batch["input"].min() and batch["input"].max() <= 1.0
    assert data.task_arguments() == {"n_features": pixels, "n_classes": 10}


def test_a_patch_holds_its_square_of_pixels_in_raster_order():
    image = np.arange(64).reshape(1, 8, 8)  # each pixel's value is its raster index
    rows, patches = patch_sequence(image, 1)[0], patch_sequence(image, 2)[0]
    assert rows[3].tolist() == list(range(24, 32))
    assert patches[0].tolist() == [0, 1, 8, 9]
    assert patches[1].tolist() == [2, 3, 10, 11]  # the next patch to the right
    assert patches[4].tolist() == [16, 17, 24, 25]  # the first patch of the second patch row
    assert patches[15].tolist() == [54, 55, 62, 63]


def test_digits_splits_hold_the_scaled_images_they_name():
    digits = load_digits()
    expected = patch_sequence(digits.images / 16, 2)
    data = set_up(DigitsData, patch=2)
    for split, indices in zip(("train", "val", "test"), stratified_split(digits.target, (0.1, 0.2), seed=0)):
        assert torch.equal(torch.stack(data.splits[split].sequences), torch.as_tensor(expected[indices]).float())
        assert data.splits[split].labels.tolist() == digits.target[indices].tolist()


def test_stratified_split_is_disjoint_fixed_by_seed_and_keeps_every_class():
    labels = load_digits().target
    train, val, test = stratified_split(labels, (0.1, 0.2), seed=0)
    assert sorted(np.concatenate([train, val, test]).tolist()) == list(range(len(labels)))
    assert abs(len(val) - 0.1 * len(labels)) <= 10 and abs(len(test) - 0.2 * len(labels)) <= 10
    assert set(labels[val]) == set(labels[test]) == set(range(10))
    again, other = stratified_split(labels, (0.1, 0.2), seed=0), stratified_split(labels, (0.1, 0.2), seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(again, (train, val, test)))
    assert not np.array_equal(other[2], test)


@pytest.mark.parametrize("name", sorted(DTW_1NN_ERROR))
def test_every_supported_set_is_bundled_and_keeps_the_archive_split(name):
    data = set_up(UCRData, name=name)
    archive_train, archive_test = ARCHIVE_SIZES[name]
    assert len(data.splits["train"]) + len(data.splits["val"]) == archive_train
    assert len(data.splits["test"]) == archive_test
    assert len(data.splits["val"]) == pytest.approx(0.1 * archive_train, abs=len(data.classes))
    assert data.baselines()["test/dtw_1nn_error"] == DTW_1NN_ERROR[name]


def test_validation_is_carved_from_the_archive_train_split_by_seed():
    first, again, other = (set_up(UCRData, split_seed=seed) for seed in (0, 0, 1))
    assert torch.equal(first.splits["val"].labels, again.splits["val"].labels)
    assert all(torch.equal(a, b) for a, b in zip(first.splits["val"].sequences, again.splits["val"].sequences))
    assert any(not torch.equal(a, b) for a, b in zip(first.splits["val"].sequences, other.splits["val"].sequences))
    assert len(first.splits["test"]) == len(other.splits["test"]) == 1029  # the test split never moves


def test_labels_name_the_archive_classes_in_the_same_order_across_splits(vowels):
    _, names = read_split("JapaneseVowels", "test")
    assert [vowels.classes[label] for label in vowels.splits["test"].labels] == names.tolist()
    assert sorted(["10", "2", "1", "b", "a"], key=class_order) == ["1", "2", "10", "a", "b"]


def test_japanese_vowels_vary_in_length_and_the_mask_marks_exactly_the_real_steps(vowels):
    raw_test, _ = read_split("JapaneseVowels", "test")
    lengths = [len(sequence) for sequence in raw_test]
    assert vowels.splits["test"].lengths() == lengths and len(set(lengths)) > 5
    rows = [0, 1, 2, int(np.argmin(lengths)), int(np.argmax(lengths))]
    batch = vowels.splits["test"].collate(rows)
    assert batch["input"].shape == (5, max(lengths), 12)
    assert batch["mask"].sum(1).tolist() == [lengths[row] for row in rows]
    assert (batch["mask"][:, :-1] >= batch["mask"][:, 1:]).all()  # real steps first, then padding
    assert (batch["input"][~batch["mask"]] == 0).all()
    seen = sorted(int(length) for batch in vowels.test_dataloader() for length in batch["mask"].sum(1))
    assert seen == sorted(lengths)


def test_normalisation_uses_the_training_split_alone(vowels):
    train = [np.random.default_rng(0).normal(3.0, 2.0, size=(length, 2)) for length in (5, 9)]
    held_out = [np.full((4, 2), 100.0)]
    normalised_train, normalised_held_out = standardise(train, held_out)
    steps, normalised_steps = np.concatenate(train), np.concatenate(normalised_train)
    assert np.allclose(normalised_steps.mean(0), 0) and np.allclose(normalised_steps.std(0), 1)
    assert np.allclose(normalised_held_out[0], (100.0 - steps.mean(0)) / steps.std(0))
    moved_held_out = standardise(train, [held_out[0] * 7])
    assert all(np.array_equal(a, b) for a, b in zip(moved_held_out[0], normalised_train))  # train is unmoved

    real_steps = {split: torch.cat(data.sequences) for split, data in vowels.splits.items()}
    assert torch.allclose(real_steps["train"].mean(0), torch.zeros(12), atol=1e-4)
    assert torch.allclose(real_steps["train"].std(0, unbiased=False), torch.ones(12), atol=1e-4)
    assert not torch.allclose(real_steps["test"].mean(0), torch.zeros(12), atol=1e-3)


@pytest.mark.parametrize("make,message", [
    (lambda: DigitsData(patch=3), "1, 2, 4, 8"),
    (lambda: DigitsData(val_fraction=0.0), "data.val_fraction"),
    (lambda: DigitsData(test_fraction=0.6), "data.test_fraction"),
    (lambda: DigitsData(batch_size=0), "data.batch_size"),
    (lambda: UCRData(name="Coffee"), "ItalyPowerDemand, JapaneseVowels"),
    (lambda: UCRData(val_fraction=0.5), "data.val_fraction"),
    (lambda: set_up(UCRData, name="ArrowHead", val_fraction=0.01), "empty"),
])
def test_bad_values_are_refused_with_a_zoo_error(make, message):
    with pytest.raises(ZooError, match=message):
        make()


def test_a_small_gru_learns_digits_well_above_chance():
    data = set_up(DigitsData, patch=1)
    model = {"_target_": "zoo.models.gru.GRU", "d_model": 32, "n_layers": 1, "n_heads": 4, "dropout": 0.0}
    task = ClassificationTask(model=model, optim={}, **data.task_arguments())
    optimizer = torch.optim.AdamW(task.parameters(), lr=3e-3)
    for _ in range(5):
        for batch in data.train_dataloader():
            loss = torch.nn.functional.cross_entropy(task(batch["input"], batch["mask"]), batch["label"])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    task.eval()
    right = sum((task.predict(batch["input"], batch["mask"]) == batch["label"]).sum().item()
                for batch in data.val_dataloader())
    assert right / len(data.splits["val"]) > 0.7  # chance is 0.1
