"""Checkpoints: read safely, found again to resume a run, checked against the task they are loaded into, and
carrying what Lightning's own do not hold."""
import logging
import pickle
from pathlib import Path

import pytorch_lightning as pl
import torch

from zoo.errors import ZooError

log = logging.getLogger(__name__)

# trackers that go on appending to a run given its id; a CSVLogger given its old version would rewrite its file
RESUMABLE_TRACKERS = ("WandbLogger", "TensorBoardLogger", "MLFlowLogger")


def read_checkpoint(path: str | Path) -> dict:
    """A checkpoint's contents, loaded safely: tensors and plain data only, never pickled code."""
    if not Path(path).is_file():
        raise ZooError(f"ckpt_path={path}: no such checkpoint file")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        first_line = str(error).strip().splitlines()[0]
        raise ZooError(f"ckpt_path={path}: refused, it holds more than tensors and plain data ({first_line})") from None
    except (RuntimeError, EOFError, OSError) as error:
        raise ZooError(f"ckpt_path={path}: not a readable checkpoint ({error})") from None


def newest_readable_checkpoint(directory: Path) -> tuple[str, dict]:
    """`ckpt_path=last`: the newest checkpoint of a run directory that reads back whole, and its contents.

    Lightning writes a checkpoint to a temporary file and moves it into place, so a kill while writing leaves the
    earlier ones whole; one damaged all the same (a copy cut short, a full disk) is passed over for the one before.
    """
    candidates = sorted(directory.glob("*.ckpt"), key=lambda path: path.stat().st_mtime_ns, reverse=True)
    for candidate in candidates:
        try:
            return str(candidate), read_checkpoint(candidate)
        except ZooError as error:
            log.warning("passed over: %s", error)
    raise ZooError(f"ckpt_path=last: no readable checkpoint in {directory}; resume a run in its own directory "
                   f"(python -m zoo <its overrides> hydra.run.dir=<its directory> ckpt_path=last)")


def check_fits(checkpoint: dict, task: torch.nn.Module, path: str) -> None:
    """Refuse, in one line, a checkpoint whose weights do not fit the task built from this config (another
    architecture, width or vocabulary), before Lightning's wall of missing and unexpected keys."""
    weights = checkpoint.get("state_dict", {})
    expected = {name: tuple(tensor.shape) for name, tensor in task.state_dict().items()}
    found = {name: tuple(tensor.shape) for name, tensor in weights.items()}
    if found == expected:
        return
    built = checkpoint.get("hyper_parameters", {}).get("model", {})
    trained = f"{built.get('_target_', '?').rsplit('.', 1)[-1]} with d_model={built.get('d_model', '?')}"
    missing = sorted(expected.keys() - found.keys())
    different = sorted(name for name in expected.keys() & found.keys() if expected[name] != found[name])
    detail = (f"no weights for {missing[0]}" if missing else
              f"{different[0]} is {found[different[0]]} there, {expected[different[0]]} here" if different else
              f"weights this model lacks, such as {sorted(found.keys() - expected.keys())[0]}")
    raise ZooError(f"ckpt_path={path}: trained as {trained}, it does not fit the model this config builds "
                   f"({detail}); give the model and data options it was trained with")


class RunState(pl.Callback):
    """What a resumed run needs beyond Lightning's checkpoint: torch's random state, so that dropout goes on drawing
    the masks of a run never interrupted (zoo draws its random numbers from torch only), the tracker runs to go on
    logging into, and the digest of the config that wrote it (a sweep started again continues only its own job)."""

    def __init__(self, config_digest: str):
        self.config_digest = config_digest

    def state_dict(self) -> dict:
        trainer = self.trainer
        state = {"torch": torch.get_rng_state(), "config_digest": self.config_digest,
                 "trackers": {type(logger).__name__: str(logger.version) for logger in trainer.loggers}}
        if torch.cuda.is_available():
            state["cuda"] = torch.cuda.get_rng_state_all()
        return state

    def setup(self, trainer, task, stage):
        self.trainer = trainer

    def load_state_dict(self, state: dict) -> None:
        # restored before the sanity check, which Lightning runs with the random state put back afterwards
        torch.set_rng_state(state["torch"])
        if "cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])


def resumed_tracker_versions(checkpoint: dict) -> dict[str, str]:
    """Tracker class name -> the run id to continue, from a checkpoint written with RunState."""
    trackers = checkpoint.get("callbacks", {}).get(RunState.__qualname__, {}).get("trackers", {})
    return {name: version for name, version in trackers.items() if name in RESUMABLE_TRACKERS}
