"""A split's translations scored as a reviewer reads them: BLEU with its parts and chrF against every reference, a
paired bootstrap against word by word on the same sentences, one line of each, and one record per pair to keep. The
translation task's test and zoo.cli.score_translation both score through here."""
import json
from dataclasses import dataclass
from pathlib import Path

from zoo.metrics import BOOTSTRAP_SAMPLES, paired_bootstrap, translation_scores

TRANSLATIONS_FILE = "test_translations.jsonl"  # a translation run's test pairs with their translations


@dataclass(frozen=True)
class ScoredTranslations:
    metrics: dict[str, float]  # bleu, its brevity penalty and precisions, chrf, their intervals and p-values
    records: list[dict]  # per pair: source, references, hypothesis, word_by_word
    headline: str


def score_translations(data, split: str, indices: list[int], hypotheses: list[str]) -> ScoredTranslations:
    """Score the hypotheses of the split's pairs `indices` (a TranslationData's) against their references, and
    against word by word's translations of the same pairs. The pairs are taken in the split's order, so that the
    bootstrap resamples the same sentences whatever order they were decoded in."""
    indices, hypotheses = map(list, zip(*sorted(zip(indices, hypotheses)))) if indices else ([], [])
    references = [data.references[split][index] for index in indices]
    word_by_word = [data.word_by_word_translations(split)[index] for index in indices]
    model, baseline = translation_scores(hypotheses, references), translation_scores(word_by_word, references)
    significance = paired_bootstrap(hypotheses, word_by_word, references)
    metrics = {**model, **{name if "interval" in name else f"{name}_against_word_by_word": value
                           for name, value in significance.items()}}
    records = [{"source": data.pairs[split][index][0], "references": reference, "hypothesis": hypothesis,
                "word_by_word": translation}
               for index, reference, hypothesis, translation in zip(indices, references, hypotheses, word_by_word)]
    return ScoredTranslations(metrics, records, headline(split, model, baseline, significance))


def headline(split: str, model: dict, word_by_word: dict, significance: dict) -> str:
    """The figures in three lines: the model's BLEU with what it is made of, word by word's, and whether the
    difference is more than the sampling of the split's sentences (paired bootstrap)."""
    def described(scores):
        precisions = "/".join(f"{scores[f'bleu_precision_{n}']:.1f}" for n in range(1, 5))
        return (f"BLEU {scores['bleu']:.2f} (precisions {precisions}, brevity penalty "
                f"{scores['bleu_brevity_penalty']:.3f}), chrF {scores['chrf']:.2f}")

    return (f"{split}: {described(model)}\nword by word: {described(word_by_word)}\n"
            f"model against word by word (paired bootstrap, {BOOTSTRAP_SAMPLES} resamples): "
            f"BLEU {significance['bleu_difference']:+.2f} (p = {significance['bleu_p_value']:.3f}), "
            f"chrF {significance['chrf_difference']:+.2f} (p = {significance['chrf_p_value']:.3f})")


def write_translations(path: Path, records: list[dict]) -> None:
    """One JSON object a line, as read by `pandas.read_json(path, lines=True)`."""
    with open(path, "w", encoding="utf-8") as file:
        file.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
