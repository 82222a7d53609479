"""Callbacks that measure a run for its summary.json: training throughput, the validation history and peak memory.
Each gives its figures as `record()`, a dict of summary.json fields."""
import logging
import math
import resource
import time

import pytorch_lightning as pl
import torch

log = logging.getLogger(__name__)


class TrainingThroughput(pl.Callback):
    """Tokens through forward, backward and optimizer step per second of those steps."""

    def __init__(self):
        self.tokens = 0
        self.seconds = 0.0
        self._started = 0.0

    def on_train_batch_start(self, trainer, task, batch, batch_index):
        self._started = time.perf_counter()

    def on_train_batch_end(self, trainer, task, outputs, batch, batch_index):
        self.seconds += time.perf_counter() - self._started
        self.tokens += task.count_tokens(batch)

    def record(self) -> dict:
        return {"tokens_per_second": self.tokens / self.seconds if self.seconds else None}


class ValidationHistory(pl.Callback):
    """Every val/* metric of each validation, with the epoch, step and seconds of training it was reached at: the
    learning curves zoo.compare draws. Each point is also logged as one line, so a log file (SLURM, nohup), where
    no progress bar draws, shows the curve as it grows."""

    def __init__(self):
        self.validations: list[dict] = []
        self._started = 0.0

    def on_train_start(self, trainer, task):
        self._started = time.perf_counter()

    def on_validation_end(self, trainer, task):
        if trainer.sanity_checking:
            return  # a check that the loop runs, on untrained weights: no point of the curve
        # by this hook the epoch's metrics are aggregated into callback_metrics
        metrics = {name: float(value) for name, value in trainer.callback_metrics.items() if name.startswith("val/")}
        point = {"epoch": trainer.current_epoch, "step": trainer.global_step,
                 "seconds": time.perf_counter() - self._started, **metrics}
        self.validations.append(point)
        log.info("%s", curve_line(point, trainer.max_epochs, trainer.callback_metrics.get("train/loss")))

    def record(self) -> dict:
        return {"validation": self.validations}


def curve_line(point: dict, max_epochs: int | None, train_loss=None) -> str:
    """'epoch 3/10  step 690  1m42s  train/loss 3.210  val/loss 3.452': one point of the learning curve."""
    minutes, seconds = divmod(int(point["seconds"]), 60)
    parts = [f"epoch {point['epoch'] + 1}" + (f"/{max_epochs}" if max_epochs and max_epochs > 0 else ""),
             f"step {point['step']}", f"{minutes}m{seconds:02d}s"]
    if train_loss is not None:
        parts.append(f"train/loss {float(train_loss):.3f}")
    parts += [f"{name} {value:.4g}" for name, value in point.items() if name.startswith("val/")]
    return "  ".join(parts)


class PeakMemory(pl.Callback):
    """The run's peak memory in MB: on CUDA what torch allocated on the device; on the CPU the process's peak
    resident set size."""

    def __init__(self):
        self.device: torch.device | None = None

    def setup(self, trainer, task, stage):
        if self.device is not None:
            return  # the test that follows fit must not forget training's peak
        self.device = trainer.strategy.root_device
        # a multirun runs its jobs in one process: without a reset each job would report the largest peak so far
        if self.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(self.device)
        else:
            try:
                with open("/proc/self/clear_refs", "w") as clear_refs:
                    clear_refs.write("5")  # Linux: the peak resident set restarts from the current one
            except OSError:
                pass  # elsewhere the figure stays the process's peak, which a later job's may include

    def record(self) -> dict:
        if self.device is None:
            return {"peak_memory_mb": None}
        if self.device.type == "cuda":
            return {"peak_memory_mb": torch.cuda.max_memory_allocated(self.device) / 2**20}
        return {"peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # Linux: kB


RECORDERS = (TrainingThroughput, ValidationHistory, PeakMemory)


def recorded(callbacks: list) -> dict:
    """The summary.json fields of the recording callbacks among these; each is None (or empty) in a run that failed
    before its Trainer was built."""
    record = {}
    for recorder in RECORDERS:
        found = next((callback for callback in callbacks if isinstance(callback, recorder)), None)
        record.update((found or recorder()).record())
    return record


def planned_epochs(trainer: pl.Trainer) -> int | None:
    """How many epochs the budget allows, the last one perhaps cut short by trainer.max_steps; None for a run bounded
    by time alone. A budget of steps counts too: experiment=compare sets max_epochs=-1 and max_steps=2000."""
    budgets = [trainer.max_epochs] if trainer.max_epochs and trainer.max_epochs > 0 else []
    if trainer.max_steps > 0 and not math.isinf(trainer.num_training_batches):
        steps_per_epoch = max(1, math.ceil(trainer.num_training_batches / trainer.accumulate_grad_batches))
        budgets.append(math.ceil(trainer.max_steps / steps_per_epoch))
    return min(budgets) if budgets else None


class AverageLastEpochs(pl.Callback):
    """The mean of the weights at the end of each of the last `epochs` epochs, written to `path` as a checkpoint for
    the test to read: with a learning rate decaying to zero, the last epochs' weights lie around one minimum, and
    their mean generalises better than any one of them (checkpoint averaging, Vaswani et al.; Popel & Bojar)."""

    def __init__(self, epochs: int, path: str):
        self.epochs, self.path = epochs, path
        self.total: dict[str, torch.Tensor] = {}
        self.count = 0

    def on_train_epoch_end(self, trainer, task):
        epochs = planned_epochs(trainer)
        if epochs is None or trainer.current_epoch < epochs - self.epochs:
            return  # (a run bounded by time alone has no last epochs known in advance: nothing to average)
        weights = {name: value.detach().float() for name, value in task.state_dict().items()}
        self.total = {name: self.total.get(name, 0) + value for name, value in weights.items()}
        self.count += 1

    def on_train_end(self, trainer, task):
        if not self.count:
            return
        current = task.state_dict()
        task.load_state_dict({name: (self.total[name] / self.count).to(value.dtype) for name, value in current.items()})
        trainer.save_checkpoint(self.path, weights_only=False)  # whole: the vocabulary travels with it
        log.info("testing the mean of the last %d epochs' weights: %s", self.count, self.path)

    def state_dict(self) -> dict:  # a resumed run goes on averaging where it stopped
        return {"total": self.total, "count": self.count}

    def load_state_dict(self, state: dict) -> None:
        self.total, self.count = state["total"], state["count"]
