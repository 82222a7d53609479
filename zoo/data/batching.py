"""Batches of similar length: padding costs compute in every architecture, and recurrences most of all."""
import torch


class EpochSampler(torch.utils.data.Sampler):
    """A sampler whose order depends only on (seed, epoch): Lightning calls set_epoch, so a resumed run sees the
    batches of one never interrupted."""

    def __init__(self, seed: int):
        super().__init__()
        self.seed, self.epoch = seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def generator(self) -> torch.Generator:
        # modulo 2**64: without a run's seed_everything, torch.initial_seed() alone fills all 64 bits
        return torch.Generator().manual_seed((self.seed * 1_000_003 + self.epoch) % 2**64)


class LengthBatches(EpochSampler):
    """Shuffled batches of indices whose lengths are close.

    Each epoch shuffles the data, sorts pools of 50 batches by length, cuts them into batches and shuffles the
    batches.
    """

    def __init__(self, lengths: list[int], batch_size: int, shuffle: bool, seed: int = 0):
        super().__init__(seed)
        self.lengths, self.batch_size, self.shuffle = lengths, batch_size, shuffle

    def __len__(self):
        return -(-len(self.lengths) // self.batch_size)

    def __iter__(self):
        if not self.shuffle:
            order = sorted(range(len(self.lengths)), key=self.lengths.__getitem__)
            yield from (order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size))
            return
        generator = self.generator()
        order = torch.randperm(len(self.lengths), generator=generator).tolist()
        pool = 50 * self.batch_size
        batches = []
        for start in range(0, len(order), pool):
            sorted_pool = sorted(order[start:start + pool], key=self.lengths.__getitem__)
            batches += [sorted_pool[i:i + self.batch_size] for i in range(0, len(sorted_pool), self.batch_size)]
        for index in torch.randperm(len(batches), generator=generator).tolist():
            yield batches[index]


def pad_batch(sequences: list[list[int]], pad: int) -> torch.Tensor:
    """Right-padded (B, longest) tensor of token ids."""
    longest = max(len(sequence) for sequence in sequences)
    return torch.tensor([sequence + [pad] * (longest - len(sequence)) for sequence in sequences])
