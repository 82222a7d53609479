"""Sequence classification: read the whole sequence (both ways), average over its real positions, classify.

Batches: {"input": (B, T, features), "mask": (B, T) True at real positions, "label": (B,)}.
"""
import torch
import torch.nn.functional as F
from hydra.utils import instantiate
from torch import nn

from zoo.tasks.base import ZooTask


class ClassificationTask(ZooTask):
    def __init__(self, model: dict, optim: dict, n_features: int, n_classes: int):
        super().__init__(optim)
        self.save_hyperparameters()
        self.backbone = instantiate(model, bidirectional=True)
        self.read_in = nn.Linear(n_features, self.backbone.d_model)
        self.read_out = nn.Linear(self.backbone.d_model, n_classes)

    def forward(self, values, mask):
        hidden = self.backbone(self.read_in(values), causal=False, mask=mask)
        weights = mask[..., None].to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)
        return self.read_out(pooled)

    def evaluate(self, stage, batch):
        logits = self(batch["input"], batch["mask"])
        loss = F.cross_entropy(logits, batch["label"])
        accuracy = (logits.argmax(-1) == batch["label"]).float().mean()
        size = len(batch["label"])
        self.log(f"{stage}/loss", loss, batch_size=size, prog_bar=stage == "train", add_dataloader_idx=False)
        self.log(f"{stage}/accuracy", accuracy, batch_size=size, add_dataloader_idx=False)
        self.log(f"{stage}/error", 1 - accuracy, batch_size=size, add_dataloader_idx=False)
        return loss

    @torch.no_grad()
    def predict(self, values, mask):
        return self(values, mask).argmax(-1)
