"""trainer=gpu: what it sets, what its loaders get, and its one-line failure on a machine without a GPU."""
import os
import subprocess
import sys

import pytest
import torch
from hydra import compose, initialize_config_dir

from tests.conftest import ROOT
from zoo.run import accelerators
from zoo.run.accelerators import check_gpu_present, check_precision_fits, resolve_precision
from zoo.configurable import CONF_DIR
from zoo.data.copy import CopyData
from zoo.errors import ZooError

NO_GPU = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the machine without a GPU")


def test_gpu_trainer_asks_for_mixed_precision_cudnn_benchmark_and_fed_loaders():
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        cfg = compose("train", overrides=["trainer=gpu"])
    trainer = cfg.trainer
    assert (trainer.accelerator, trainer.precision, trainer.benchmark) == ("gpu", "auto-mixed", True)
    assert cfg.loader.workers > 0 and cfg.loader.pin_memory


def test_loaders_take_the_trainers_workers_and_pinning_and_none_by_default():
    data = CopyData(n_train=8, n_val=4, n_test=4, batch_size=4, seed=0, n_symbols=4, length=3, lag=2)
    data.setup()
    default = data.train_dataloader()
    assert (default.num_workers, default.pin_memory, default.persistent_workers) == (0, False, False)
    data.loader_options = {"num_workers": 2, "pin_memory": True}
    fed = data.train_dataloader()
    assert (fed.num_workers, fed.pin_memory, fed.persistent_workers) == (2, True, True)
    assert [batch["input"].shape for batch in fed] == [batch["input"].shape for batch in default]


def test_precision_other_than_auto_mixed_is_lightnings():
    assert resolve_precision("bf16-true", "gpu") == "bf16-true"
    assert resolve_precision("auto-mixed", "cpu") == "32-true"  # bf16-mixed was slower on this CPU


@NO_GPU
def test_without_a_gpu_auto_mixed_is_float32_and_a_gpu_trainer_fails_in_one_line():
    assert resolve_precision("auto-mixed", "gpu") == "32-true"
    check_gpu_present("auto")  # Lightning picks the CPU
    with pytest.raises(ZooError, match="trainer.accelerator=gpu needs a CUDA GPU"):
        check_gpu_present("gpu")


@NO_GPU
def test_python_m_zoo_trainer_gpu_without_a_gpu_stops_at_once_with_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "zoo", "trainer=gpu", "data=copy", "logger=none", "callbacks=none",
         f"hydra.run.dir={tmp_path}"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: trainer.accelerator=gpu needs a CUDA GPU")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("cpu_can", [True, False])
def test_a_bf16_lstm_on_a_cpu_without_it_is_refused_before_training(monkeypatch, cpu_can):
    """On an AVX2-only CPU, oneDNN fails at the first batch of an nn.LSTM under bf16 autocast; zoo says so first."""
    monkeypatch.setattr(accelerators, "cpu_runs_bf16_lstm", lambda: cpu_can)
    lstm_task, gru_task = torch.nn.Sequential(torch.nn.LSTM(2, 2)), torch.nn.Sequential(torch.nn.GRU(2, 2))
    check_precision_fits("bf16-mixed", "cpu", gru_task)
    check_precision_fits("32-true", "cpu", lstm_task)
    check_precision_fits("bf16-true", "cpu", lstm_task)  # pure bf16 does not go through oneDNN's LSTM
    if cpu_can:
        check_precision_fits("bf16-mixed", "cpu", lstm_task)
    else:
        with pytest.raises(ZooError, match=r"trainer.precision=bf16-mixed: this CPU .* cannot run nn.LSTM .* "
                                           r"use trainer.precision=32-true"):
            check_precision_fits("bf16-mixed", "cpu", lstm_task)


def test_the_bf16_lstm_probe_agrees_with_a_real_lstm_under_autocast():
    lstm = torch.nn.LSTM(4, 8, batch_first=True)
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            lstm(torch.randn(3, 5, 4))
        ran = True
    except RuntimeError:
        ran = False
    assert accelerators.cpu_runs_bf16_lstm() == ran
