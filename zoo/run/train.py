"""One run: seed, build the data set, its task around the chosen Backbone, the trackers and the Trainer from the
config; fit; test; write summary.json; finish the tracker run."""
import logging
import sys
import time
from pathlib import Path

import pytorch_lightning as pl
import torch
from hydra.core.hydra_config import HydraConfig
from hydra.errors import InstantiationException
from hydra.utils import get_class, instantiate
from lightning_fabric.utilities.exceptions import MisconfigurationException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue
from pytorch_lightning.utilities import rank_zero_only

from zoo.configurable import check_types
from zoo.errors import ZooError
from zoo.launch.parallelism import split_threads_between_parallel_jobs
from zoo.run.accelerators import check_gpu_present, check_precision_fits, resolve_precision
from zoo.run.budget import apply_budget, narrowest_under_budget
from zoo.run.callbacks import AverageLastEpochs, PeakMemory, TrainingThroughput, ValidationHistory, recorded
from zoo.run.checkpoints import RunState, check_fits, resumed_tracker_versions
from zoo.run.load import SavedRun, interrupted_run, load_run
from zoo.run.console import log_test_table, progress_bar_wanted, quiet_dependencies, without_anonymous_setting
from zoo.run.mlflow_store import make_stores
from zoo.run.output_dir import WRITE_ERRORS, cannot_write
from zoo.run.record import Summary, config_digest, finished_objective, write_summary

log = logging.getLogger(__name__)


def build(node: DictConfig, what: str, **kwargs):
    """instantiate(node), with a constructor's complaint about its values turned into a one-line error."""
    try:
        return instantiate(node, **kwargs)
    except MissingMandatoryValue as error:
        raise ZooError(f"{error.full_key} must be given (e.g. {error.full_key}=...)") from None
    except InstantiationException as error:
        cause = error.__cause__
        if isinstance(cause, (ValueError, ZooError, MisconfigurationException)):
            raise ZooError(f"{what}: {cause}") from None
        raise


def build_all(group: DictConfig | None, what: str, extra=lambda node: {}) -> list:
    """Every `_target_` node of a group that holds several (loggers, callbacks); `extra(node)` gives the
    arguments zoo fills in for a node."""
    return [build(node, f"{what}.{name}", **extra(node))
            for name, node in (group or {}).items() if node and "_target_" in node]


def target_class(node: DictConfig) -> str:
    return node._target_.rsplit(".", 1)[-1]


def checkpoint_to_start_from(cfg: DictConfig, digest: str) -> SavedRun | None:
    """The run and checkpoint a run starts from: ckpt_path=PATH; ckpt_path=last, the newest readable checkpoint of
    this run's directory (a run resumed where it stopped); under skip_finished=true, the newest one that a job of
    this same config left when it was killed (a sweep started again continues it); else none."""
    run_dir = Path(cfg.paths.output_dir)
    if cfg.ckpt_path and cfg.ckpt_path != "last":
        return load_run(run_dir, cfg.ckpt_path)
    directory = (cfg.callbacks or {}).get("model_checkpoint", {}).get("dirpath")
    if cfg.ckpt_path == "last":
        if directory is None:
            raise ZooError("ckpt_path=last reads the checkpoints callbacks=default writes; this run keeps none")
        return load_run(run_dir, "last", Path(directory))
    if cfg.skip_finished and directory is not None:
        return interrupted_run(run_dir, Path(directory), digest)
    return None


# the constructor argument that names the run to continue, where a tracker does not call it `version`
RESUME_ARGUMENT = {"MLFlowLogger": "run_id"}


def build_loggers(cfg: DictConfig, checkpoint: dict) -> list:
    """The logger group's trackers, each holding the whole resolved config (so runs compare on any key); a resumed
    run logs on into the tracker runs its checkpoint names."""
    versions = resumed_tracker_versions(checkpoint)
    make_stores(cfg.logger)
    loggers = [without_anonymous_setting(logger) for logger in build_all(cfg.logger, "logger", lambda node: (
        {RESUME_ARGUMENT.get(target_class(node), "version"): versions[target_class(node)]}
        if target_class(node) in versions else {}))]
    for logger in loggers:
        # MLflow refuses to change a logged param, and a resumed run's config differs (ckpt_path): it keeps its own
        if not (type(logger).__name__ == "MLFlowLogger" and "MLFlowLogger" in versions):
            logger.log_hyperparams(plain(cfg))
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
    averaging = ([AverageLastEpochs(cfg.optim.average_epochs, str(Path(cfg.paths.output_dir) / "averaged.ckpt"))]
                 if cfg.optim.get("average_epochs") else [])
    return [*configured, TrainingThroughput(), ValidationHistory(), PeakMemory(), RunState(digest), *averaging]


