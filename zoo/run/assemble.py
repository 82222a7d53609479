"""A run put together from its composed config, in one place: the data module, the task around its backbone, the
trackers, the callbacks and the Trainer. Training and its resume, and the tools zoo.cli.sample,
zoo.cli.score_translation and zoo.cli.probe, all build their runs through `assemble`."""
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pytorch_lightning as pl
from hydra.utils import get_class
from omegaconf import DictConfig

from zoo.configurable import check_types
from zoo.errors import ZooError
from zoo.run.accelerators import check_gpu_present, check_precision_fits, resolve_precision
from zoo.run.budget import apply_budget, narrowest_under_budget
from zoo.run.build import build, build_all, build_task, plain, target_class
from zoo.run.callbacks import AverageLastEpochs, PeakMemory, TrainingThroughput, ValidationHistory
from zoo.run.checkpoints import RunState, check_fits, resumed_tracker_versions
from zoo.run.console import progress_bar_wanted, without_anonymous_setting
from zoo.run.load import AVERAGED, SavedRun
from zoo.run.mlflow_store import make_stores
from zoo.run.record import config_digest

log = logging.getLogger(__name__)

# the constructor argument that names the run to continue, where a tracker does not call it `version`
RESUME_ARGUMENT = {"MLFlowLogger": "run_id"}


@dataclass
class Assembly:
    datamodule: pl.LightningDataModule
    task: pl.LightningModule
    config: dict  # config_as_built: what summary.json and the trackers record
    objective: str  # the metric a sweeper optimises, and checkpoints and early stopping watch
    trainer: pl.Trainer | None = None
    loggers: list = field(default_factory=list)
    callbacks: list = field(default_factory=list)


def assemble(cfg: DictConfig, saved: SavedRun | None = None, *, stage: str | None = "fit",
             trainer: bool = True) -> Assembly:
    """The run of `cfg`: seeded, so the same seed gives the same initial weights. `saved`: the run and checkpoint it
    starts from, whose data state (a vocabulary) the data module takes. `stage`: what the data module is set up for
    (None: not at all, where its restored state is all the task needs). trainer=False: the data module and the task
    alone, no trackers, callbacks or Trainer."""
    if trainer:
        check_gpu_present(cfg.trainer.accelerator)
    typed = check_types(cfg)
    pl.seed_everything(cfg.seed, workers=True)
    # fail on sizes that cannot work together before reading any data
    build(typed["model"], "model", **narrowest_under_budget(cfg.model))
    datamodule = build(typed["data"], "data")
    datamodule.loader_options = {"num_workers": cfg.loader.workers, "pin_memory": cfg.loader.pin_memory}
    if saved:  # its vocabulary, not one fitted anew, must decode what its weights predict
        datamodule.load_state_dict(saved.data_state(datamodule))
    if stage:
        datamodule.setup(stage)
    model = apply_budget(cfg, plain(typed["model"]), datamodule)  # the width depends on the data (its vocabulary)
    task = build_task(cfg, datamodule, model)
    config = config_as_built(cfg, model)
    run = Assembly(datamodule, task, config, objective=cfg.optimized_metric or datamodule.metric)
    if not trainer:
        return run
    machine = machine_settings(cfg)
    check_precision_fits(machine["precision"], cfg.trainer.accelerator, task)
    if saved:
        check_fits(saved.checkpoint, task, str(saved.checkpoint_path))
    run.loggers = build_loggers(cfg, config, saved.checkpoint if saved else {})
    run.callbacks = build_callbacks(cfg, {"monitor": run.objective, "mode": datamodule.metric_mode},
                                    config_digest(cfg))
    run.trainer = build(cfg.trainer, "trainer", **machine, logger=run.loggers or False, callbacks=run.callbacks)
    return run


def machine_settings(cfg: DictConfig) -> dict:
    """The Trainer arguments the machine decides: the precision trainer.precision=auto-mixed stands for on this
    card, and whether a progress bar is drawn where trainer.enable_progress_bar is null (on a terminal only)."""
    return {"precision": resolve_precision(cfg.trainer.precision, cfg.trainer.accelerator),
            "enable_progress_bar": progress_bar_wanted(cfg.trainer.enable_progress_bar)}


def config_as_built(cfg: DictConfig, model: dict | None = None) -> dict:
    """The run's config as it is built, which summary.json and the trackers record: the composed one with the model
    and data nodes in their types, the trainer settings the machine decided, and `model`, the node the task was
    built from (the width a budget chose), where the run got that far."""
    config = {**plain(cfg), "trainer": {**plain(cfg.trainer), **machine_settings(cfg)}}
    try:
        config.update((group, plain(node)) for group, node in check_types(cfg).items())
    except ZooError:
        pass  # a run that failed on a value's type records the values as given
    return {**config, **({"model": model} if model else {})}


def build_loggers(cfg: DictConfig, config: dict, checkpoint: dict) -> list:
    """The logger group's trackers, each holding the whole config as built (so runs compare on any key); a resumed
    run logs on into the tracker runs its checkpoint names."""
    versions = resumed_tracker_versions(checkpoint)
    make_stores(cfg.logger)
    loggers = [without_anonymous_setting(logger) for logger in build_all(cfg.logger, "logger", lambda node: (
        {RESUME_ARGUMENT.get(target_class(node), "version"): versions[target_class(node)]}
        if target_class(node) in versions else {}))]
    for logger in loggers:
        # MLflow refuses to change a logged param, and a resumed run's config differs (ckpt_path): it keeps its own
        if not (type(logger).__name__ == "MLFlowLogger" and "MLFlowLogger" in versions):
            logger.log_hyperparams(config)
    return loggers


def watches_a_metric(node: DictConfig) -> bool:
    """A callback that watches a metric: Lightning's checkpointing or early stopping, or a subclass of either (a
    user's own, zoo's plateau stop)."""
    try:
        target = get_class(node._target_)
    except (ImportError, ValueError, AttributeError):  # not a class: building it says what is wrong
        return False
    return issubclass(target, (pl.callbacks.ModelCheckpoint, pl.callbacks.EarlyStopping))


def build_callbacks(cfg: DictConfig, monitor: dict, digest: str) -> list:
    """The callbacks group, where a ModelCheckpoint or EarlyStopping that names no metric watches `monitor` (the
    data set's own), and the callbacks zoo always runs: the recorders summary.json reads back, and RunState for
    resuming (which keeps `digest`, the config's, in each checkpoint)."""
    configured = build_all(cfg.callbacks, "callbacks", lambda node: (
        monitor if watches_a_metric(node) and node.get("monitor") is None else {}))
    averaging = ([AverageLastEpochs(cfg.optim.average_epochs, str(Path(cfg.paths.output_dir) / AVERAGED))]
                 if cfg.optim.get("average_epochs") else [])
    return [*configured, TrainingThroughput(), ValidationHistory(), PeakMemory(), RunState(digest), *averaging]
