"""Next-token prediction with a causal backbone: a character language model predicts every position; the copy and
recall probes predict only their answer positions (target = IGNORE elsewhere).

Batches: {"input": (B, T) token ids, "target": (B, T) token ids or IGNORE}.
"""
import math

import torch
import torch.nn.functional as F
from hydra.utils import instantiate
from torch import nn

from zoo.tasks.base import ZooTask
from zoo.tokens import IGNORE

class LanguageModelTask(ZooTask):
    def __init__(self, model: dict, optim: dict, vocab_size: int):
        super().__init__(optim)
        self.save_hyperparameters()
        self.backbone = instantiate(model)
        self.embed = nn.Embedding(vocab_size, self.backbone.d_model)
        self.head = nn.Linear(self.backbone.d_model, vocab_size)

    def forward(self, tokens):
        return self.head(self.backbone(self.embed(tokens), causal=True))

    def evaluate(self, stage, batch):
        target = batch["target"]
        scored = target != IGNORE
        # the head reads the scored positions alone: the probes score a few per sequence, and over Zoology's
        # vocabulary of 8192 the logits of the others would cost most of a step and change nothing
        logits = self.head(self.backbone(self.embed(batch["input"]), causal=True)[scored])
        answers = target[scored]
        loss = F.cross_entropy(logits, answers)
        accuracy = (logits.argmax(-1) == answers).float().mean()
        size = len(answers)
        self.log(f"{stage}/loss", loss, batch_size=size, prog_bar=stage == "train", add_dataloader_idx=False)
        self.log(f"{stage}/bpc", loss / math.log(2), batch_size=size, add_dataloader_idx=False)
        self.log(f"{stage}/accuracy", accuracy, batch_size=size, add_dataloader_idx=False)
        return loss

    @torch.no_grad()
    def generate(self, prompt: torch.Tensor, length: int, temperature: float = 1.0,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """Continue (B, T) prompts by `length` tokens, sampled one at a time through the backbone's `step`
        (temperature 0: the most probable token)."""
        state = self.backbone.init_state(prompt.shape[0])
        for token in prompt.unbind(1):
            hidden, state = self.backbone.step(self.embed(token), state)
        generated = []
        for _ in range(length):
            logits = self.head(hidden)
            if temperature == 0:
                token = logits.argmax(-1)
            else:
                probabilities = F.softmax(logits / temperature, dim=-1)
                token = torch.multinomial(probabilities, 1, generator=generator)[:, 0]
            generated.append(token)
            hidden, state = self.backbone.step(self.embed(token), state)
        return torch.stack(generated, dim=1)
