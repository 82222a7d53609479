"""<run dir>/summary.json: the one record of a run, written by the run and read back by every tool (zoo.compare,
the sweepers, skip_finished, load_run) through one typed definition, `Summary`. No torch or Lightning: zoo.compare
reads it."""
import hashlib
import json
import math
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

FILE_NAME = "summary.json"
# 1: the first versioned record; a summary with no version was written before it, with the same fields
VERSION = 1


class MalformedSummary(ValueError):
    pass


@dataclass(kw_only=True)
class Summary:
    version: int = VERSION
    config: dict  # the resolved config as the run was built (model.d_model as the budget chose it, the precision)
    status: str  # completed or failed
    error: str | None = None  # "ExceptionType: message" of a failed run
    model: str | None = None  # the architecture's class name
    options: dict = field(default_factory=dict)  # the option chosen in each config group: {"model": "lstm", ...}
    metrics: dict = field(default_factory=dict)  # every logged figure; a non-finite one is null
    objective: dict | None = None  # {"name": "val/loss", "mode": "min"}: what a sweeper optimises
    returned: float | None = None  # the objective's value the run returned to its sweeper
    config_digest: str | None = None  # what skip_finished recognises the same config by
    parameters: int | None = None
    steps: int | None = None
    skipped_nonfinite_batches: int | None = None
    wall_seconds: float | None = None
    trackers: list = field(default_factory=list)  # {"tracker", "id", "path"} of each tracker run
    tokens_per_second: float | None = None
    validation: list = field(default_factory=list)  # each validation's val/* metrics, epoch, step and seconds
    peak_memory_mb: float | None = None
    data: dict = field(default_factory=dict)  # what was read beside the config: a classifier's class names


def write_summary(run_dir: str | Path, summary: Summary) -> Path:
    path = Path(run_dir) / FILE_NAME
    # NaN and inf are not JSON: a diverged metric is written as null rather than as an unreadable file
    text = json.dumps(_json_safe(asdict(summary)), indent=2, default=str)
    temporary = path.with_suffix(".json.tmp")
    try:
        temporary.write_text(text)
    except OSError as error:  # a full disk fails the write, whose error names no file
        raise OSError(error.errno, error.strerror, str(temporary)) from None
    temporary.replace(path)  # atomic: a reader never sees half a summary
    return path


def read_summary(path: Path) -> tuple[Summary, list[str]]:
    """The summary at `path`, and the names of the fields it ignored because they held the wrong type (each then
    takes its default). MalformedSummary where the file is no zoo summary at all."""
    try:
        written = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedSummary(f"not readable JSON ({error})") from None
    if not isinstance(written, dict) or not isinstance(written.get("status"), str):
        raise MalformedSummary("no status: not a zoo summary.json")
    config = written.get("config")
    if not isinstance(config, dict) or not all(isinstance(config.get(group), dict) for group in ("data", "model")):
        raise MalformedSummary("no data and model in its config")
    version = written.get("version", VERSION)
    if not isinstance(version, int) or version > VERSION:
        raise MalformedSummary(f"version {version}, newer than this zoo reads ({VERSION}): update zoo")
    hints = typing.get_type_hints(Summary)
    values, ignored = {}, []
    for known in fields(Summary):
        value = written.get(known.name)
        if value is None:  # missing or null: a run that failed early measured nothing
            continue
        if accepts(hints[known.name], value):
            values[known.name] = value
        else:
            ignored.append(known.name)
    return Summary(**values), ignored


def accepts(hint, value) -> bool:
    """Whether a JSON value is of a field's annotated type (an int where a float is declared; never a bool for a
    number)."""
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    kinds = tuple(typing.get_origin(kind) or kind for kind in allowed if kind is not type(None))
    if float in kinds:
        kinds += (int,)
    return isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)


def finished_objective(run_dir: str | Path, digest: str) -> tuple[bool, float | None]:
    """(True, the objective it returned) where run_dir holds a completed summary.json of the config `digest`."""
    try:
        summary, _ = read_summary(Path(run_dir) / FILE_NAME)
    except MalformedSummary:
        return False, None
    if summary.status != "completed" or summary.config_digest != digest:
        return False, None
    return True, summary.returned


def config_digest(cfg: DictConfig) -> str:
    """A fingerprint of a run's resolved config, kept in its summary: a finished run is recognised by it."""
    return hashlib.sha256(OmegaConf.to_yaml(cfg, resolve=True).encode()).hexdigest()[:16]


def _json_safe(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value
