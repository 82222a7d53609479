"""Training throughput: zoo's task module driven by Lightning's Trainer against a plain PyTorch loop that trains the
same module from the same initial weights with the same optimizer, schedule, gradient clipping and batches.

Both are timed from the end of their warm-up steps to the end of their last step, so each path's whole per-step
cost (data loader, hooks, logging) is inside the window.
"""
import inspect
import logging
import tempfile
import warnings
from dataclasses import asdict
from types import SimpleNamespace

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from zoo.bench.sizes import MODELS, Sizes, backbone_config
from zoo.bench.timing import finished, figure_table
from zoo.run.callbacks import PeakMemory, TrainingThroughput, ValidationHistory
from zoo.config import OptimConfig, TrainerConfig
from zoo.tasks.language_model import LanguageModelTask
from zoo.tokens import IGNORE


def language_model(name: str, sizes: Sizes) -> LanguageModelTask:
    torch.manual_seed(0)  # both paths start from the same weights
    return LanguageModelTask(model=backbone_config(name, sizes), optim=asdict(OptimConfig()), vocab_size=sizes.vocab)


def random_batches(sizes: Sizes, length: int, count: int) -> DataLoader:
    """`count` batches of random tokens, each position predicting the next: the text data set's shape."""
    tokens = torch.randint(sizes.vocab, (count, sizes.batch, length + 1), generator=torch.Generator().manual_seed(0))
    batches = [{"input": sequence[:, :-1], "target": sequence[:, 1:]} for sequence in tokens]
    return DataLoader(batches, batch_size=None)


def steps_for(sizes: Sizes, length: int) -> tuple[int, int]:
    """(warm-up, timed) steps: the first steps allocate what later steps reuse; shorter sequences take more steps so
    that every measurement times about the same number of tokens."""
    timed = max(2, sizes.tokens_per_measurement // (sizes.batch * length))
    return (2 if length < 1024 else 1), timed


class StepClock(pl.Callback):
    def __init__(self):
        self.stamps = []

    def on_train_batch_end(self, trainer, task, outputs, batch, batch_index):
        self.stamps.append(finished(task.device))


def tokens_per_second(stamps: list[float], warmup: int, tokens_per_step: int) -> float:
    return (len(stamps) - warmup) * tokens_per_step / (stamps[-1] - stamps[warmup - 1])


def task_optimizer(task: LanguageModelTask, steps: int):
    """The task's own optimizer and schedule; of its trainer configure_optimizers reads only the step count."""
    task.trainer = SimpleNamespace(estimated_stepping_batches=steps)
    try:
        configured = task.configure_optimizers()
    finally:
        task.trainer = None
    return configured["optimizer"], configured["lr_scheduler"]["scheduler"]


def plain_loop(task: LanguageModelTask, loader: DataLoader, device: str = "cpu") -> list[float]:
    """What Lightning's automatic optimisation does with zoo's trainer defaults (gradient_clip_val 1.0), by hand."""
    task.to(device)
    optimizer, schedule = task_optimizer(task, len(loader))
    task.train()
    stamps = []
    for batch in loader:
        batch = {name: tensor.to(device) for name, tensor in batch.items()}  # as Lightning moves each batch
        logits = task(batch["input"])
        loss = F.cross_entropy(logits.flatten(0, 1), batch["target"].flatten(), ignore_index=IGNORE)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(task.parameters(), TrainerConfig.gradient_clip_val)
        optimizer.step()
        schedule.step()
        stamps.append(finished(device))
    return stamps


def quiet_lightning() -> None:
    """Lightning's start-up notices and its advice (workers, no validation loader), once per fit, would bury the
    tables."""
    for name in ("pytorch_lightning", "lightning_fabric", "lightning.pytorch"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for advice in (".*does not have many workers.*", ".*no `val_dataloader`.*", ".*LeafSpec.*"):
        warnings.filterwarnings("ignore", advice)


def lightning_fit(task: LanguageModelTask, loader: DataLoader, device: str = "cpu") -> list[float]:
    """zoo's trainer defaults, less what a benchmark must not do (write logs or checkpoints, validate), with the
    recorders zoo's runs always add."""
    clock = StepClock()
    lightning_knows = inspect.signature(pl.Trainer).parameters  # zoo's own trainer keys are read by zoo.run.assemble
    options = {key: value for key, value in asdict(TrainerConfig()).items() if key in lightning_knows}
    with tempfile.TemporaryDirectory() as scratch:
        options.update(
            accelerator=device, devices=1, max_steps=len(loader), default_root_dir=scratch, logger=False,
            enable_progress_bar=False, enable_checkpointing=False, enable_model_summary=False,
            limit_val_batches=0, num_sanity_val_steps=0,
            callbacks=[TrainingThroughput(), ValidationHistory(), PeakMemory(), clock],
        )
        pl.Trainer(**options).fit(task, train_dataloaders=loader)
    return clock.stamps


def run(sizes: Sizes, device: str = "cpu") -> str:
    quiet_lightning()
    rows = []
    for name in MODELS:
        for length in sizes.lengths:
            warmup, timed = steps_for(sizes, length)
            loader = random_batches(sizes, length, warmup + timed)
            tokens = sizes.batch * length
            best = {"plain": 0.0, "zoo": 0.0}
            for _ in range(sizes.rounds):
                best["plain"] = max(best["plain"], tokens_per_second(
                    plain_loop(language_model(name, sizes), loader, device), warmup, tokens))
                best["zoo"] = max(best["zoo"], tokens_per_second(
                    lightning_fit(language_model(name, sizes), loader, device), warmup, tokens))
            rows.append([name, length, timed, best["plain"], best["zoo"], best["zoo"] / best["plain"]])
    return figure_table(["model", "T", "timed steps", "plain tok/s", "zoo tok/s", "zoo / plain"], rows)
