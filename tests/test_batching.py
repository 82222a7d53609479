"""How zoo's batch samplers share an epoch between the ranks of a distributed run."""
import pytest

import zoo.data.batching as batching
from zoo.data.batching import LengthBatches, ShuffledBatches


def shares(sampler, world_size, monkeypatch):
    """Each rank's batches, as that rank's sampler would yield them."""
    result = []
    for rank in range(world_size):
        monkeypatch.setattr(batching, "rank_and_world_size", lambda rank=rank: (rank, world_size))
        result.append(list(sampler))
        assert len(result[-1]) == len(sampler)
    return result


SAMPLERS = [
    lambda shuffle: ShuffledBatches(23, batch_size=4, shuffle=shuffle, seed=1),
    lambda shuffle: LengthBatches([7, 3, 9, 1, 4, 4, 8, 2, 6, 5, 3] * 2, batch_size=3, shuffle=shuffle, seed=1),
]


@pytest.mark.parametrize("make", SAMPLERS)
@pytest.mark.parametrize("world_size", [1, 2, 3])
def test_training_ranks_take_as_many_steps_and_cover_the_epoch_once(make, world_size, monkeypatch):
    sampler = make(shuffle=True)
    epoch = shares(sampler, 1, monkeypatch)[0]
    ranks = shares(sampler, world_size, monkeypatch)
    assert len({len(batches) for batches in ranks}) == 1  # DDP's all-reduce needs every rank at every step
    drawn = [tuple(batch) for batches in ranks for batch in batches]
    assert set(drawn) == {tuple(batch) for batch in epoch}
    assert len(drawn) - len(epoch) < world_size  # padding only to even out the last round


@pytest.mark.parametrize("make", SAMPLERS)
@pytest.mark.parametrize("world_size", [1, 2, 3])
def test_evaluation_ranks_share_the_examples_without_repeats(make, world_size, monkeypatch):
    sampler = make(shuffle=False)
    examples = [index for batch in shares(sampler, 1, monkeypatch)[0] for index in batch]
    shared = [index for batches in shares(sampler, world_size, monkeypatch) for batch in batches for index in batch]
    assert sorted(shared) == sorted(examples) == list(range(len(examples)))


def test_the_training_order_is_a_function_of_seed_and_epoch():
    def epoch(seed, number):
        sampler = ShuffledBatches(50, batch_size=5, shuffle=True, seed=seed)
        sampler.set_epoch(number)
        return list(sampler)

    assert epoch(0, 3) == epoch(0, 3)
    assert epoch(0, 3) != epoch(0, 4) and epoch(0, 3) != epoch(1, 3)
