"""Translation's classical reference: each source word replaced by its likeliest target word, in the source's order,
from a lexicon that IBM Model 1 (Brown et al. 1993) learns by expectation-maximisation on the training pairs alone.
No reordering, no language model: what a bilingual dictionary and no grammar achieve. A model that cannot beat it
has learnt little beyond word meanings."""
import re
from collections import defaultdict

_WORD = re.compile(r"\w+|[^\w\s]")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([.,!?;:])")


def words(text: str) -> list[str]:
    """Lowercased words and punctuation marks: a capitalised first word would otherwise count as another word."""
    return _WORD.findall(text.lower())


class WordByWord:
    """IBM Model 1's translation table t(target word | source word), with an empty source word that explains the
    target words no source word does; `translate` keeps, for each source word, its likeliest target word."""

    def __init__(self, pairs: list[tuple[str, str]], iterations: int = 5):
        corpus = [(words(source) + [None], words(target)) for source, target in pairs]
        table: dict[tuple, float] = {}  # t(e | f) by (f, e); every (f, e) that co-occurs, 1 before the first step
        for _ in range(iterations):
            expected, per_source = defaultdict(float), defaultdict(float)
            for sources, targets in corpus:
                for target in targets:
                    likelihoods = [table.get((source, target), 1.0) for source in sources]
                    normaliser = sum(likelihoods)
                    for source, likelihood in zip(sources, likelihoods):
                        expected[source, target] += likelihood / normaliser
                        per_source[source] += likelihood / normaliser
            table = {(source, target): count / per_source[source] for (source, target), count in expected.items()}
        best: dict[str, tuple[float, str]] = {}
        for (source, target), probability in table.items():
            if source is not None and probability > best.get(source, (0.0, ""))[0]:
                best[source] = (probability, target)
        self.lexicon = {source: target for source, (_, target) in best.items()}

    def translate(self, source: str) -> str:
        """Word for word; a word never seen in training (a name, a number) is passed through as it is."""
        output = " ".join(self.lexicon.get(word.lower(), word) for word in _WORD.findall(source))
        return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", output[:1].upper() + output[1:])
