"""Corpus-level translation scores, shared by the translation task (the model's test figures) and the data set (its
baselines' figures on the same split), so that both are scored alike."""
import sacrebleu


def corpus_scores(hypotheses: list[str], references: list[str]) -> dict[str, float]:
    """sacrebleu's corpus BLEU and chrF of the hypotheses against one reference each."""
    return {"bleu": sacrebleu.corpus_bleu(hypotheses, [references]).score,
            "chrf": sacrebleu.corpus_chrf(hypotheses, [references]).score}
