"""One run: seed, build the data set, its task around the chosen Backbone, the trackers and the Trainer from the
config; fit; test; write summary.json; finish the tracker run."""
import logging
import pickle
import sys
import time
from pathlib import Path

import pytorch_lightning as pl
import torch
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from lightning_fabric.utilities.exceptions import MisconfigurationException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue
from pytorch_lightning.utilities import rank_zero_only

from zoo.budget import apply_budget, narrowest_under_budget
from zoo.callbacks import PeakMemory, TrainingThroughput, ValidationHistory, recorded
from zoo.errors import ZooError
from zoo.parallelism import split_threads_between_parallel_jobs
from zoo.summary import chosen_options, tracker_runs, write_summary

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


def build_all(group: DictConfig | None, what: str, **for_checkpoints) -> list:
    """Every `_target_` node of a group that holds several (loggers, callbacks); `for_checkpoints` fills in a
    ModelCheckpoint that names no metric to monitor."""
    built = []
    for name, node in (group or {}).items():
        if node and "_target_" in node:
            fill = node._target_.endswith("ModelCheckpoint") and node.get("monitor") is None
            built.append(build(node, f"{what}.{name}", **(for_checkpoints if fill else {})))
    return built


def read_checkpoint(path: str) -> dict:
    """A checkpoint's contents, loaded safely: tensors and plain data only, never pickled code."""
    if not Path(path).is_file():
        raise ZooError(f"ckpt_path={path}: no such checkpoint file")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise ZooError(f"ckpt_path={path}: refused, it holds more than tensors and plain data ({error})") from None
    except (RuntimeError, EOFError) as error:
        raise ZooError(f"ckpt_path={path}: not a readable checkpoint ({error})") from None


def plain(node: DictConfig) -> dict:
    return OmegaConf.to_container(node, resolve=True)


def train(cfg: DictConfig) -> tuple[dict, dict]:
    split_threads_between_parallel_jobs()
    pl.seed_everything(cfg.seed, workers=True)
    # fail on sizes that cannot work together before reading any data
    build(cfg.model, "model", **narrowest_under_budget(cfg.model))
    datamodule = build(cfg.data, "data")
    if cfg.ckpt_path:
        # the checkpoint's vocabulary, not one fitted anew, must decode what its weights predict
        datamodule.load_state_dict(read_checkpoint(cfg.ckpt_path).get(type(datamodule).__qualname__, {}))
    elif not cfg.train:
        raise ZooError("train=false evaluates a checkpoint: give ckpt_path=PATH")
    datamodule.setup("fit")
    apply_budget(cfg, datamodule)  # model.params -> model.d_model: the width depends on the data (its vocabulary)
    task = datamodule.make_task(model=plain(cfg.model), optim=plain(cfg.optim), decode=plain(cfg.decode))
    objective = objective_name(cfg, datamodule)
    loggers = build_all(cfg.logger, "logger")
    for logger in loggers:
        logger.log_hyperparams(plain(cfg))  # the whole resolved config, so runs compare on any key
    # the recorders summary.json reads back from trainer.callbacks, whatever the callbacks group holds
    callbacks = [*build_all(cfg.callbacks, "callbacks", monitor=objective, mode=datamodule.metric_mode),
                 TrainingThroughput(), ValidationHistory(), PeakMemory()]
    trainer = build(cfg.trainer, "trainer", logger=loggers or False, callbacks=callbacks)
    checkpoints = trainer.checkpoint_callback
    metrics = {}
    if cfg.train:
        trainer.fit(task, datamodule=datamodule, ckpt_path=cfg.ckpt_path, weights_only=True)
        metrics.update(trainer.callback_metrics)
        if checkpoints and checkpoints.best_model_score is not None:
            # the score of the weights the test reads; the last epoch's may be worse
            metrics[f"best/{objective}"] = checkpoints.best_model_score
    if cfg.test:
        best = checkpoints.best_model_path if cfg.train and checkpoints else ""
        trainer.test(task, datamodule=datamodule, ckpt_path=best or (None if cfg.train else cfg.ckpt_path),
                     weights_only=True)
        metrics.update(trainer.callback_metrics)
    metrics = {name: float(value) for name, value in metrics.items()}
    objects = {"datamodule": datamodule, "task": task, "trainer": trainer, "loggers": loggers}
    return metrics, objects


def objective_name(cfg: DictConfig, datamodule) -> str:
    return cfg.optimized_metric or datamodule.metric


def run(cfg: DictConfig) -> float | None:
    """train(), always followed by summary.json and the end of the tracker run (so that the next job of a
    multirun opens a run of its own). Returns the metric a sweeper optimises."""
    started = time.perf_counter()
    metrics, objects, error = {}, {}, None
    try:
        metrics, objects = train(cfg)
        objective = objective_name(cfg, objects["datamodule"])
        return metrics.get(f"best/{objective}", metrics.get(objective))
    except BaseException as failure:
        error = f"{type(failure).__name__}: {failure}"
        raise
    finally:
        task, trainer = objects.get("task"), objects.get("trainer")
        datamodule = objects.get("datamodule")
        if rank_zero_only.rank == 0:  # the further ranks of a ddp run report through rank 0
            write_run_summary(cfg, started, error, metrics, task, trainer, datamodule, objects.get("loggers", []))
        wandb = sys.modules.get("wandb")
        if wandb is not None and wandb.run is not None:
            wandb.finish(exit_code=1 if error else 0)


def write_run_summary(cfg, started, error, metrics, task, trainer, datamodule, loggers) -> None:
    path = write_summary(
        cfg.paths.output_dir, cfg,
        status="failed" if error else "completed",
        error=error,
        model=cfg.model._target_.rsplit(".", 1)[-1],
        options=chosen_options(),
        metrics=metrics,
        objective={"name": objective_name(cfg, datamodule), "mode": datamodule.metric_mode} if datamodule else None,
        parameters=sum(p.numel() for p in task.parameters()) if task else None,
        steps=trainer.global_step if trainer else None,
        wall_seconds=time.perf_counter() - started,
        trackers=tracker_runs(loggers),
        **recorded(trainer.callbacks if trainer else []),
    )
    log.info("summary: %s", path)
