"""trainer=ddp: one model trained by two CPU processes, under multirun, agreeing on its metrics."""
import json
from pathlib import Path

import pytorch_lightning as pl

from tests.test_cli import zoo


class RankRecord(pl.Callback):
    """Writes what one rank saw and measured to <directory>/rank<N>.json: a fingerprint of each training batch and
    the metrics at the end of fit. Passed to the run through the config, so every spawned rank carries it."""

    def __init__(self, directory: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.batches = []

    def on_train_batch_start(self, trainer, task, batch, batch_index):
        self.batches.append(round(float(batch["input"].double().sum()), 6))

    def on_fit_end(self, trainer, task):
        metrics = {name: float(value) for name, value in trainer.callback_metrics.items()}
        record = {"batches": self.batches, "metrics": metrics}
        (self.directory / f"rank{trainer.global_rank}.json").write_text(json.dumps(record))


def test_two_processes_train_one_model_and_agree_on_its_metrics(tmp_path):
    records = tmp_path / "ranks"
    result = zoo("-m", "trainer=ddp", "trainer.accelerator=cpu", "trainer.devices=2", "debug=default",
                 "data=sunspots", "model=gru", "logger=none", "test=false", "trainer.max_epochs=1",
                 "trainer.limit_train_batches=3",
                 "+callbacks.rank_record._target_=tests.test_distributed.RankRecord",
                 f"+callbacks.rank_record.directory={records}", f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [json.loads((records / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    # distinct windows on each rank (Lightning's DistributedSampler)...
    assert len(ranks[0]["batches"]) == 3 and set(ranks[0]["batches"]).isdisjoint(ranks[1]["batches"])
    # ...and yet one model: DDP averages the gradients, so both ranks validate the same weights (had each rank
    # stepped on its own batches, they would disagree). train/loss is each rank's own last batch, logged unsynced
    validation = [{name: value for name, value in rank["metrics"].items() if not name.startswith("train/")}
                  for rank in ranks]
    assert validation[0] == validation[1] and "val/rmse" in validation[0]
    # one job (a relaunched rank would have run a sweep of its own) and one summary, with rank 0's metrics
    assert [path.name for path in (tmp_path / "sweep").iterdir() if path.is_dir()] == ["0"]
    summary = json.loads((tmp_path / "sweep" / "0" / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert {name: summary["metrics"][name] for name in ranks[0]["metrics"]} == ranks[0]["metrics"]
