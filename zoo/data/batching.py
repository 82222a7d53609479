"""Batch samplers whose batches depend only on (seed, epoch), shared out between the ranks of a distributed run,
and padding of token sequences."""
import torch

from zoo.distributed import rank_and_world_size


def in_batches(order: list[int], batch_size: int) -> list[list[int]]:
    return [order[start:start + batch_size] for start in range(0, len(order), batch_size)]


class EpochBatches(torch.utils.data.Sampler):
    """Batches of indices. In training, the epoch's batches are a function of (seed, epoch) only: Lightning calls
    set_epoch, so a resumed run sees the batches of one never interrupted. In evaluation, they follow a fixed order.

    In a distributed run the ranks share the data without overlap and without a DistributedSampler (zoo's trainers
    set use_distributed_sampler=false). In training every rank draws the same batches and keeps every
    world_size-th, padded with the first ones so that every rank takes as many steps: DDP's gradient all-reduce
    waits for every rank. In evaluation every rank keeps every world_size-th example, so none counts twice and
    every rank has some.
    """

    def __init__(self, seed: int, shuffle: bool, batch_size: int):
        super().__init__()
        self.seed, self.shuffle, self.batch_size, self.epoch = seed, shuffle, batch_size, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    @property
    def sampler(self) -> "EpochBatches":
        """Lightning calls set_epoch on a batch sampler's `sampler` (torch's BatchSampler wraps one), never on the
        batch sampler itself: without this, every epoch would draw the first epoch's batches."""
        return self

    def generator(self) -> torch.Generator:
        # modulo 2**64: without a run's seed_everything, torch.initial_seed() alone fills all 64 bits
        return torch.Generator().manual_seed((self.seed * 1_000_003 + self.epoch) % 2**64)

    def number_of_batches(self) -> int:
        """How many batches training draws an epoch, over all ranks."""
        raise NotImplementedError

    def training_batches(self) -> list[list[int]]:
        """All ranks' training batches of the current epoch, in order."""
        raise NotImplementedError

    def evaluation_order(self) -> list[int]:
        """The indices of an evaluation, in order."""
        raise NotImplementedError

    def _evaluation_share(self) -> list[int]:
        rank, world_size = rank_and_world_size()
        return self.evaluation_order()[rank::world_size]

    def __len__(self):
        if not self.shuffle:
            return -(-len(self._evaluation_share()) // self.batch_size)
        return -(-self.number_of_batches() // rank_and_world_size()[1])

    def __iter__(self):
        if not self.shuffle:
            share = self._evaluation_share()
            yield from in_batches(share, self.batch_size)
            return
        batches = self.training_batches()
        rank, world_size = rank_and_world_size()
        if batches:
            batches += [batches[i % len(batches)] for i in range(-len(batches) % world_size)]
        yield from batches[rank::world_size]


class ShuffledBatches(EpochBatches):
    """Batches of range(size): shuffled in training, in order in evaluation."""

    def __init__(self, size: int, batch_size: int, shuffle: bool, seed: int = 0):
        super().__init__(seed, shuffle, batch_size)
        self.size = size

    def number_of_batches(self) -> int:
        return -(-self.size // self.batch_size)

    def training_batches(self) -> list[list[int]]:
        order = torch.randperm(self.size, generator=self.generator()).tolist()
        return in_batches(order, self.batch_size)

    def evaluation_order(self) -> list[int]:
        return list(range(self.size))


class EpochNumberedBatches(ShuffledBatches):
    """ShuffledBatches whose training indices are numbered on from epoch * size: a data set drawn anew each epoch
    reads the epoch off the indices, in whichever process collates the batch (a loader's worker holds a copy of the
    data set, which no set_epoch reaches)."""

    def training_batches(self) -> list[list[int]]:
        offset = self.epoch * self.size
        return [[offset + index for index in batch] for batch in super().training_batches()]


class LengthBatches(EpochBatches):
    """Batches of indices whose lengths are close: padding costs compute in every architecture, and recurrences
    most of all.

    Each training epoch shuffles the data, sorts pools of 50 batches by length, cuts them into batches and
    shuffles the batches. Evaluation reads the data sorted by length.
    """

    def __init__(self, lengths: list[int], batch_size: int, shuffle: bool, seed: int = 0):
        super().__init__(seed, shuffle, batch_size)
        self.lengths = lengths

    def number_of_batches(self) -> int:
        return -(-len(self.lengths) // self.batch_size)

    def training_batches(self) -> list[list[int]]:
        generator = self.generator()
        order = torch.randperm(len(self.lengths), generator=generator).tolist()
        batches = []
        for pool in in_batches(order, 50 * self.batch_size):
            batches += in_batches(sorted(pool, key=self.lengths.__getitem__), self.batch_size)
        return [batches[index] for index in torch.randperm(len(batches), generator=generator).tolist()]

    def evaluation_order(self) -> list[int]:
        return sorted(range(len(self.lengths)), key=self.lengths.__getitem__)


def pad_batch(sequences: list[list[int]], pad: int) -> torch.Tensor:
    """Right-padded (B, longest) tensor of token ids."""
    longest = max(len(sequence) for sequence in sequences)
    return torch.tensor([sequence + [pad] * (longest - len(sequence)) for sequence in sequences])
