"""data.fresh=true: a probe's training sequences drawn anew every epoch, from (data seed, epoch) alone; validation and
test fixed. (That Lightning's loop sets the epoch: tests/test_batching.py.)"""
import pytest
import torch

from zoo.data.adding import AddingData
from zoo.data.copy import CopyData
from zoo.data.recall import RecallData

SIZES = {"n_train": 48, "n_val": 16, "n_test": 16, "batch_size": 16}
PROBES = [
    (CopyData, {"n_symbols": 4, "length": 3, "lag": 2}),
    (AddingData, {"length": 6}),
    (RecallData, {"vocab_size": 64, "n_pairs": 4, "n_queries": 4, "lag": 9}),
]


def made(cls, knobs, **changes):
    data = cls(**{**SIZES, **knobs, "fresh": True, **changes})
    data.setup()
    return data


def loader_at(data, epoch: int):
    loader = data.train_dataloader()
    loader.batch_sampler.set_epoch(epoch)
    return loader


def epoch_of(data, epoch: int) -> list[tuple]:
    """One training epoch's sequences, sorted: the order of the batches does not count."""
    return sorted(tuple(row) for batch in loader_at(data, epoch) for row in batch["input"].flatten(1).tolist())


@pytest.mark.parametrize("cls,knobs", PROBES)
def test_every_epoch_draws_new_sequences_from_the_data_seed_alone(cls, knobs):
    data = made(cls, knobs)
    first, second = epoch_of(data, 0), epoch_of(data, 1)
    assert len(first) == len(second) == SIZES["n_train"]
    assert first != second
    assert first == epoch_of(made(cls, knobs, fresh=False), 0)  # the first epoch is the fixed set
    torch.manual_seed(7)  # another run's seed: another order, the same sequences
    assert epoch_of(made(cls, knobs), 1) == second
    assert epoch_of(made(cls, knobs, seed=1), 1) != second


@pytest.mark.parametrize("cls,knobs", PROBES)
def test_validation_and_test_stay_as_they_were(cls, knobs):
    fresh, fixed = made(cls, knobs), made(cls, knobs, fresh=False)
    epoch_of(fresh, 3)
    for split in ("val", "test"):
        for name, tensor in fixed.splits[split].items():
            assert torch.equal(fresh.splits[split][name], tensor)
        assert torch.equal(next(iter(fresh.loader(split, shuffle=False)))["input"],
                           next(iter(fixed.loader(split, shuffle=False)))["input"])
