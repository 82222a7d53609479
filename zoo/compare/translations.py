"""A verdict on translation that counts both what moves a corpus-level score: the seed a model trained with, and the
sample of sentences it is tested on. Each run's test_translations.jsonl is read back; every resample draws the test
sentences once (the same for every model: paired) and, for each model, its seeds with replacement, and scores each
model by the mean BLEU (or chrF) of the drawn seeds on the drawn sentences. A gap is significant where the
resampled differences keep one sign in all but 5% of the resamples, Holm-corrected over the pairs. Word by word is
a row of its own, one translation of the same sentences.

sacrebleu's sufficient statistics are computed once per run, so a resample is a sum and a score: 1000 resamples of
seven models × three seeds take seconds."""
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sacrebleu.metrics import BLEU, CHRF
from statsmodels.stats.multitest import multipletests

from zoo.metrics import BOOTSTRAP_SAMPLES, reference_streams
from zoo.tasks.translation_scoring import TRANSLATIONS_FILE

WORD_BY_WORD = "word by word"
ALPHA = 0.05


@dataclass
class Contender:
    label: str
    score: float  # the mean over its seeds, on every test sentence
    low: float  # 2.5% and 97.5% of its resampled scores
    high: float
    seeds: int
    rank: int = 1  # 1 + the number of contenders significantly better


@dataclass
class TranslationVerdict:
    metric: str
    contenders: list[Contender]  # best first
    p_values: dict[tuple[str, str], float]  # (better, worse): Holm-adjusted


def read_translations(run_dir: Path) -> list[dict] | None:
    path = run_dir / TRANSLATIONS_FILE
    if not path.is_file():
        return None
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sentence_statistics(metric, hypotheses: list[str], references: list[list[str]]) -> np.ndarray:
    # the statistics sacrebleu's own paired tests resample (sacrebleu.significance)
    return np.array(metric._extract_corpus_statistics(hypotheses, reference_streams(references)), dtype=float)


def translation_verdict(runs_by_label: dict[str, list[Path]], metric_name: str = "bleu",
                        samples: int = BOOTSTRAP_SAMPLES, seed: int = 12345) -> TranslationVerdict | None:
    """The verdict over the runs of each label (one per seed), or None where a run kept no translations or the
    runs were tested on different sentences."""
    records = {label: [read_translations(path) for path in paths] for label, paths in runs_by_label.items()}
    every = [run for runs in records.values() for run in runs]
    if not every or any(run is None for run in every):
        return None
    sources = [record["source"] for record in every[0]]
    if any([record["source"] for record in run] != sources for run in every):
        return None
    references = [record["references"] for record in every[0]]
    metric = BLEU() if metric_name == "bleu" else CHRF()
    statistics = {label: [sentence_statistics(metric, [record["hypothesis"] for record in run], references)
                          for run in runs] for label, runs in records.items()}
    statistics[WORD_BY_WORD] = [sentence_statistics(metric, [record["word_by_word"] for record in every[0]],
                                                    references)]

    def score(rows: np.ndarray) -> float:
        return metric._compute_score_from_stats(rows).score

    generator = np.random.default_rng(seed)
    resampled = {label: np.empty(samples) for label in statistics}
    for sample in range(samples):
        sentences = generator.integers(len(sources), size=len(sources))
        for label, runs in statistics.items():
            drawn = generator.integers(len(runs), size=len(runs))
            resampled[label][sample] = np.mean([score(runs[index][sentences].sum(0)) for index in drawn])
    contenders = sorted((Contender(label, float(np.mean([score(run.sum(0)) for run in runs])),
                                   *np.percentile(resampled[label], [2.5, 97.5]).tolist(), seeds=len(runs))
                         for label, runs in statistics.items()), key=lambda contender: -contender.score)
    pairs = [(better, worse) for position, better in enumerate(contenders) for worse in contenders[position + 1:]]
    # two-sided, with the resample count's +1 (as sacrebleu's own p-values), so no p is ever 0
    raw = [min(1.0, 2 * (min(np.sum(difference <= 0), np.sum(difference >= 0)) + 1) / (samples + 1))
           for difference in (resampled[better.label] - resampled[worse.label] for better, worse in pairs)]
    adjusted = multipletests(raw, alpha=ALPHA, method="holm")[1] if pairs else []
    p_values = {(better.label, worse.label): float(p) for (better, worse), p in zip(pairs, adjusted)}
    for contender in contenders:
        contender.rank = 1 + sum(p < ALPHA for (_, worse), p in p_values.items() if worse == contender.label)
    return TranslationVerdict(metric_name, contenders, p_values)


def verdict_markdown(verdict: TranslationVerdict) -> str:
    name = "BLEU" if verdict.metric == "bleu" else "chrF"
    lines = [f"### Test {name} over seeds and test sentences",
             "",
             f"| model | test {name} | 95% interval | seeds | rank |",
             "|---|---|---|---|---|"]
    for contender in verdict.contenders:
        shared = "=" if sum(other.rank == contender.rank for other in verdict.contenders) > 1 else ""
        lines.append(f"| {contender.label} | {contender.score:.2f} | [{contender.low:.2f}, {contender.high:.2f}] | "
                     f"{contender.seeds} | {contender.rank}{shared} |")
    gaps = [f"{better} > {worse} (p = {p:.3f})" for (better, worse), p in verdict.p_values.items() if p < ALPHA]
    lines += ["", f"Significant gaps (paired bootstrap over test sentences and seeds, {BOOTSTRAP_SAMPLES} resamples, "
                  f"Holm-corrected): {'; '.join(gaps) if gaps else 'none'}."]
    return "\n".join(lines)
