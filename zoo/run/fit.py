"""Fit and test one run: from the checkpoint it starts from, if any, on the parts `assemble` builds; its metrics,
and the test table printed once."""
from pathlib import Path

from omegaconf import DictConfig
from pytorch_lightning.utilities import rank_zero_only

from zoo.errors import ZooError
from zoo.launch.parallelism import split_threads_between_parallel_jobs
from zoo.run.assemble import Assembly, assemble
from zoo.run.callbacks import AverageLastEpochs
from zoo.run.console import log_test_table, quiet_dependencies
from zoo.run.load import SavedRun, interrupted_run, load_run
from zoo.run.record import config_digest


def checkpoint_to_start_from(cfg: DictConfig) -> SavedRun | None:
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
        return interrupted_run(run_dir, Path(directory), config_digest(cfg))
    return None


def train(cfg: DictConfig) -> tuple[dict, Assembly]:
    """Fit and test the run of `cfg`: its metrics, and its parts."""
    quiet_dependencies()
    split_threads_between_parallel_jobs()
    saved = checkpoint_to_start_from(cfg)
    if saved is None and not cfg.train:
        raise ZooError("train=false evaluates a checkpoint: give ckpt_path=PATH")
    run = assemble(cfg, saved)
    checkpoint_path = str(saved.checkpoint_path) if saved else None
    trainer, task, datamodule = run.trainer, run.task, run.datamodule
    checkpoints = trainer.checkpoint_callback
    metrics = {}
    if cfg.train:
        trainer.fit(task, datamodule=datamodule, ckpt_path=checkpoint_path, weights_only=True)
        metrics.update(trainer.callback_metrics)
        if checkpoints and checkpoints.best_model_score is not None:
            # the score of the weights the test reads; the last epoch's may be worse
            metrics[f"best/{run.objective}"] = checkpoints.best_model_score
    if cfg.test:
        best = checkpoints.best_model_path if cfg.train and checkpoints else ""
        averaged = next((callback.path for callback in run.callbacks if isinstance(callback, AverageLastEpochs)),
                        None)
        if cfg.train and averaged and Path(averaged).is_file():
            best = averaged
        trainer.test(task, datamodule=datamodule, ckpt_path=best or (None if cfg.train else checkpoint_path),
                     weights_only=True, verbose=False)
        metrics.update(trainer.callback_metrics)
        if rank_zero_only.rank == 0:
            log_test_table({name: float(value) for name, value in trainer.callback_metrics.items()
                            if not name.startswith(("train/", "val/"))})
    metrics = {name: float(value) for name, value in metrics.items()}
    return metrics, run


def returned_metric(run: Assembly, metrics: dict) -> float | None:
    """What a sweeper optimises: the best checkpoint's score, or the last validation's where none was kept."""
    return metrics.get(f"best/{run.objective}", metrics.get(run.objective))
