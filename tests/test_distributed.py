"""trainer=ddp: one model trained by two CPU processes, under multirun, agreeing on its metrics."""
import json

import pytest
import pytorch_lightning as pl
import torch
from pathlib import Path

from tests.test_cli import zoo


class RankRecord(pl.Callback):
    """Writes what one rank saw and measured to <directory>/rank<N>.json: a fingerprint of each training batch and
    the metrics at the end of fit and of test. Passed to the run through the config, so every rank carries it."""

    def __init__(self, directory: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.record = {"batches": []}

    def on_train_batch_start(self, trainer, task, batch, batch_index):
        tensors = [value for value in batch.values() if isinstance(value, torch.Tensor)]
        self.record["batches"].append(round(sum(float(tensor.double().sum()) for tensor in tensors), 6))

    def _write(self, trainer, stage):
        self.record[stage] = {name: float(value) for name, value in trainer.callback_metrics.items()}
        (self.directory / f"rank{trainer.global_rank}.json").write_text(json.dumps(self.record))

    def on_fit_end(self, trainer, task):
        self._write(trainer, "fit")

    def on_test_end(self, trainer, task):
        self._write(trainer, "test")


@pytest.mark.parametrize("data, metric", [
    (["data=sunspots"], "test_1921_1955/rmse"),
    # length batches, and BLEU over the test outputs of both ranks
    (["data=translation", "data.max_pairs=600", "data.vocab_size=300"], "test/bleu"),
])
def test_two_processes_train_one_model_and_agree_on_its_metrics(tmp_path, data, metric):
    records = tmp_path / "ranks"
    result = zoo("-m", "trainer=ddp", "trainer.accelerator=cpu", "trainer.devices=2", "debug=default", *data,
                 "model=gru", "model.d_model=16", "logger=none", "trainer.max_epochs=1", "trainer.limit_train_batches=3",
                 "trainer.limit_val_batches=1.0", "trainer.limit_test_batches=1.0", "decode.max_length=8",
                 "+callbacks.rank_record._target_=tests.test_distributed.RankRecord",
                 f"+callbacks.rank_record.directory={records}", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [json.loads((records / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    # distinct batches on each rank, as many on both (DDP's all-reduce waits for every rank)...
    assert len(ranks[0]["batches"]) == len(ranks[1]["batches"]) == 3
    assert set(ranks[0]["batches"]).isdisjoint(ranks[1]["batches"])
    # ...and yet one model: DDP averages the gradients, so both ranks validate the same weights, and validation and
    # test metrics are reduced over both ranks' shares. train/loss is each rank's own last batch, logged unsynced
    evaluation = [{name: value for name, value in rank["test"].items() if not name.startswith("train/")}
                  for rank in ranks]
    assert evaluation[0] == evaluation[1] and metric in evaluation[0]
    # one job (a relaunched rank would have run a sweep of its own) and one summary, rank 0's, with its figures
    assert [path.name for path in (tmp_path / "sweep").iterdir() if path.is_dir()] == ["0"]
    summary = json.loads((tmp_path / "sweep" / "0" / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert {name: summary["metrics"][name] for name in ranks[0]["test"]} == ranks[0]["test"]
    assert summary["steps"] == 3 and summary["tokens_per_second"] > 0 and summary["validation"]
