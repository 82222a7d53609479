"""An MLflow run's SQLite store, made before its logger is: jobs started side by side on a new store would each
create its tables and its experiment, and all but one fail (`table _alembic_tmp_experiments already exists`). A file
lock beside the database lets one process at a time make them."""
import fcntl
from pathlib import Path

from omegaconf import DictConfig

from zoo.errors import ZooError

SQLITE = "sqlite:///"


def make_stores(loggers: DictConfig | None) -> None:
    """The store and experiment of each MLFlowLogger in the logger group that writes to SQLite (a server or another
    database makes its own)."""
    for node in (loggers or {}).values():
        if node and str(node.get("_target_")).endswith(".MLFlowLogger") and \
                str(node.get("tracking_uri")).startswith(SQLITE):
            make_store(node.tracking_uri, node.get("experiment_name", "lightning_logs"), node.get("artifact_location"))


def make_store(uri: str, experiment: str, artifact_location: str | None) -> None:
    try:
        from mlflow import MlflowClient
    except ModuleNotFoundError:
        raise ZooError("logger=mlflow needs MLflow's client: pip install 'zoo[mlflow]'") from None

    database = Path(uri.removeprefix(SQLITE))
    database.parent.mkdir(parents=True, exist_ok=True)  # SQLite makes no directories
    with open(database.with_name(database.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # let go when the file closes
        client = MlflowClient(uri)  # creates the tables of a new store
        if client.get_experiment_by_name(experiment) is None:
            client.create_experiment(experiment, artifact_location=artifact_location)
