"""<run dir>/summary.json: the one record of a run that zoo.compare reads, tracker or not."""
import hashlib
import json
import math
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf


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


def write_summary(run_dir: str, cfg: DictConfig, **record) -> Path:
    path = Path(run_dir) / "summary.json"
    body = {"config": OmegaConf.to_container(cfg, resolve=True), **record}
    # NaN and inf are not JSON: a diverged metric is written as null rather than as an unreadable file
    text = json.dumps(_json_safe(body), indent=2, default=str)
    temporary = path.with_suffix(".json.tmp")
    try:
        temporary.write_text(text)
    except OSError as error:  # a full disk fails the write, whose error names no file
        raise OSError(error.errno, error.strerror, str(temporary)) from None
    temporary.replace(path)  # atomic: a reader never sees half a summary
    return path


def config_digest(cfg: DictConfig) -> str:
    """A fingerprint of a run's resolved config, kept in its summary: a finished run is recognised by it."""
    return hashlib.sha256(OmegaConf.to_yaml(cfg, resolve=True).encode()).hexdigest()[:16]


def finished_objective(run_dir: str, digest: str) -> tuple[bool, float | None]:
    """(True, the objective it returned) where run_dir holds a completed summary.json of the config `digest`."""
    path = Path(run_dir) / "summary.json"
    try:
        summary = json.loads(path.read_text())
    except (OSError, ValueError):
        return False, None
    if summary.get("status") != "completed" or summary.get("config_digest") != digest:
        return False, None
    return True, summary.get("returned")


def _json_safe(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value
