"""What all tasks share: the optimizer and its schedule, and logging of the data set's baselines."""
import logging
import math

import pytorch_lightning as pl
import torch

from zoo.errors import ZooError

log = logging.getLogger(__name__)


class NonFiniteLoss(ZooError):
    pass


SCHEDULES = ("inverse_sqrt", "cosine", "linear")
OPTIM_LIMITS = {"lr": ("> 0", lambda value: value > 0), "weight_decay": (">= 0", lambda value: value >= 0),
                "warmup_steps": (">= 0", lambda value: value >= 0),
                "average_epochs": (">= 0", lambda value: value >= 0)}


def check_optim(optim: dict) -> None:
    """Refuse, in one line, optimizer settings that cannot train."""
    for key, (bound, allowed) in OPTIM_LIMITS.items():
        if key in optim and not allowed(optim[key]):
            raise ZooError(f"optim.{key} must be {bound}, got {optim[key]}")
    if optim.get("schedule", "inverse_sqrt") not in SCHEDULES:
        raise ZooError(f"optim.schedule={optim['schedule']!r} is not one of {', '.join(SCHEDULES)}")


def learning_rate_factor(schedule: str, warmup: int, total: int):
    """The multiplier of the learning rate at each step: a linear warm-up over `warmup` steps, then
    inverse_sqrt: warmup / sqrt(step), slow and never done; cosine or linear: down to 0 at step `total`, which
    spends a fixed budget's last steps at small rates, where the weights settle."""

    def factor(step: int) -> float:
        step += 1
        if step <= warmup:
            return step / warmup
        if schedule == "inverse_sqrt":
            return math.sqrt(warmup / step)
        done = min(1.0, (step - warmup) / max(1, total - warmup))
        return 0.5 * (1 + math.cos(math.pi * done)) if schedule == "cosine" else 1 - done

    return factor


class ZooTask(pl.LightningModule):
    def __init__(self, optim: dict):
        super().__init__()
        check_optim(optim)
        self.optim = optim
        # optim.skip_nonfinite: skip a batch whose loss is not finite, rather than stop
        self.skip_nonfinite = optim.get("skip_nonfinite", False)
        self.skipped_nonfinite = 0

    @staticmethod
    def count_tokens(batch) -> int:
        """Sequence positions a batch puts through the model, for throughput (tokens / s); a mask marks where
        targets count, not what was computed."""
        return batch["input"].shape[0] * batch["input"].shape[1]

    def log(self, name, value, **kwargs):
        # validation and test metrics are averaged over every rank's share of the split (a no-op on one process);
        # training's stay each rank's own, as a sync every step would cost
        kwargs.setdefault("sync_dist", not self.training)
        super().log(name, value, **kwargs)

    def test_name(self, dataloader_idx: int) -> str:
        return self.trainer.datamodule.test_names[dataloader_idx]

    def evaluate(self, stage: str, batch):
        """Log the stage's metrics of a batch and return its loss; tasks that score whole splits override the
        steps instead."""
        raise NotImplementedError

    def training_loss(self, batch):
        return self.evaluate("train", batch)

    def training_step(self, batch, batch_index):
        loss = self.training_loss(batch)
        if torch.isfinite(loss):
            return loss
        where = f"at step {self.global_step} (epoch {self.current_epoch}, batch {batch_index})"
        if not self.skip_nonfinite:
            raise NonFiniteLoss(f"training loss is {loss.item()} {where}: lower optim.lr, or set "
                                f"optim.skip_nonfinite=true to skip such batches")
        self.skipped_nonfinite += 1
        log.warning("skipped a batch whose training loss is %s %s (%d so far)", loss.item(), where,
                    self.skipped_nonfinite)
        return None  # Lightning takes no backward pass and no optimizer step for this batch

    def validation_step(self, batch, batch_index):
        self.evaluate("val", batch)

    def test_step(self, batch, batch_index, dataloader_idx=0):
        self.evaluate(self.test_name(dataloader_idx), batch)

    def on_test_epoch_end(self):
        for name, value in self.trainer.datamodule.baselines().items():
            self.log(f"baseline/{name}", value)

    def configure_optimizers(self):
        optimizer = torch.optim.AdamW(self.parameters(), lr=self.optim["lr"], weight_decay=self.optim["weight_decay"])
        # never warm up for more than a tenth of training: a small data set takes few steps an epoch
        total = int(self.trainer.estimated_stepping_batches)
        warmup = max(1, min(self.optim["warmup_steps"], total // 10))
        factor = learning_rate_factor(self.optim.get("schedule", "inverse_sqrt"), warmup, total)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}
