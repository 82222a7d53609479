"""Real-valued prediction at chosen positions of a sequence, from its past: forecasting a series one or several
steps ahead (sunspots, the columns of a CSV file) and the adding problem (one answer, at the last position).

Batches: {"input": (B, T, features), "target": (B, T, horizon × targets), step by step, "mask": (B, T, horizon)
True where a forecast counts, or (B, T) where all of a position's count}. Data sets scale their values; `scale`
turns the aggregate errors back into the data's own units, `target_scales` each target's.
"""
import math

import torch
from hydra.utils import instantiate
from torch import nn

from zoo.tasks.base import ZooTask


class ForecastingTask(ZooTask):
    def __init__(self, model: dict, optim: dict, n_features: int, n_targets: int = 1, scale: float = 1.0,
                 horizon: int = 1, target_scales: dict | None = None):
        """target_scales: each target's name and unit, in output order; given, every target at every step is
        scored on its own too (<stage>/<target>/h<step>/rmse and /mae), beside the aggregate (<stage>/rmse)."""
        super().__init__(optim)
        self.save_hyperparameters()
        self.backbone = instantiate(model)
        self.read_in = nn.Linear(n_features, self.backbone.d_model)
        # direct multi-step: every step's forecast comes from the state at the origin, none from another forecast
        self.read_out = nn.Linear(self.backbone.d_model, horizon * n_targets)
        self.error_sums: dict[str, torch.Tensor] = {}

    def forward(self, values):
        return self.read_out(self.backbone(self.read_in(values), causal=True))

    def errors(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        """Forecast minus target, (B, T, horizon, targets) in scaled units, and where each counts, (B, T, horizon)."""
        errors = self(batch["input"]) - batch["target"]
        errors = errors.unflatten(-1, (self.hparams.horizon, self.hparams.n_targets))
        mask = batch["mask"]
        return errors, mask[..., None].expand(errors.shape[:-1]) if mask.dim() == 2 else mask

    def squared_errors(self, batch):
        """Squared errors of the forecasts that count, in scaled units: (N, targets)."""
        errors, mask = self.errors(batch)
        return errors[mask] ** 2

    def training_loss(self, batch):
        loss = self.squared_errors(batch).mean()
        self.log("train/loss", loss, prog_bar=True)
        return loss

    def _accumulate(self, stage, batch):
        errors, mask = self.errors(batch)
        counted = [errors[:, :, step][mask[:, :, step]] for step in range(self.hparams.horizon)]  # (N, targets)
        # per step and target: the sums of squared and absolute errors, and how many there are; on the module's
        # device, as NCCL reduces CUDA tensors only
        sums = torch.stack([
            torch.stack([step.pow(2).sum(0), step.abs().sum(0), step.new_full(step.shape[1:], len(step))], dim=-1)
            for step in counted
        ]).double()
        self.error_sums[stage] = self.error_sums.get(stage, 0) + sums
        squared = torch.cat(counted).pow(2)
        self.log(f"{stage}/loss", squared.mean(), batch_size=squared.numel(), add_dataloader_idx=False)

    def _log_errors(self):
        # errors over all positions of the split (not a mean of per-batch figures), in the data's own units
        for stage, sums in self.error_sums.items():
            squared, absolute, count = self.trainer.strategy.reduce(sums, reduce_op="sum").unbind(-1)
            mse = float(squared.sum() / max(count.sum(), 1)) * self.hparams.scale**2
            self.log(f"{stage}/mse", mse)
            self.log(f"{stage}/rmse", math.sqrt(mse))
            for target, (name, unit) in enumerate((self.hparams.target_scales or {}).items()):
                for step in range(self.hparams.horizon):
                    counted = max(float(count[step, target]), 1.0)
                    self.log(f"{stage}/{name}/h{step + 1}/rmse", math.sqrt(squared[step, target] / counted) * unit)
                    self.log(f"{stage}/{name}/h{step + 1}/mae", float(absolute[step, target]) / counted * unit)
        self.error_sums = {}

    def validation_step(self, batch, batch_index):
        self._accumulate("val", batch)

    def on_validation_epoch_end(self):
        self._log_errors()

    def test_step(self, batch, batch_index, dataloader_idx=0):
        self._accumulate(self.test_name(dataloader_idx), batch)

    def on_test_epoch_end(self):
        super().on_test_epoch_end()
        self._log_errors()

    @torch.no_grad()
    def predict_next(self, values):
        """(B, T, features) -> (B, horizon × targets): the forecasts after the last step, step by step."""
        return self(values)[:, -1]