def plain(node: DictConfig) -> dict:
    return OmegaConf.to_container(node, resolve=True)


def prepare(cfg: DictConfig, checkpoint: dict | None = None):
    """Seed, then the data module (set up for fitting) and the task around the backbone, as a run builds them:
    the same seed gives the same initial weights. `checkpoint`: the one a run starts from, whose data state (a
    vocabulary) the data module takes."""
    check_types(cfg)
    pl.seed_everything(cfg.seed, workers=True)
    # fail on sizes that cannot work together before reading any data
    build(cfg.model, "model", **narrowest_under_budget(cfg.model))
    datamodule = build(cfg.data, "data")
    datamodule.loader_options = {"num_workers": cfg.loader.workers, "pin_memory": cfg.loader.pin_memory}
    # the checkpoint's vocabulary, not one fitted anew, must decode what its weights predict
    datamodule.load_state_dict((checkpoint or {}).get(type(datamodule).__qualname__, {}))
    datamodule.setup("fit")
    apply_budget(cfg, datamodule)  # model.params -> model.d_model: the width depends on the data (its vocabulary)
    task = datamodule.make_task(model=plain(cfg.model), optim=plain(cfg.optim), decode=plain(cfg.decode))
    return datamodule, task


def train(cfg: DictConfig, digest: str | None = None) -> tuple[dict, dict]:
    """Fit and test the run of `cfg`, whose config_digest is `digest`."""
    digest = digest or config_digest(cfg)
    quiet_dependencies()
    split_threads_between_parallel_jobs()
    check_gpu_present(cfg.trainer.accelerator)
    # resolved here, so that summary.json and the trackers record the precision the run computed in
    cfg.trainer.precision = resolve_precision(cfg.trainer.precision, cfg.trainer.accelerator)
    cfg.trainer.enable_progress_bar = progress_bar_wanted(cfg.trainer.enable_progress_bar)
    start = checkpoint_to_start_from(cfg, digest)
    if start is None and not cfg.train:
        raise ZooError("train=false evaluates a checkpoint: give ckpt_path=PATH")
    checkpoint_path, checkpoint = (str(start.checkpoint_path), start.checkpoint) if start else (None, {})
    datamodule, task = prepare(cfg, checkpoint)
    check_precision_fits(cfg.trainer.precision, cfg.trainer.accelerator, task)
    if checkpoint:
        check_fits(checkpoint, task, checkpoint_path)
    task.skip_nonfinite = cfg.optim.skip_nonfinite
    objective = objective_name(cfg, datamodule)
    loggers = build_loggers(cfg, checkpoint)
    callbacks = build_callbacks(cfg, {"monitor": objective, "mode": datamodule.metric_mode}, digest)
    trainer = build(cfg.trainer, "trainer", logger=loggers or False, callbacks=callbacks)
    checkpoints = trainer.checkpoint_callback
    metrics = {}
    if cfg.train:
        trainer.fit(task, datamodule=datamodule, ckpt_path=checkpoint_path, weights_only=True)
        metrics.update(trainer.callback_metrics)
        if checkpoints and checkpoints.best_model_score is not None:
            # the score of the weights the test reads; the last epoch's may be worse
            metrics[f"best/{objective}"] = checkpoints.best_model_score
    if cfg.test:
        best = checkpoints.best_model_path if cfg.train and checkpoints else ""
        averaged = next((callback.path for callback in callbacks if isinstance(callback, AverageLastEpochs)), None)
        if cfg.train and averaged and Path(averaged).is_file():
            best = averaged
        trainer.test(task, datamodule=datamodule, ckpt_path=best or (None if cfg.train else checkpoint_path),
                     weights_only=True, verbose=False)
        metrics.update(trainer.callback_metrics)
        if rank_zero_only.rank == 0:
            log_test_table({name: float(value) for name, value in trainer.callback_metrics.items()
                            if not name.startswith(("train/", "val/"))})
    metrics = {name: float(value) for name, value in metrics.items()}
    objects = {"datamodule": datamodule, "task": task, "trainer": trainer, "loggers": loggers}
    return metrics, objects


def objective_name(cfg: DictConfig, datamodule) -> str:
    return cfg.optimized_metric or datamodule.metric


def returned_metric(cfg: DictConfig, datamodule, metrics: dict) -> float | None:
    """What a sweeper optimises: the best checkpoint's score, or the last validation's where none was kept."""
    objective = objective_name(cfg, datamodule)
    return metrics.get(f"best/{objective}", metrics.get(objective))


