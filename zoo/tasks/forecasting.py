"""Real-valued prediction at chosen positions of a sequence, from its past: one-step forecasting of a series
(sunspots, any CSV column) and the adding problem (one answer, at the last position).

Batches: {"input": (B, T, features), "target": (B, T, targets), "mask": (B, T) True where a target counts}.
Data sets scale their values; `scale` turns errors back into the data's own units.
"""
import math

import torch
from hydra.utils import instantiate
from torch import nn

from zoo.tasks.base import ZooTask


class ForecastingTask(ZooTask):
    def __init__(self, model: dict, optim: dict, n_features: int, n_targets: int = 1, scale: float = 1.0):
        super().__init__(optim)
        self.save_hyperparameters()
        self.backbone = instantiate(model)
        self.read_in = nn.Linear(n_features, self.backbone.d_model)
        self.read_out = nn.Linear(self.backbone.d_model, n_targets)
        self.squared_error_sums: dict[str, list[float]] = {}

    def forward(self, values):
        return self.read_out(self.backbone(self.read_in(values), causal=True))

    def squared_errors(self, batch):
        """Squared errors at the positions that count, in scaled units: (N,)."""
        errors = (self(batch["input"]) - batch["target"]) ** 2
        return errors.sum(-1)[batch["mask"]]

    def training_loss(self, batch):
        loss = self.squared_errors(batch).mean()
        self.log("train/loss", loss, prog_bar=True)
        return loss

    def _accumulate(self, stage, batch):
        errors = self.squared_errors(batch)
        total, count = self.squared_error_sums.get(stage, (0.0, 0))
        self.squared_error_sums[stage] = (total + errors.sum().item(), count + errors.numel())
        self.log(f"{stage}/loss", errors.mean(), batch_size=errors.numel(), add_dataloader_idx=False)

    def _log_errors(self):
        # RMSE over all positions of the split (not a mean of per-batch RMSEs), in the data's own units
        for stage, sums in self.squared_error_sums.items():
            # on the module's device: NCCL reduces CUDA tensors only
            sums = torch.tensor(sums, dtype=torch.float64, device=self.device)
            total, count = self.trainer.strategy.reduce(sums, reduce_op="sum")
            mse = float(total / max(count, 1)) * self.hparams.scale**2
            self.log(f"{stage}/mse", mse)
            self.log(f"{stage}/rmse", math.sqrt(mse))
        self.squared_error_sums = {}

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
        """(B, T, features) -> (B, targets): the forecast after the last step."""
        return self(values)[:, -1]
