"""Encoder-decoder translation around any Backbone: a bidirectional encoder reads the source, a causal decoder
with cross-attention to it predicts the target token by token (teacher forcing in training). Optionally a lexicon
biases each prediction towards the translations of the source tokens the decoder attends to (Arthur et al. 2016), and
a pointer mixes each prediction with a copy of the source token it points at (See et al. 2017)."""
import logging
import math
from pathlib import Path

import torch
import torch.nn.functional as F
from hydra.utils import instantiate
from torch import nn

from zoo.distributed import gather
from zoo.metrics import translation_scores
from zoo.tasks.base import ZooTask
from zoo.tasks.decoding import beam_search
from zoo.tasks.translation_scoring import (TRANSLATIONS_FILE, ScoredTranslations, score_translations,
                                          write_translations)
from zoo.tokens import BOS, EOS, PAD

log = logging.getLogger(__name__)

LEXICON_FLOOR = 1e-3  # Arthur et al.'s epsilon: log(p + 1e-3) keeps a word the lexicon never saw within reach
POINTER_FLOOR = 1e-12  # log(0) of a token no source position holds would make the gradient of its copy nan


class TranslationTask(ZooTask):
    def __init__(self, model: dict, optim: dict, decode: dict, vocab_size: int, label_smoothing: float = 0.1,
                 decoder_layers: int | None = None, lexical_bias: bool = False, gloss_copies: bool = False,
                 pointer: bool = False):
        super().__init__(optim)
        self.save_hyperparameters()
        self.encoder = instantiate(model, bidirectional=True)
        self.decoder = instantiate(model, cross_attention=True, n_layers=decoder_layers or model["n_layers"])
        d_model = self.decoder.d_model
        self.embed = nn.Embedding(vocab_size, d_model, padding_idx=PAD)  # one joint German-English vocabulary
        nn.init.normal_(self.embed.weight, std=d_model ** -0.5)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.head.weight = self.embed.weight  # tied input and output embeddings (Press & Wolf)
        self.embed_scale = math.sqrt(d_model)
        if lexical_bias:
            # t(target token | source token), IBM Model 1's on the training pairs: the data set's, set at fit
            self.register_buffer("lexicon", torch.zeros(vocab_size, vocab_size))
            # one attention head of its own says which source token the next target token translates
            self.lexicon_query = nn.Linear(d_model, d_model, bias=False)
            self.lexicon_key = nn.Linear(d_model, d_model, bias=False)
        if pointer:
            # an attention head of its own points at the source token to copy; a gate weighs copying against the
            # vocabulary's distribution, from the decoder's output and what the head read
            self.pointer_query = nn.Linear(d_model, d_model, bias=False)
            self.pointer_key = nn.Linear(d_model, d_model, bias=False)
            self.pointer_gate = nn.Linear(2 * d_model, 1)
        # per decoding ("" the configured one, "_greedy" the greedy one beside a beam): (test index, token ids)
        self.test_outputs: dict[str, list[tuple[int, list[int]]]] = {}

    def embed_tokens(self, tokens):
        # unit-variance token vectors, as large as the sinusoidal position code the Transformer adds to them
        return self.embed(tokens) * self.embed_scale

    def encode(self, source):
        mask = source != PAD
        return self.encoder(self.embed_tokens(source), causal=False, mask=mask), mask

    def setup(self, stage: str) -> None:
        if self.hparams.lexical_bias and stage == "fit":  # a checkpoint's own table, where one is read, replaces it
            self.lexicon.copy_(self.trainer.datamodule.token_lexicon())

    @staticmethod
    def attend(query, key, hidden, memory, memory_mask):
        """One attention head's weights (B, T, S) of each decoder position over the source positions."""
        scores = query(hidden) @ key(memory).transpose(1, 2) / math.sqrt(hidden.shape[-1])
        return scores.masked_fill(~memory_mask[:, None, :], float("-inf")).softmax(-1)

    def logits(self, hidden, memory, memory_mask, source, source_lexicon, lexicon_weight: float = 1.0):
        """Logits (B, T, vocab) of the next token from the decoder's output (B, T, d_model), with the lexicon's
        log-probability of each token added (source_lexicon: (B, S, vocab), the lexicon's rows of the source), as
        training adds it, or `lexicon_weight` times in decoding. With the pointer, they are log-probabilities: the
        vocabulary's distribution and the pointer's copy of the source (B, S) mixed by the gate."""
        logits = self.head(hidden)
        if source_lexicon is not None:
            attention = self.attend(self.lexicon_query, self.lexicon_key, hidden, memory, memory_mask)
            logits = logits + lexicon_weight * torch.log(attention @ source_lexicon + LEXICON_FLOOR)
        if not self.hparams.pointer:
            return logits
        attention = self.attend(self.pointer_query, self.pointer_key, hidden, memory, memory_mask)
        copied = torch.zeros_like(logits).scatter_add_(-1, source[:, None, :].expand_as(attention), attention)
        gate = self.pointer_gate(torch.cat([hidden, attention @ memory], -1))
        return torch.logaddexp(logits.log_softmax(-1) + F.logsigmoid(-gate),
                               torch.log(copied + POINTER_FLOOR) + F.logsigmoid(gate))

    def source_lexicon(self, source):
        if not self.hparams.lexical_bias:
            return None
        rows = self.lexicon[source]
        if self.hparams.gloss_copies:
            # a token after the source's first [EOS] (the gloss's, English already) translates as itself: attending
            # to it points at the token to copy
            ends = (source == EOS).long()
            in_gloss = (ends.cumsum(1) - ends > 0) & (source != PAD)
            rows = torch.where(in_gloss[..., None], F.one_hot(source, rows.shape[-1]).to(rows.dtype), rows)
        return rows

    def forward(self, source, target_in):
        """Teacher-forced logits (B, T, vocab) for the next token at every target position."""
        memory, memory_mask = self.encode(source)
        hidden = self.decoder(self.embed_tokens(target_in), causal=True, memory=memory, memory_mask=memory_mask)
        return self.logits(hidden, memory, memory_mask, source, self.source_lexicon(source))

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
        data = self.trainer.datamodule
        for suffix, decoded in self.test_outputs.items():
            outputs = sorted(gather(decoded))  # in a ddp run each rank decoded its share
            indices = [index for index, _ in outputs]
            hypotheses = [data.decode(ids) for _, ids in outputs]
            if suffix:  # beside the configured decoding: what it adds
                references = [data.references["test"][index] for index in indices]
                for name, value in translation_scores(hypotheses, references).items():
                    self.log(f"test/{name}{suffix}", value)
                continue
            scored = score_translations(data, "test", indices, hypotheses)
            for name, value in scored.metrics.items():
                self.log(f"test/{name}", value)
        if self.trainer.is_global_zero:
            self.report(scored)

    def report(self, scored: ScoredTranslations) -> None:
        """The test pairs with their translations in the run's directory; a few of them and the headline figures in
        the log, and the same few to the loggers that keep text."""
        write_translations(Path(self.trainer.default_root_dir) / TRANSLATIONS_FILE, scored.records)
        samples = [[record["source"], " | ".join(record["references"]), record["hypothesis"]]
                   for record in scored.records[: self.hparams.decode["samples"]]]
        for source, references, hypothesis in samples:
            log.info("source     %s\nreference  %s\nhypothesis %s", source, references, hypothesis)
        log.info("%s", scored.headline)
        for logger in self.loggers:
            if hasattr(logger, "log_text"):
                logger.log_text(key="test/samples", columns=["source", "references", "hypothesis"], data=samples)

    @torch.no_grad()
    def translate(self, source, **decode):
        """Token ids of the decoded target of each source row (greedy when decode's beam_size is 1)."""
        return translate_together([self], source, **decode)

    def next_token_reader(self, source, beam_size: int, lexicon_weight: float):
        """For decoding `source` with `beam_size` rows a sentence: the function from the rows' last tokens and this
        model's generation state to the log-probabilities of each row's next token and the new state."""
        memory, memory_mask = self.encode(source)
        memory = memory.repeat_interleave(beam_size, dim=0)
        memory_mask = memory_mask.repeat_interleave(beam_size, dim=0)
        source = source.repeat_interleave(beam_size, dim=0)
        source_lexicon = self.source_lexicon(source)

        def next_log_probs(tokens, state):
            hidden, state = self.decoder.step(self.embed_tokens(tokens), state, memory=memory, memory_mask=memory_mask)
            logits = self.logits(hidden[:, None], memory, memory_mask, source, source_lexicon, lexicon_weight)[:, 0]
            return F.log_softmax(logits, dim=-1), state

        return next_log_probs


@torch.no_grad()
def translate_together(tasks: list[TranslationTask], source, beam_size=1, max_length=80, length_penalty=1.0,
                       lexicon_weight=1.0, no_repeat_ngram=0, **_):
    """Token ids of the decoded target of each source row under the mean of the tasks' next-token probabilities:
    an ensemble of models that share one vocabulary (one task: its own translation)."""
    readers = [task.next_token_reader(source, beam_size, lexicon_weight) for task in tasks]

    def next_log_probs(tokens, states):
        steps = [read(tokens, state) for read, state in zip(readers, states)]
        log_probs = torch.stack([log_probs for log_probs, _ in steps]).logsumexp(0) - math.log(len(tasks))
        return log_probs, [state for _, state in steps]

    states = [task.decoder.init_state(len(source) * beam_size) for task in tasks]
    return beam_search(next_log_probs, states, len(source), beam_size, BOS, EOS, max_length, source.device,
                       length_penalty, no_repeat_ngram)
