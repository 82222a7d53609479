"""`python -m zoo` as a user runs it: look before running, one run end to end, and bad input."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MODELS, ROOT

TINY = ["debug=default", "data.max_pairs=300", "data.vocab_size=300", "trainer.limit_train_batches=3"]


def zoo(*args: str, cwd: Path = ROOT, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "WANDB_SILENT": "true", "OMP_NUM_THREADS": "1", "HYDRA_FULL_ERROR": "0"}
    return subprocess.run([sys.executable, "-m", "zoo", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_help_lists_groups_and_options_without_importing_lightning():
    probe = (
        "import sys, runpy; sys.argv = ['zoo', '--help']\n"
        "try:\n    runpy.run_module('zoo', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print('HEAVY', sorted(m for m in ('pytorch_lightning', 'lightning', 'wandb', 'torch') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert f"model: {', '.join(MODELS)}" in result.stdout
    assert "logger: csv, mlflow, none, tensorboard, wandb" in result.stdout
    assert "HEAVY []" in result.stdout


def test_cfg_job_prints_the_composed_config():
    result = zoo("--cfg", "job", "model=lstm", "model.d_model=64")
    assert result.returncode == 0
    assert "_target_: zoo.models.lstm.LSTM" in result.stdout and "d_model: 64" in result.stdout


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    result = zoo(*TINY, "model=gru", "logger=[wandb,csv]", f"hydra.run.dir={run_dir}")
    assert result.returncode == 0, result.stderr[-3000:]
    return run_dir, result


def test_a_run_writes_its_summary(finished_run):
    run_dir, _ = finished_run
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["config"]["model"]["_target_"] == "zoo.models.gru.GRU"
    assert {"val/loss", "test/loss", "test/bleu", "test/chrf"} <= set(summary["metrics"])
    assert summary["parameters"] > 0 and summary["tokens_per_second"] > 0 and summary["wall_seconds"] > 0
    assert [tracker["tracker"] for tracker in summary["trackers"]] == ["WandbLogger", "CSVLogger"]
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()


def test_the_wandb_offline_run_reads_back_with_wandb_itself(finished_run):
    run_dir, _ = finished_run
    summary = json.loads((run_dir / "summary.json").read_text())
    wandb_run = next(tracker for tracker in summary["trackers"] if tracker["tracker"] == "WandbLogger")
    assert Path(wandb_run["path"]).is_relative_to(run_dir)
    wandb_cli = Path(sys.executable).with_name("wandb")
    inspected = subprocess.run([str(wandb_cli), "leet", "inspect", "--summary", "--json", wandb_run["path"]],
                               capture_output=True, text=True, timeout=120)
    record = json.loads(inspected.stdout)
    assert record["run_id"] == wandb_run["id"] and record["state"] == "finished"
    assert record["summary"]["test/bleu"] == pytest.approx(summary["metrics"]["test/bleu"])
    assert record["summary"]["val/loss"] == pytest.approx(summary["metrics"]["val/loss"])
    assert record["config"]["model"]["_target_"] == "zoo.models.gru.GRU"


def evaluate(checkpoint, run_dir, *overrides) -> dict:
    result = zoo(*TINY, "model=gru", "logger=none", "train=false", f"ckpt_path={checkpoint}",
                 f"hydra.run.dir={run_dir}", *overrides)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((run_dir / "summary.json").read_text())["metrics"]


def test_evaluating_the_checkpoint_gives_the_same_test_metrics(finished_run, tmp_path):
    """... and decode.greedy_too adds the greedy figures beside the beam's, as a greedy run of its own gives them."""
    run_dir, _ = finished_run
    summary = json.loads((run_dir / "summary.json").read_text())
    checkpoint = next((run_dir / "checkpoints").glob("epoch*.ckpt"))
    evaluated = evaluate(checkpoint, tmp_path / "beam", "decode.greedy_too=true")
    for name in ("test/loss", "test/bleu", "test/chrf"):
        assert evaluated[name] == pytest.approx(summary["metrics"][name])
    greedy = evaluate(checkpoint, tmp_path / "greedy", "decode.beam_size=1")
    assert "test/bleu_greedy" not in greedy
    for name in ("test/bleu", "test/chrf"):
        assert evaluated[f"{name}_greedy"] == pytest.approx(greedy[name])


@pytest.mark.parametrize("override,expected", [
    ("model=mambo", "Could not find 'model/mambo'"),
    ("model.d_model=abc", "model.d_model"),
    ("model.d_modle=64", "model.d_modle"),
    ("trainer.max_epoch=3", "trainer.max_epoch"),
    ("model.n_heads=3", "model.d_model=32 is not divisible by model.n_heads=3"),
    ("model=ar model.window=0", "model.window must be >= 1"),
    ("data.path=/no/such/file.tsv", "data file not found: /no/such/file.tsv"),
    ("ckpt_path=/no/such.ckpt", "ckpt_path=/no/such.ckpt: no such checkpoint file"),
    ("data=series", "data.path must be given"),
    ("data=digits data.patch=3", "data.patch"),
    ("optim.lr=-0.1", "optim.lr must be > 0, got -0.1"),
    ("model.dropout=1", "model.dropout must be in [0, 1), got 1.0"),
    ("data.max_tokens=1", "every training pair is longer than data.max_tokens=1 subword tokens"),
])
def test_bad_input_is_one_clear_error_and_a_failing_exit(override, expected, tmp_path):
    tiny = [option for option in TINY if not override.startswith("data=") or not option.startswith("data.")]
    result = zoo(*tiny, "logger=none", *override.split(), f"hydra.run.dir={tmp_path}")
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_model_lists_the_available_ones(tmp_path):
    result = zoo("model=mambo", f"hydra.run.dir={tmp_path}")
    assert "Available options in 'model'" in result.stderr
    for name in MODELS:
        assert f"\t{name}\n" in result.stderr


def test_multirun_jobs_each_record_and_track_a_run_of_their_own(tmp_path):
    result = zoo("-m", *TINY, "model=rnn,lstm", "trainer.limit_train_batches=1", f"hydra.sweep.dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-3000:]
    summaries = [json.loads((tmp_path / str(job) / "summary.json").read_text()) for job in (0, 1)]
    assert [summary["model"] for summary in summaries] == ["RNN", "LSTM"]
    wandb_runs = [summary["trackers"][0] for summary in summaries]
    assert wandb_runs[0]["id"] != wandb_runs[1]["id"]
    for job, wandb_run in enumerate(wandb_runs):
        assert Path(wandb_run["path"]).is_relative_to(tmp_path / str(job))


def test_resuming_from_a_checkpoint_continues_its_training(finished_run, tmp_path):
    run_dir, _ = finished_run
    first = json.loads((run_dir / "summary.json").read_text())
    result = zoo(*TINY, "model=gru", "logger=none", "trainer.max_epochs=2",
                 f"ckpt_path={run_dir / 'checkpoints' / 'last.ckpt'}", f"hydra.run.dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-3000:]
    resumed = json.loads((tmp_path / "summary.json").read_text())
    assert first["steps"] == 3 and resumed["steps"] == 6
