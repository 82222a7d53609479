"""A run read back from its directory: its config (summary.json), a checkpoint, and the data module's state that
checkpoint carries (a fitted vocabulary). Training's resume, zoo.cli.sample and zoo.cli.score_translation all
start here."""
import logging
from dataclasses import dataclass
from pathlib import Path

from zoo.errors import ZooError
from zoo.run.checkpoints import RunState, newest_readable_checkpoint, read_checkpoint
from zoo.run.record import FILE_NAME, MalformedSummary, Summary, read_summary

log = logging.getLogger(__name__)

# a run directory's layout: callbacks=default's checkpoints, and the mean of the last epochs (optim.average_epochs)
CHECKPOINTS = "checkpoints"
AVERAGED = "averaged.ckpt"


@dataclass(frozen=True)
class SavedRun:
    directory: Path
    summary: Summary | None  # None where the run was stopped before it wrote one
    checkpoint_path: Path
    checkpoint: dict  # weights, hyper-parameters, the data module's state, RunState's

    @property
    def config(self) -> dict:
        """The resolved config the run was built from."""
        if self.summary is None:
            raise no_summary(self.directory)
        return self.summary.config

    @property
    def config_digest(self) -> str | None:
        """The digest of the config whose run wrote the checkpoint."""
        return self.checkpoint.get("callbacks", {}).get(RunState.__qualname__, {}).get("config_digest")

    def data_state(self, datamodule) -> dict:
        """What `datamodule` (of the run's data set) restores to decode what these weights predict: its vocabulary."""
        return self.checkpoint.get(type(datamodule).__qualname__, {})


def load_run(run_dir: str | Path, checkpoint: str | Path = "tested", checkpoint_dir: Path | None = None) -> SavedRun:
    """The run of `run_dir` with one of its checkpoints: "tested", the weights its test read (averaged.ckpt where it
    averaged its last epochs, else its last checkpoint); "last", the newest readable one of `checkpoint_dir`
    (default RUN_DIR/checkpoints), where a stopped run goes on from; or a checkpoint file's path."""
    directory = Path(run_dir)
    summary = summary_of(directory)
    if checkpoint == "last":
        path, contents = newest_readable_checkpoint(checkpoint_dir or directory / CHECKPOINTS)
    elif checkpoint == "tested":
        if summary is None:  # only a run that finished has tested
            raise no_summary(directory)
        path = tested_weights(directory)
        contents = read_checkpoint(path)
    else:
        path, contents = checkpoint, read_checkpoint(checkpoint)
    return SavedRun(directory, summary, Path(path), contents)


def no_summary(run_dir: Path) -> ZooError:
    return ZooError(f"{run_dir}: holds no summary.json of a zoo run; give the directory a run wrote")


def tested_weights(run_dir: Path) -> Path:
    averaged = run_dir / AVERAGED
    return averaged if averaged.is_file() else run_dir / CHECKPOINTS / "last.ckpt"


def summary_of(run_dir: Path) -> Summary | None:
    try:
        summary, _ = read_summary(run_dir / FILE_NAME)
    except MalformedSummary:
        return None
    return summary


def interrupted_run(run_dir: Path, checkpoint_dir: Path, digest: str) -> SavedRun | None:
    """The run of `run_dir` at the newest readable checkpoint of `checkpoint_dir` where a run of the config `digest`
    wrote it (a job killed before it finished), else none: a checkpoint of another config, or none readable, is no
    place to go on from."""
    if not any(checkpoint_dir.glob("*.ckpt")):
        return None
    try:
        saved = load_run(run_dir, "last", checkpoint_dir)
    except ZooError as error:
        log.warning("started afresh: %s", error)
        return None
    if saved.config_digest != digest:
        log.warning("started afresh: %s holds a checkpoint of another config", checkpoint_dir)
        return None
    log.info("resumed from %s, left by a run of this config that did not finish (skip_finished=true)",
             saved.checkpoint_path)
    return saved
