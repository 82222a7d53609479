"""The adding problem (Hochreiter & Schmidhuber 1997; the marker placement of Le et al. 2015): a sequence of
`length` pairs (number, marker); the numbers are uniform in [0, 1), exactly two are marked, one in the first half
and one in the second. The answer, the sum of the two marked numbers, is scored at the last step only, so the
first marked number must be carried over at least length - length // 2 steps.
"""
import torch

from zoo.data.probes import ProbeData
from zoo.errors import ZooError


class AddingData(ProbeData):
    """Batches {"input": (B, length, 2) numbers and markers, "target": (B, length, 1) the sum at the last step,
    "mask": (B, length) True at the last step only}."""

    metric = "val/mse"

    def __init__(self, length: int, n_train: int, n_val: int, n_test: int, batch_size: int, seed: int, fresh: bool):
        super().__init__(n_train, n_val, n_test, batch_size, seed, fresh)
        if length < 2:
            raise ZooError(f"data.length must be >= 2 (one marked number in each half), got {length}")
        self.length = length

    def generate(self, n, generator):
        half = self.length // 2
        numbers = torch.rand(n, self.length, generator=generator)
        marked = torch.stack([
            torch.randint(0, half, (n,), generator=generator),
            torch.randint(half, self.length, (n,), generator=generator),
        ], dim=1)
        markers = torch.zeros(n, self.length).scatter_(1, marked, 1.0)
        target = torch.zeros(n, self.length, 1)
        target[:, -1, 0] = numbers.gather(1, marked).sum(1)
        mask = torch.zeros(n, self.length, dtype=torch.bool)
        mask[:, -1] = True
        return {"input": torch.stack([numbers, markers], dim=-1), "target": target, "mask": mask}

    def task_arguments(self) -> dict:
        return {"n_features": 2, "n_targets": 1, "scale": 1.0}

    def baselines(self) -> dict[str, float]:
        """Always answering the test sums' mean: their variance, about 1/6 (the variance of two uniform numbers)."""
        sums = self.splits["test"]["target"][:, -1, 0]
        mse = float(((sums - sums.mean()) ** 2).mean())
        return {"mse": mse, "rmse": mse ** 0.5}