def run(cfg: DictConfig) -> float | None:
    """train(), always followed by summary.json and the end of the tracker run (so that the next job of a
    multirun opens a run of its own). Returns the metric a sweeper optimises."""
    started = time.perf_counter()
    digest = config_digest(cfg)  # before training, which fills in the budget's width and the precision
    if cfg.skip_finished:
        finished, returned = finished_objective(cfg.paths.output_dir, digest)
        if finished:
            log.info("skipped: %s holds a finished run of this config (skip_finished=true)", cfg.paths.output_dir)
            return returned
    metrics, objects, error = {}, {}, None
    try:
        metrics, objects = train(cfg, digest)
        return returned_metric(cfg, objects["datamodule"], metrics)
    except BaseException as failure:
        error = f"{type(failure).__name__}: {failure}"
        resource_error = out_of_resources(failure)
        if resource_error is None:
            raise
        raise resource_error from None
    finally:
        task, trainer = objects.get("task"), objects.get("trainer")
        datamodule = objects.get("datamodule")
        summary = None
        try:
            if rank_zero_only.rank == 0:  # the further ranks of a ddp run report through rank 0
                summary = write_run_summary(cfg, started, error, metrics, task, trainer, datamodule,
                                            objects.get("loggers", []), digest)
        except OSError as failure:
            if error is None:
                raise cannot_write(failure) from None
            log.error("summary.json not written: %s", failure)  # the run's own failure is the one to report
        finally:
            wandb = sys.modules.get("wandb")
            if wandb is not None and wandb.run is not None:
                wandb.finish(exit_code=1 if error else 0)
            if summary:  # last, below the tracker's closing lines: where to look next
                log.info("run files: %s (summary.json, checkpoints, tracker runs)", summary.parent)


def out_of_resources(failure: BaseException) -> ZooError | None:
    """A run stopped by the machine, not by zoo's code (out of memory, a full or read-only disk), said in one line."""
    if isinstance(failure, torch.OutOfMemoryError):
        return ZooError(f"out of memory ({str(failure).splitlines()[0]}): lower data.batch_size or model.d_model, "
                        f"or trainer.precision=bf16-mixed on a GPU")
    if isinstance(failure, OSError) and failure.errno in WRITE_ERRORS:
        return cannot_write(failure)
    return None


def write_run_summary(cfg, started, error, metrics, task, trainer, datamodule, loggers, digest) -> Path:
    path = write_summary(cfg.paths.output_dir, Summary(
        config=plain(cfg),
        status="failed" if error else "completed",
        error=error,
        model=cfg.model._target_.rsplit(".", 1)[-1],
        options=chosen_options(),
        metrics=metrics,
        objective={"name": objective_name(cfg, datamodule), "mode": datamodule.metric_mode} if datamodule else None,
        returned=returned_metric(cfg, datamodule, metrics) if datamodule and not error else None,
        config_digest=digest,
        parameters=sum(p.numel() for p in task.parameters()) if task else None,
        steps=trainer.global_step if trainer else None,
        skipped_nonfinite_batches=task.skipped_nonfinite if task else None,
        wall_seconds=time.perf_counter() - started,
        trackers=tracker_runs(loggers),
        **recorded(trainer.callbacks if trainer else []),
    ))
    for logger in loggers:
        if type(logger).__name__ == "MLFlowLogger":  # the record zoo.compare reads, beside the run in MLflow
            logger.experiment.log_artifact(logger.run_id, str(path))
    return path


def tracker_runs(loggers) -> list[dict]:
    """Name, id and directory of each tracker run (a wandb run can be read back with `wandb leet inspect`)."""
    runs = []
    for logger in loggers:
        entry = {"tracker": type(logger).__name__, "id": str(logger.version), "path": logger.log_dir or logger.save_dir}
        if type(logger).__name__ == "WandbLogger":
            entry["path"] = str(Path(logger.experiment.dir).parent)
        if type(logger).__name__ == "MLFlowLogger":  # the store `mlflow ui --backend-store-uri` opens
            entry["path"] = logger.experiment.tracking_uri
        runs.append(entry)
    return runs


def chosen_options() -> dict[str, str]:
    """The option picked in each config group (model: lstm, data: sunspots, ...): the names zoo.compare labels a run
    by, which the resolved config alone does not keep."""
    choices = HydraConfig.get().runtime.choices
    return {group: option for group, option in choices.items() if not group.startswith("hydra/")}
