"""What a run prints: what it says about the run and nothing else. Dependencies' deprecation notices, Lightning's
product tips, limit and accelerator chatter, and wandb's "anonymous" warning are dropped; the test figures are
printed once each."""
import logging
import sys
import warnings

log = logging.getLogger(__name__)


# what Lightning prints at every start that says nothing about this run: product tips, the limits it was given, and
# accelerators zoo never uses (whether a GPU is used stays: "GPU available: ..., used: ...")
_LIGHTNING_CHATTER = ("💡 Tip:", "was configured so", "to estimate number of stepping batches", "TPU available:",
                      "HPU available:")
# Lightning's advice when an epoch has fewer batches than trainer.log_every_n_steps: zoo logs the learning curve once
# per validation whatever that interval, so the advice does not apply
_LOGGING_INTERVAL_ADVICE = r"The number of training batches \(\d+\) is smaller than the logging interval"


def quiet_dependencies() -> None:
    """Keep a run's log to what it says about the run: no dependency's deprecation notices (nothing a user of zoo
    can act on) and no Lightning chatter."""
    # (?!zoo): zoo's own warnings stay; match() anchors the pattern at the start of the warning's module name
    for category in (DeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category, module=r"(?!zoo\b)")
    warnings.filterwarnings("ignore", message=_LOGGING_INTERVAL_ADVICE)
    lightning = logging.getLogger("pytorch_lightning.utilities.rank_zero")
    if not any(isinstance(known, _DropChatter) for known in lightning.filters):
        lightning.addFilter(_DropChatter())


class _DropChatter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not any(chatter in record.getMessage() for chatter in _LIGHTNING_CHATTER)


def progress_bar_wanted(setting: bool | None) -> bool:
    """trainer.enable_progress_bar, where null draws the bar only on a terminal: in a log file (SLURM, nohup) each
    redraw is one more line, and the learning curve is already logged once per validation."""
    return sys.stderr.isatty() if setting is None else setting


def without_anonymous_setting(logger):
    """Lightning's WandbLogger always hands wandb.init `anonymous=None`, and wandb warns at every start that the
    setting has no effect; leaving it out asks for exactly the same run."""
    init = getattr(logger, "_wandb_init", None)
    if isinstance(init, dict) and init.get("anonymous") is None:
        init.pop("anonymous", None)
    return logger


def log_test_table(metrics: dict) -> None:
    """The test metrics, each once: Lightning's own table repeats every figure logged at epoch end under each
    DataLoader column (a data set with two test periods showed each baseline twice)."""
    width = max(map(len, metrics), default=0)
    log.info("test metrics:\n%s", "\n".join(f"  {name:<{width}}  {value:.6g}" for name, value in sorted(metrics.items())))
