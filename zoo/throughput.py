"""Training throughput: tokens through forward, backward and optimizer step per second of those steps."""
import time

import pytorch_lightning as pl


class TrainingThroughput(pl.Callback):
    def __init__(self):
        self.tokens = 0
        self.seconds = 0.0
        self._started = 0.0

    def on_train_batch_start(self, trainer, task, batch, batch_index):
        self._started = time.perf_counter()

    def on_train_batch_end(self, trainer, task, outputs, batch, batch_index):
        self.seconds += time.perf_counter() - self._started
        self.tokens += task.count_tokens(batch)

    @property
    def tokens_per_second(self) -> float | None:
        return self.tokens / self.seconds if self.seconds else None
