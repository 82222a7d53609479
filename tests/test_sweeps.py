"""Sweeps: the comparison of every architecture on one data set, parameter budgets, wandb groups, and jobs run side
by side with their share of the cores."""
import csv
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import OmegaConf
from pytorch_lightning.callbacks import EarlyStopping

from tests.conftest import CONF, MODELS, ROOT
from tests.test_cli import zoo
from zoo.run.budget import count_parameters, parse_budget, width_for_budget
from zoo.errors import ZooError
from zoo.launch.parallelism import parallel_jobs, threads_per_job
from zoo.run.assemble import watches_a_metric
from zoo.run.build import build_task, plain
from zoo.run.job import run

EXPERIMENTS = sorted(path.stem for path in (CONF / "experiment").glob("*.yaml"))
DEBUG_SIZES = ["debug=default", "data=copy", "++trainer.fast_dev_run=true"]


def zoo_multirun(*args: str, threads: str | None = "1") -> subprocess.CompletedProcess:
    env = {**os.environ, "WANDB_SILENT": "true", "HYDRA_FULL_ERROR": "1"}
    env.pop("OMP_NUM_THREADS", None)
    if threads:
        env["OMP_NUM_THREADS"] = threads
    return subprocess.run([sys.executable, "-m", "zoo", "-m", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_composes(experiment):
    with initialize_config_dir(str(CONF), version_base="1.3"):
        cfg = compose("train", overrides=[f"experiment={experiment}"], return_hydra_config=True)
    assert cfg.model and cfg.data and cfg.trainer


@pytest.mark.parametrize("experiment", ["compare", "compare_smoke"])
def test_the_comparison_sweeps_every_architecture(experiment):
    with initialize_config_dir(str(CONF), version_base="1.3"):
        cfg = compose("train", overrides=[f"experiment={experiment}"], return_hydra_config=True)
    # the model group's options: a new architecture joins the comparison with no edit here
    assert sorted(cfg.hydra.sweeper.params.model.split(",")) == MODELS


def wandb_run_record(run_dir: str) -> dict:
    """The run record of an offline wandb run, as wandb itself reads it back: name, group, job type, tags."""
    wandb_cli = Path(sys.executable).with_name("wandb")
    records = subprocess.run([str(wandb_cli), "leet", "inspect", "--json", run_dir], capture_output=True, text=True,
                             timeout=120, check=True).stdout.splitlines()
    return next(record["run"] for record in map(json.loads, records) if record["type"] == "run")


def test_compare_smoke_trains_every_architecture_as_a_tracked_run_of_one_group(tmp_path):
    sweep = tmp_path / "sweep"
    result = zoo_multirun("experiment=compare_smoke", "data=copy", "++trainer.fast_dev_run=true",
                          f"hydra.sweep.dir={sweep}")
    assert result.returncode == 0, result.stderr[-3000:]
    summaries = [json.loads(path.read_text()) for path in sorted(sweep.glob("*/summary.json"))]
    assert sorted(summary["config"]["model"]["_target_"].split(".")[-2] for summary in summaries) == MODELS
    for summary in summaries:
        assert summary["status"] == "completed"
        assert summary["config"]["model"]["d_model"] == 32  # debug's width: the smoke run has no budget
        model = summary["config"]["model"]["_target_"].split(".")[-2]
        [tracker] = summary["trackers"]
        record = wandb_run_record(tracker["path"])
        assert record["run_id"] == tracker["id"]
        assert record["run_group"] == "sweep"
        assert record["job_type"] == f"{model}-copy" and record["tags"] == [model, "copy"]


def leaderboard(sweep: Path) -> list[dict]:
    """zoo.compare's verdict of a sweep: per model, the test figure's mean and interval over seeds."""
    compared = subprocess.run([sys.executable, "-m", "zoo.compare", str(sweep)], cwd=ROOT, capture_output=True,
                              text=True, timeout=300)
    assert compared.returncode == 0, compared.stderr[-3000:]
    with (sweep / "leaderboard.csv").open() as file:
        return [{key: row[key] for key in ("model", "verdict_mean", "verdict_ci_low", "verdict_ci_high", "rank")}
                for row in csv.DictReader(file)]


def test_a_comparison_run_again_skips_its_finished_jobs_and_ends_with_the_same_leaderboard(tmp_path):
    sweep = ["experiment=compare_smoke", "data=sunspots", "logger=none", "model=ar", "seed=0,1,2",
             f"hydra.sweep.dir={tmp_path}"]
    assert zoo_multirun(*sweep).returncode == 0
    uninterrupted = leaderboard(tmp_path)
    summaries = sorted(tmp_path.glob("*/summary.json"))
    assert len(summaries) == 3
    cut_short, finished = summaries[:1], {path: path.stat().st_mtime_ns for path in summaries[1:]}
    for path in cut_short:  # as if the sweep had been stopped before this job finished
        path.unlink()
    result = zoo_multirun(*sweep)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (result.stdout + result.stderr).count("holds a finished run of this config") == 2
    assert all(path.stat().st_mtime_ns == written for path, written in finished.items())  # not run again
    assert all(path.is_file() for path in cut_short)
    assert leaderboard(tmp_path) == uninterrupted


def test_every_experiment_runs_end_to_end_at_smoke_size(tmp_path):
    result = zoo_multirun("experiment=glob(*)", "data=copy", "debug=default", "logger=none",
                          "++trainer.fast_dev_run=true", f"hydra.sweep.dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-3000:]
    summaries = [json.loads(path.read_text()) for path in tmp_path.glob("*/summary.json")]
    assert len(summaries) == len(EXPERIMENTS)
    assert all(summary["status"] == "completed" for summary in summaries)


def test_a_single_run_is_a_group_of_its_own(compose_in, tmp_path):
    cfg = compose_in("model=gru", "data=copy")
    assert cfg.logger.wandb.group == tmp_path.name
    assert cfg.logger.wandb.job_type == "gru-copy"


@pytest.mark.parametrize("text,count", [("100k", 100_000), ("1.5M", 1_500_000), ("250000", 250_000),
                                        ("2K", 2_000), ("0.5m", 500_000)])
def test_budgets_read_as_counts(text, count):
    assert parse_budget(text) == count


@pytest.mark.parametrize("text", ["abc", "1e6", "10%", "-5", "0", "1.5 G", "0.0001k"])
def test_a_malformed_budget_names_the_key_and_the_forms(text):
    with pytest.raises(ZooError, match=r"model\.params=.*e\.g\. 250000, 100k or 1\.5M"):
        parse_budget(text)


@pytest.fixture(scope="module")
def datamodules(tmp_path_factory):
    """Each data set read once; translation with a 4000-token vocabulary, the case these budgets spell out."""
    from tests.conftest import compose_run

    built = {}
    for data, overrides in (("translation", ["data.vocab_size=4000"]), ("copy", [])):
        datamodule = instantiate(compose_run([f"data={data}", *overrides], tmp_path_factory.mktemp(data)).data)
        datamodule.setup("fit")
        built[data] = datamodule
    return built


@pytest.mark.parametrize("data,budget,heads", [
    ("copy", "100k", 4), ("copy", "1M", 4), ("translation", "1M", 4),
    # at 100k the 4000-token embedding leaves d_model near 18: steps of 4 move the count by a quarter, steps of 2 do not
    ("translation", "100k", 2),
])
def test_a_budget_lands_every_architecture_within_ten_percent(data, budget, heads, datamodules, compose_in):
    for model in MODELS:
        cfg = compose_in(f"model={model}", f"data={data}", f"model.params={budget}", f"model.n_heads={heads}")
        d_model, parameters = width_for_budget(cfg, datamodules[data])
        assert d_model % heads == 0
        assert abs(parameters - parse_budget(budget)) <= 0.1 * parse_budget(budget), (model, d_model, parameters)


def test_a_budget_between_two_widths_says_that_fewer_heads_give_finer_steps(datamodules, compose_in):
    cfg = compose_in("model=transformer", "data=translation", "model.params=100k", "task.decoder_layers=null")
    with pytest.raises(ZooError, match=r"parameters \(d_model=\d+\), more than 10% from 100,000; d_model "
                                       r"moves in steps of model.n_heads=4, and fewer heads give finer steps$"):
        width_for_budget(cfg, datamodules["translation"])


def test_counting_on_the_meta_device_counts_the_task_that_is_built(datamodules, compose_in):
    cfg = compose_in("model=latent_ar", "data=translation")
    rng = torch.get_rng_state()
    counted = count_parameters(cfg, datamodules["translation"], d_model=24)
    assert torch.equal(torch.get_rng_state(), rng)  # trying widths leaves the run's random numbers alone
    task = build_task(cfg, datamodules["translation"], {**plain(cfg.model), "d_model": 24})
    assert counted == sum(parameter.numel() for parameter in task.parameters())


def test_a_budget_too_small_for_the_embeddings_names_the_nearest_count(datamodules, compose_in):
    cfg = compose_in("model=rnn", "data=translation", "model.params=5k")
    with pytest.raises(ZooError, match=r"model\.params=5k: .* is [\d,]+ parameters \(d_model=4\), more than 10% "
                                       r"from 5,000; even the narrowest width exceeds it$"):
        width_for_budget(cfg, datamodules["translation"])


def test_a_run_under_a_budget_builds_logs_and_records_the_width_it_found(compose_in, tmp_path, caplog):
    cfg = compose_in("model=lstm", "model.params=30k", *DEBUG_SIZES, "logger=none")
    with caplog.at_level(logging.INFO, logger="zoo.run.budget"):
        run(cfg)
    summary = json.loads((tmp_path / "summary.json").read_text())
    logged = re.search(r"model.params=30k: d_model=(\d+), ([\d,]+) parameters", caplog.text)
    assert summary["config"]["model"]["d_model"] == int(logged[1]) != 32  # not debug's width
    assert summary["config"]["model"]["params"] is None
    assert summary["parameters"] == int(logged[2].replace(",", "")) == pytest.approx(30_000, rel=0.1)


def test_a_malformed_budget_fails_before_any_data_is_read(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "zoo", "model.params=lots", "data.path=/no/such/file.tsv", f"hydra.run.dir={tmp_path}"],
        cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": "1", "HYDRA_FULL_ERROR": "0"}, capture_output=True,
        text=True, timeout=300)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: model.params=lots is not a parameter count: write e.g. 250000, 100k or 1.5M")


@pytest.mark.parametrize("n_jobs,cores,jobs", [(-1, 8, 8), (-2, 8, 7), (3, 8, 3), (16, 2, 16), (-4, 2, 1)])
def test_n_jobs_reads_as_joblib_reads_it(n_jobs, cores, jobs):
    assert parallel_jobs(n_jobs, cores) == jobs


@pytest.mark.parametrize("cores,jobs,threads", [(2, 2, 1), (16, 4, 4), (2, 16, 1), (6, 4, 1)])
def test_each_parallel_job_takes_its_share_of_the_cores(cores, jobs, threads):
    assert threads_per_job(cores, jobs) == threads


def test_joblib_jobs_run_side_by_side_on_their_share_of_the_cores(tmp_path):
    # the sweep directory's name is a timestamp resolved in the launching process: each worker must see the same
    result = zoo_multirun("hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "model=rnn,gru", *DEBUG_SIZES,
                          f"hydra.sweep.dir={tmp_path}/${{now:%H-%M-%S-%f}}", threads=None)
    assert result.returncode == 0, result.stderr[-3000:]
    [sweep] = tmp_path.iterdir()
    for job in (0, 1):
        summary = json.loads((sweep / str(job) / "summary.json").read_text())
        assert summary["status"] == "completed"
        assert summary["config"]["logger"]["wandb"]["group"] == sweep.name
        # the job's own log (Hydra writes one per job) records the threads its torch ran with
        job_log = "".join(path.read_text() for path in (sweep / str(job)).glob("*.log"))
        split = re.search(r"torch threads: (\d+) \((\d+) cores, (\d+) parallel jobs\)", job_log)
        threads, cores, jobs = map(int, split.groups())
        assert jobs == 2 and threads == max(1, cores // 2)


def test_a_comparison_on_a_probe_scored_by_accuracy_stops_on_a_plateau_and_when_solved(tmp_path):
    # recall's own metric is val/accuracy, which the solved stop watches too: two EarlyStopping callbacks on one
    # metric, which Lightning refuses unless their checkpointed states have keys of their own
    result = zoo_multirun("experiment=compare_smoke", "data=recall", "model=gru", "logger=none",
                          f"hydra.sweep.dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-3000:]
    [summary] = [json.loads(path.read_text()) for path in tmp_path.glob("*/summary.json")]
    assert summary["status"] == "completed"
    assert summary["config"]["callbacks"]["solved"]["threshold"] == 0.99
    assert summary["config"]["callbacks"]["early_stopping"]["patience"] == 5


@pytest.mark.parametrize("data, solvable", [("copy", True), ("digits", False)])
def test_the_solved_stop_ends_a_probe_and_no_real_data_set(tmp_path, data, solvable):
    # a threshold every run passes at its first validation: a probe stops there; digits, whose small validation
    # split reaches 0.99 long before it stops learning, trains to its budget
    result = zoo(f"data={data}", "debug=default", "logger=none", "callbacks=protocol", "callbacks.solved.threshold=0",
                 "trainer.limit_train_batches=2", "trainer.max_epochs=3", f"hydra.run.dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["steps"] == (2 if solvable else 6)


@pytest.mark.parametrize("data, min_steps, steps", [("digits", 0, 4), ("digits", 4, 6), ("copy", 4, 2)])
def test_no_plateau_stop_before_min_steps_and_a_solved_probe_stops_at_once(tmp_path, data, min_steps, steps):
    # min_delta so large that nothing after the first validation counts as improvement: with patience 1 the plateau
    # stop fires at the second validation it watches (one every 2 steps); the solved stop, at threshold 0, at the first
    result = zoo(f"data={data}", "debug=default", "logger=none", "callbacks=protocol", "trainer.limit_train_batches=2",
                 "trainer.max_epochs=5", "callbacks.early_stopping.patience=1", "callbacks.early_stopping.min_delta=1e9",
                 f"callbacks.early_stopping.min_steps={min_steps}", "callbacks.solved.threshold=0",
                 f"hydra.run.dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads((tmp_path / "summary.json").read_text())["steps"] == steps


class PatientStop(EarlyStopping):
    """A user's own early stopping, named as zoo never names one."""


@pytest.mark.parametrize("target, watches", [
    (f"{PatientStop.__module__}.PatientStop", True), ("zoo.run.stopping.StopOnPlateau", True),
    ("pytorch_lightning.callbacks.ModelCheckpoint", True), ("pytorch_lightning.callbacks.LearningRateMonitor", False),
    ("zoo.run.stopping.NoSuchStop", False)])
def test_a_callback_that_watches_a_metric_is_known_by_its_class_not_its_name(target, watches):
    # one that names no monitor is given the data set's metric; a target that is not a class is build's to report
    assert watches_a_metric(OmegaConf.create({"_target_": target})) == watches
