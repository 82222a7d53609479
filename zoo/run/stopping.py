"""Stopping a run when its probe is solved (callbacks=protocol), beside the early stopping on a plateau."""
from pytorch_lightning.callbacks import EarlyStopping


class StopWhenSolved(EarlyStopping):
    """Stops training once the monitored metric passes `threshold` (Zoology's: validation accuracy >= 0.99), and
    never for want of improvement. A data set that logs no such metric never stops here (strict=False)."""

    def __init__(self, monitor: str, mode: str, threshold: float, strict: bool = False):
        super().__init__(monitor=monitor, mode=mode, stopping_threshold=threshold, patience=10**9, strict=strict)

    @property
    def state_key(self) -> str:
        # Lightning keys an EarlyStopping's checkpointed state by monitor and mode, and refuses two with one key:
        # recall's plateau stop watches val/accuracy too
        return self._generate_state_key(monitor=self.monitor, mode=self.mode, threshold=self.stopping_threshold)
