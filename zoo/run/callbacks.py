"""Callbacks that measure a run for its summary.json: training throughput, the validation history and peak memory.
Each gives its figures as `record()`, a dict of summary.json fields."""
import resource
import time

import pytorch_lightning as pl
import torch


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
    learning curves zoo.compare draws."""

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
        self.validations.append({"epoch": trainer.current_epoch, "step": trainer.global_step,
                                 "seconds": time.perf_counter() - self._started, **metrics})

    def record(self) -> dict:
        return {"validation": self.validations}


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
