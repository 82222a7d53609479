"""experiment=long_range: every architecture on copy and recall over a ladder of lags and learning rates; its smoke
version run end to end through Hydra's multirun, then `python -m zoo.compare` drawing accuracy against lag."""
import json
import os
import subprocess
import sys

import matplotlib.image
import pytest
from hydra import compose, initialize_config_dir

from tests.conftest import CONF, MODELS, ROOT
from tests.test_cli import zoo


def sweep_of(experiment: str) -> dict[str, list[str]]:
    with initialize_config_dir(str(CONF), version_base="1.3"):
        cfg = compose("train", overrides=[f"experiment={experiment}"], return_hydra_config=True)
    return {key: str(values).split(",") for key, values in cfg.hydra.sweeper.params.items()}


@pytest.mark.parametrize("experiment", ["long_range", "long_range_smoke"])
def test_the_sweep_crosses_every_architecture_both_probes_lags_and_learning_rates(experiment):
    sweep = sweep_of(experiment)
    assert sorted(sweep["model"]) == MODELS
    assert sorted(sweep["data"]) == ["copy", "recall"]
    lags = [int(lag) for lag in sweep["data.lag"]]
    assert lags == sorted(lags) and len(lags) >= 2
    assert len(sweep["optim.lr"]) >= 2
    if experiment == "long_range":
        assert len(lags) >= 3 and max(lags) >= 16 * min(lags) and len(sweep["optim.lr"]) >= 3
        assert len(sweep["seed"]) >= 3


def reach(data: str, lag: int, probe) -> int:
    """How many inputs back the oldest one a target needs lies, counting the target's own input: copy emits each
    symbol length + lag steps after reading it; recall's last query needs the first pair's key, at position 0."""
    if data == "copy":
        return probe.length + lag + 1
    last_query = 2 * probe.n_pairs + lag + 2 * probe.n_queries - 2
    return last_query + 1


def test_ar_reads_a_window_that_covers_the_shortest_lag_of_both_probes_and_not_the_longest():
    lags = [int(lag) for lag in sweep_of("long_range")["data.lag"]]
    for data in ("copy", "recall"):
        with initialize_config_dir(str(CONF), version_base="1.3"):
            cfg = compose("train", overrides=["experiment=long_range", "model=ar", f"data={data}"])
        assert reach(data, min(lags), cfg.data) <= cfg.model.window < reach(data, max(lags), cfg.data)
    with initialize_config_dir(str(CONF), version_base="1.3"):
        others = compose("train", overrides=["experiment=long_range", "model=lstm"])
    assert "window" not in others.model  # the setting is ar's alone


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """The smoke sweep at one learning rate (its two are the same path, twice the time): 6 models x 2 probes x 2
    lags, one process; then the comparison over it."""
    sweep = tmp_path_factory.mktemp("long_range_smoke")
    result = zoo("-m", "experiment=long_range_smoke", "logger=none", "optim.lr=1e-2", f"hydra.sweep.dir={sweep}")
    assert result.returncode == 0, result.stderr[-3000:]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    compared = subprocess.run([sys.executable, "-m", "zoo.compare", str(sweep)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
    assert compared.returncode == 0, compared.stderr[-3000:]
    return sweep, compared.stdout


def test_every_job_ran_and_logged_a_test_accuracy_beside_chance(smoke):
    sweep, _ = smoke
    summaries = [json.loads(path.read_text()) for path in sweep.glob("*/summary.json")]
    ran = sorted((s["options"]["model"], s["options"]["data"], s["config"]["data"]["lag"]) for s in summaries)
    assert ran == sorted((model, data, lag) for model in MODELS for data in ("copy", "recall") for lag in (4, 8))
    for summary in summaries:
        assert summary["status"] == "completed"
        metrics = summary["metrics"]
        assert 0 <= metrics["test/accuracy"] <= 1
        assert metrics["baseline/accuracy"] == pytest.approx(1 / 8 if summary["options"]["data"] == "copy" else 1 / 16)


def test_compare_tabulates_accuracy_against_lag_and_lists_every_run(smoke):
    sweep, text = smoke
    for data in ("copy", "recall"):
        section = text.split(f"## {data}: test/accuracy against data.lag")[1].split("\n## ")[0]
        table = [line.split("|")[1:-1] for line in section.splitlines() if line.startswith("| ")]
        assert [cell.strip() for cell in table[0]] == ["model", "4", "8"]
        assert sorted(row[0].strip() for row in table[1:-1]) == MODELS
        assert all(0 <= float(cell) <= 1 for row in table[1:-1] for cell in row[1:])
        assert [cell.strip() for cell in table[-1]] == ["*baseline*", *[f"{1 / (8 if data == 'copy' else 16):.4g}"] * 2]
        for lag in (4, 8):  # the full leaderboard of each data set lists each of its runs
            board = text.split(f"## {data} data.lag={lag}\n")[1].split("\n## ")[0]
            assert sorted(line.split("|")[1].strip() for line in board.splitlines()[4:]
                          if line.startswith("| ")) == MODELS


@pytest.mark.parametrize("name", ["accuracy_vs_lag.png", "tokens_per_second_vs_lag.png"])
def test_compare_draws_the_ladder(smoke, name):
    sweep, _ = smoke
    path = sweep / name
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(path)
    assert image.shape[0] > 300 and image.shape[1] > 600 and image.std() > 0
