"""Corpus-level translation scores with sacrebleu, shared by the translation task (the model's test figures), the data
set (its baselines' figures on the same split) and zoo.cli.score_translation, so that all are scored alike: each
sentence against all of its references, and a paired bootstrap of one system against another."""
import os

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.significance import PairedTest

BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = "12345"  # sacrebleu's own default: the same resamples in every run


def reference_streams(references: list[list[str]]) -> list[list[str | None]]:
    """sacrebleu's layout: the i-th reference of every sentence in the i-th stream, None where a sentence has
    fewer."""
    most = max(map(len, references), default=1)
    return [[alternatives[i] if i < len(alternatives) else None for alternatives in references]
            for i in range(most)]


def translation_scores(hypotheses: list[str], references: list[list[str]]) -> dict[str, float]:
    """BLEU with its brevity penalty and 1- to 4-gram precisions, and chrF, against every reference of each
    sentence."""
    streams = reference_streams(references)
    bleu = sacrebleu.corpus_bleu(hypotheses, streams)
    scores = {"bleu": bleu.score, "bleu_brevity_penalty": bleu.bp}
    scores.update({f"bleu_precision_{n}": precision for n, precision in enumerate(bleu.precisions, 1)})
    scores["chrf"] = sacrebleu.corpus_chrf(hypotheses, streams).score
    return scores


def paired_bootstrap(system: list[str], baseline: list[str], references: list[list[str]]) -> dict[str, float]:
    """sacrebleu's paired bootstrap (Koehn 2004) of `system` against `baseline` on the same sentences: for BLEU and
    chrF, the difference (system minus baseline), its p-value (two-sided: how often 1000 resamples of the sentences
    give a difference as large, around its mean) and the system's 95% interval over the resamples."""
    seed = os.environ.get("SACREBLEU_SEED")
    os.environ["SACREBLEU_SEED"] = BOOTSTRAP_SEED
    try:
        _, results = PairedTest([("baseline", baseline), ("system", system)], {"bleu": BLEU(), "chrf": CHRF()},
                                reference_streams(references), test_type="bs", n_samples=BOOTSTRAP_SAMPLES)()
    finally:
        if seed is None:
            del os.environ["SACREBLEU_SEED"]
        else:
            os.environ["SACREBLEU_SEED"] = seed
    found = {}
    for name, key in (("bleu", "BLEU"), ("chrf", "chrF2")):
        baseline_result, result = results[key]
        # sacrebleu counts resampled differences strictly above the observed one, so two systems that score the
        # same would get its smallest p-value; no difference is no evidence of one
        tied = result.score == baseline_result.score
        found[f"{name}_difference"] = float(result.score - baseline_result.score)
        found[f"{name}_p_value"] = 1.0 if tied else float(result.p_value)
        found[f"{name}_interval_low"] = float(result.mean - result.ci)
        found[f"{name}_interval_high"] = float(result.mean + result.ci)
    return found
