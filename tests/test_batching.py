"""How zoo's batch samplers share an epoch between the ranks of a distributed run, and learn the epoch from
Lightning."""
import pytest
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader

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


class Recorder(pl.LightningModule):
    """Trains nothing; keeps every training batch, as Lightning's fit loop hands it over."""

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.seen = []

    def training_step(self, batch, batch_idx):
        self.seen.append((self.current_epoch, batch.tolist()))
        return self.weight.sum()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.0)


@pytest.mark.filterwarnings("ignore")  # Lightning's advice on workers and logging intervals
def test_lightning_sets_the_epoch_of_the_batches(tmp_path):
    """Lightning sets the epoch on a batch sampler's `sampler` alone: zoo's batch samplers must answer it, or every
    epoch repeats the first one's batches."""
    loader = DataLoader(range(40), batch_sampler=ShuffledBatches(40, batch_size=8, shuffle=True, seed=3),
                        collate_fn=torch.tensor)
    recorder = Recorder()
    trainer = pl.Trainer(max_epochs=3, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, default_root_dir=tmp_path)
    trainer.fit(recorder, train_dataloaders=loader)
    for epoch in range(3):
        expected = ShuffledBatches(40, batch_size=8, shuffle=True, seed=3)
        expected.set_epoch(epoch)
        assert [batch for seen_epoch, batch in recorder.seen if seen_epoch == epoch] == list(expected)
    assert recorder.seen[0][1] != recorder.seen[5][1]  # the second epoch opens with another batch
