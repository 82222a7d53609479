"""Encoder-decoder translation around any Backbone: a bidirectional encoder reads the source, a causal decoder
with cross-attention to it predicts the target token by token (teacher forcing in training)."""
import logging
import math

import torch
import torch.nn.functional as F
from hydra.utils import instantiate
from torch import nn

from zoo.distributed import gather
from zoo.metrics import corpus_scores
from zoo.tasks.base import ZooTask
from zoo.tasks.decoding import beam_search
from zoo.tokens import BOS, EOS, PAD

log = logging.getLogger(__name__)


class TranslationTask(ZooTask):
    def __init__(self, model: dict, optim: dict, decode: dict, vocab_size: int, label_smoothing: float = 0.1):
        super().__init__(optim)
        self.save_hyperparameters()
        self.encoder = instantiate(model, bidirectional=True)
        self.decoder = instantiate(model, cross_attention=True)
        d_model = self.decoder.d_model
        self.embed = nn.Embedding(vocab_size, d_model, padding_idx=PAD)  # one joint German-English vocabulary
        nn.init.normal_(self.embed.weight, std=d_model ** -0.5)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.head.weight = self.embed.weight  # tied input and output embeddings (Press & Wolf)
        self.embed_scale = math.sqrt(d_model)
        # per decoding ("" the configured one, "_greedy" the greedy one beside a beam): (test index, token ids)
        self.test_outputs: dict[str, list[tuple[int, list[int]]]] = {}

    def embed_tokens(self, tokens):
        # unit-variance token vectors, as large as the sinusoidal position code the Transformer adds to them
        return self.embed(tokens) * self.embed_scale

    def encode(self, source):
        mask = source != PAD
        return self.encoder(self.embed_tokens(source), causal=False, mask=mask), mask

    def forward(self, source, target_in):
        """Teacher-forced logits (B, T, vocab) for the next token at every target position."""
        memory, memory_mask = self.encode(source)
        hidden = self.decoder(self.embed_tokens(target_in), causal=True, memory=memory, memory_mask=memory_mask)
        return self.head(hidden)

    def loss(self, batch, label_smoothing=0.0):
        target = batch["target"]
        logits = self(batch["source"], target[:, :-1])
        return F.cross_entropy(logits.flatten(0, 1), target[:, 1:].flatten(), ignore_index=PAD,
                               label_smoothing=label_smoothing)

    @staticmethod
    def count_tokens(batch) -> int:
        return int((batch["source"] != PAD).sum() + (batch["target"] != PAD).sum())

    def training_loss(self, batch):
        loss = self.loss(batch, self.hparams.label_smoothing)
        self.log("train/loss", loss, prog_bar=True)
        return loss

    def validation_step(self, batch, batch_index):
        self.log("val/loss", self.loss(batch), prog_bar=True, batch_size=len(batch["index"]))

    def test_step(self, batch, batch_index):
        self.log("test/loss", self.loss(batch), batch_size=len(batch["index"]))
        indices = batch["index"].tolist()
        self.test_outputs[""] += zip(indices, self.translate(batch["source"], **self.hparams.decode))
        if "_greedy" in self.test_outputs:
            greedy = {**self.hparams.decode, "beam_size": 1}
            self.test_outputs["_greedy"] += zip(indices, self.translate(batch["source"], **greedy))

    def on_test_epoch_start(self):
        decode = self.hparams.decode
        beside = decode.get("greedy_too", False) and decode.get("beam_size", 1) > 1
        self.test_outputs = {"": [], **({"_greedy": []} if beside else {})}

    def on_test_epoch_end(self):
        super().on_test_epoch_end()
        data, decode = self.trainer.datamodule, self.hparams.decode
        for suffix, decoded in self.test_outputs.items():
            outputs = sorted(gather(decoded))  # in a ddp run each rank decoded its share
            hypotheses = [data.decode(ids) for _, ids in outputs]
            references = [data.pairs["test"][index][1] for index, _ in outputs]
            for name, value in corpus_scores(hypotheses, references).items():
                self.log(f"test/{name}{suffix}", value)
            if not suffix:  # the samples show the configured decoding
                sources = [data.pairs["test"][index][0] for index, _ in outputs]
                samples = list(zip(sources, references, hypotheses))[: decode["samples"]]
        for source, reference, hypothesis in samples:
            log.info("source     %s\nreference  %s\nhypothesis %s", source, reference, hypothesis)
        for logger in self.loggers:
            if hasattr(logger, "log_text"):
                logger.log_text(key="test/samples", columns=["source", "reference", "hypothesis"],
                                data=[list(sample) for sample in samples])

    @torch.no_grad()
    def translate(self, source, beam_size=1, max_length=80, length_penalty=1.0, **_):
        """Token ids of the decoded target of each source row (greedy when beam_size=1)."""
        memory, memory_mask = self.encode(source)
        memory = memory.repeat_interleave(beam_size, dim=0)
        memory_mask = memory_mask.repeat_interleave(beam_size, dim=0)

        def next_log_probs(tokens, state):
            hidden, state = self.decoder.step(self.embed_tokens(tokens), state, memory=memory, memory_mask=memory_mask)
            return F.log_softmax(self.head(hidden), dim=-1), state

        state = self.decoder.init_state(len(memory))
        return beam_search(next_log_probs, state, len(source), beam_size, BOS, EOS, max_length, source.device,
                           length_penalty)

