"""A run as a job of `python -m zoo` (or of a sweep): skipped where it already finished, else fitted and tested, and
always followed by its summary.json and the end of its tracker run, whatever stopped it."""
import logging
import sys
import time
from pathlib import Path

import torch
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf
from pytorch_lightning.utilities import rank_zero_only

from zoo.errors import ZooError
from zoo.run.assemble import Assembly, config_as_built
from zoo.run.callbacks import recorded
from zoo.run.fit import returned_metric, train
from zoo.run.output_dir import WRITE_ERRORS, cannot_write
from zoo.run.record import Summary, config_digest, finished_objective, write_summary

log = logging.getLogger(__name__)


def run(cfg: DictConfig) -> float | None:
    """train(), always followed by summary.json and the end of the tracker run (so that the next job of a
    multirun opens a run of its own). Returns the metric a sweeper optimises. The config stays as composed: what
    the run decides later (a budget's width, the precision) is passed to what it builds, never written into it."""
    OmegaConf.set_readonly(cfg, True)
    started = time.perf_counter()
    digest = config_digest(cfg)
    if cfg.skip_finished:
        finished, returned = finished_objective(cfg.paths.output_dir, digest)
        if finished:
            log.info("skipped: %s holds a finished run of this config (skip_finished=true)", cfg.paths.output_dir)
            return returned
    metrics, run_parts, error = {}, None, None
    try:
        metrics, run_parts = train(cfg)
        return returned_metric(run_parts, metrics)
    except BaseException as failure:
        error = f"{type(failure).__name__}: {failure}"
        resource_error = out_of_resources(failure)
        if resource_error is None:
            raise
        raise resource_error from None
    finally:
        summary = None
        try:
            if rank_zero_only.rank == 0:  # the further ranks of a ddp run report through rank 0
                summary = write_run_summary(cfg, run_parts, started, error, metrics, digest)
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


def write_run_summary(cfg: DictConfig, run: Assembly | None, started: float, error: str | None, metrics: dict,
                      digest: str) -> Path:
    """summary.json of a run, finished or failed; `run` is None where it failed before it was assembled."""
    task, trainer = (run.task, run.trainer) if run else (None, None)
    loggers = run.loggers if run else []
    path = write_summary(cfg.paths.output_dir, Summary(
        config=run.config if run else config_as_built(cfg),
        status="failed" if error else "completed",
        error=error,
        model=cfg.model._target_.rsplit(".", 1)[-1],
        options=chosen_options(),
        metrics=metrics,
        objective={"name": run.objective, "mode": run.datamodule.metric_mode} if run else None,
        returned=returned_metric(run, metrics) if run and not error else None,
        config_digest=digest,
        parameters=sum(p.numel() for p in task.parameters()) if task else None,
        steps=trainer.global_step if trainer else None,
        skipped_nonfinite_batches=task.skipped_nonfinite if task else None,
        wall_seconds=time.perf_counter() - started,
        trackers=tracker_runs(loggers),
        data=run.datamodule.described() if run else {},
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
