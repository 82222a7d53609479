"""The comparison protocol's stops (callbacks=protocol): on a plateau of validation, after a minimum of steps, and
when a probe is solved."""
import pytorch_lightning as pl
from pytorch_lightning.callbacks import EarlyStopping


class StopWhenSolved(EarlyStopping):
    """Stops training once the monitored metric passes `threshold` (Zoology's: validation accuracy >= 0.99), and
    never for want of improvement, and only on a probe (a data module that declares itself `solvable`): digits or
    a UCR set reach 0.99 on a small validation split long before they stop learning. A data set that logs no such
    metric never stops here (strict=False)."""

    def __init__(self, monitor: str, mode: str, threshold: float, strict: bool = False):
        super().__init__(monitor=monitor, mode=mode, stopping_threshold=threshold, patience=10**9, strict=strict)

    @property
    def state_key(self) -> str:
        # Lightning keys an EarlyStopping's checkpointed state by monitor and mode, and refuses two with one key:
        # recall's plateau stop watches val/accuracy too
        return self._generate_state_key(monitor=self.monitor, mode=self.mode, threshold=self.stopping_threshold)

    def _run_early_stopping_check(self, trainer: pl.Trainer) -> None:
        if getattr(trainer.datamodule, "solvable", False):
            super()._run_early_stopping_check(trainer)


class StopOnPlateau(EarlyStopping):
    """Lightning's EarlyStopping (`patience` validations without improvement), watching only from step `min_steps`
    on. Patience counts validations, and a data set of two batches an epoch validates every two steps: on GunPoint
    5 validations were 10 steps, and Transformer seeds stopped at steps 14 and 56 with half the test set wrong.
    Unlike the Trainer's own min_steps, this leaves StopWhenSolved free to end a solved probe at once."""

    def __init__(self, *, min_steps: int = 0, **early_stopping):
        super().__init__(**early_stopping)
        self.min_steps = min_steps

    def _run_early_stopping_check(self, trainer: pl.Trainer) -> None:
        if trainer.global_step >= self.min_steps:
            super()._run_early_stopping_check(trainer)
