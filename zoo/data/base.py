"""What every zoo data set declares: its metric, its baselines, and what its task (which its YAML names) must know
of it."""
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader

from zoo.configurable import Configurable
from zoo.errors import ZooError


def check_fractions(**fractions: float) -> None:
    """Held-out fractions of a data set (data.val_fraction=..., data.test_fraction=...) each in (0, 0.5)."""
    for name, fraction in fractions.items():
        if not 0.0 < fraction < 0.5:
            raise ZooError(f"data.{name} must be in (0, 0.5), got {fraction}")


class ZooDataModule(Configurable, pl.LightningDataModule):
    """A data set's knobs take their defaults from its YAML, conf/data/<its module>.yaml (zoo/configurable.py)."""

    config_group = "data"
    metric: str  # the validation metric a sweeper optimises
    metric_mode: str = "min"  # or "max"
    test_names: tuple[str, ...] = ("test",)  # one name per test dataloader; metrics are logged as <name>/<metric>
    # a probe (copy, recall): generated so that it can be solved, and a run on it stops once it is
    # (callbacks=protocol); on real data a validation accuracy of 0.99 is a good run, not the end of learning
    solvable: bool = False

    def __init__(self):
        super().__init__()
        # the run's seed orders the training batches: zoo seeds torch before it builds the data module
        self.shuffle_seed = torch.initial_seed()
        # loader.workers and loader.pin_memory, which zoo.run.assemble sets: none on the CPU, where a batch is
        # cheap to collate and a worker's start-up would cost more than it saves
        self.loader_options = {"num_workers": 0, "pin_memory": False}

    def task_arguments(self) -> dict:
        """What the task (cfg.task, which the data set's YAML selects) must know of the data: vocabulary size,
        input features, classes..."""
        raise NotImplementedError

    def baselines(self) -> dict[str, float]:
        """Reference figures computed on the same split (persistence, chance, always-the-mean...), logged beside
        the model's so that every result is read against what no learning achieves."""
        return {}

    def described(self) -> dict:
        """What summary.json keeps of the data as it was read, beside its config (a classifier's class names)."""
        return {}

    def loader(self, split: str, shuffle: bool):
        """The DataLoader of one split ("train", "val", "test"); data sets whose splits differ override the
        *_dataloader methods instead."""
        raise NotImplementedError

    def make_loader(self, dataset, **arguments) -> DataLoader:
        """A DataLoader with the trainer's workers and memory pinning; every data set builds its loaders here."""
        workers = self.loader_options["num_workers"]
        return DataLoader(dataset, **arguments, **self.loader_options, persistent_workers=workers > 0)

    def train_dataloader(self):
        return self.loader("train", shuffle=True)

    def val_dataloader(self):
        return self.loader("val", shuffle=False)

    def test_dataloader(self):
        return self.loader("test", shuffle=False)
