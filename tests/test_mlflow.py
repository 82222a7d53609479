"""logger=mlflow: each job of a multirun is an MLflow run of its own in a local SQLite store, holding the resolved
config as params, the metrics and summary.json; a resumed run logs on into its MLflow run. Read back with MLflow's
own client, as `mlflow ui` would."""
import json
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient
from omegaconf import OmegaConf

from tests.conftest import CONF
from tests.test_cli import zoo
from zoo.errors import ZooError
from zoo.run.mlflow_store import make_stores

RUN = ["debug=default", "data=sunspots", "logger=mlflow", "trainer.enable_progress_bar=false"]


def mlflow_options(store: Path) -> list[str]:
    return [f"logger.mlflow.tracking_uri=sqlite:///{store}/mlflow.db",
            f"logger.mlflow.artifact_location={store}/artifacts"]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """A two-job multirun (an RNN and a GRU) logged to MLflow, with its store and summaries. The jobs run side by
    side (joblib), both starting on a store that does not exist yet."""
    store = tmp_path_factory.mktemp("mlflow")
    result = zoo("-m", *RUN, "model=rnn,gru", "hydra/launcher=joblib", *mlflow_options(store),
                 f"hydra.sweep.dir={store}/sweep")
    assert result.returncode == 0, result.stderr[-3000:]
    client = MlflowClient(f"sqlite:///{store}/mlflow.db")
    return store, client, [json.loads((store / "sweep" / str(job) / "summary.json").read_text()) for job in (0, 1)]


def runs_of(client: MlflowClient) -> dict:
    experiment = client.get_experiment_by_name("zoo")
    return {run.info.run_id: run for run in client.search_runs([experiment.experiment_id])}


def test_each_job_is_an_mlflow_run_with_the_config_as_params_and_the_test_metrics(sweep):
    store, client, summaries = sweep
    runs = runs_of(client)
    assert len(runs) == 2
    for summary in summaries:
        [tracker] = summary["trackers"]
        assert tracker["tracker"] == "MLFlowLogger" and tracker["path"] == f"sqlite:///{store}/mlflow.db"
        run = runs[tracker["id"]]
        assert run.info.status == "FINISHED"
        assert run.info.run_name == f"{summary['options']['model']}-sunspots"
        assert run.data.tags["group"] == "sweep"  # the sweep's runs grouped, as in wandb
        # the resolved config, flattened: every knob of the model and the data set is a param
        assert run.data.params["model/_target_"] == summary["config"]["model"]["_target_"]
        assert run.data.params["model/d_model"] == "32" and run.data.params["data/_target_"].endswith("SunspotsData")
        assert run.data.params["optim/lr"] == str(summary["config"]["optim"]["lr"])
        for split in ("test_1921_1955", "test_1956_1979"):
            assert run.data.metrics[f"{split}/rmse"] == pytest.approx(summary["metrics"][f"{split}/rmse"])
        [artifact] = client.list_artifacts(run.info.run_id)
        assert artifact.path == "summary.json"
        copy = Path(client.download_artifacts(run.info.run_id, "summary.json", str(store)))
        assert json.loads(copy.read_text())["metrics"] == summary["metrics"]
    assert {run.data.params["model/_target_"] for run in runs.values()} == {"zoo.models.rnn.RNN", "zoo.models.gru.GRU"}


def test_a_resumed_run_logs_on_into_its_mlflow_run(sweep):
    store, client, summaries = sweep
    job = store / "sweep" / "0"  # the RNN: one epoch, then resumed from its last checkpoint for a second
    result = zoo(*RUN, "model=rnn", *mlflow_options(store), "ckpt_path=last", "trainer.max_epochs=2",
                 f"hydra.run.dir={job}")
    assert result.returncode == 0, result.stderr[-3000:]
    resumed = json.loads((job / "summary.json").read_text())
    run_id = summaries[0]["trackers"][0]["id"]
    assert resumed["trackers"][0]["id"] == run_id and len(runs_of(client)) == 2  # no third run
    validations = client.get_metric_history(run_id, "val/rmse")
    assert len(validations) == 2  # the first epoch's, then the resumed second epoch's
    assert validations[-1].value == pytest.approx(resumed["validation"][-1]["val/rmse"])
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["ckpt_path"] == "None"  # MLflow keeps a param's first value: the run as it started


def test_without_mlflow_installed_the_error_says_which_extra(tmp_path, monkeypatch):
    loggers = OmegaConf.load(CONF / "logger" / "mlflow.yaml")
    loggers.mlflow.tracking_uri = f"sqlite:///{tmp_path}/mlflow.db"
    loggers.mlflow.artifact_location = str(tmp_path / "artifacts")
    monkeypatch.setitem(sys.modules, "mlflow", None)  # as if it were not installed
    with pytest.raises(ZooError, match=r"logger=mlflow needs MLflow's client: pip install 'zoo\[mlflow\]'"):
        make_stores(loggers)
