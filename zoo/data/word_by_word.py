"""Translation's classical reference: each source word replaced by its likeliest target word, in the source's order,
from a lexicon that IBM Model 1 (zoo/data/ibm_model1.py) learns on the training pairs alone. No reordering, no
language model: what a bilingual dictionary and no grammar achieve. A model that cannot beat it has learnt little
beyond word meanings. Its output is cased and spaced as English is written, as a model's is, so that both are scored
alike."""
import re
from collections import Counter, defaultdict

from zoo.data.ibm_model1 import ibm_model1

# a word keeps its inner apostrophes and hyphens ("don’t", "E-Mail"); every other mark is a token of its own
_TOKEN = re.compile(r"\w+(?:[’'-]\w+)*|[^\w\s]")
_NO_SPACE_BEFORE = re.compile(r" ([.,!?;:)\]%])")
_NO_SPACE_AFTER = re.compile(r"([(\[]) ")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def is_word(token: str) -> bool:
    return token[0].isalnum() or token[0] == "_"


def detokenize(words: list[str]) -> str:
    text = _NO_SPACE_AFTER.sub(r"\1", _NO_SPACE_BEFORE.sub(r"\1", " ".join(words)))
    return text[:1].upper() + text[1:]


class WordByWord:
    """IBM Model 1's table over lowercased words, and for each source word its likeliest target word, written as
    the training targets most often write it inside a sentence ("i" -> "I", "london" -> "London")."""

    def __init__(self, pairs: list[tuple[str, str]], iterations: int = 5):
        vocabulary: dict[str | None, int] = {None: 0}  # the empty source word, then every word of either side

        def ids(text: str) -> list[int]:
            return [vocabulary.setdefault(token.lower(), len(vocabulary)) for token in tokens(text) if is_word(token)]

        sources, targets, probabilities = ibm_model1([(ids(source), ids(target)) for source, target in pairs],
                                                     empty=0, iterations=iterations)
        words = list(vocabulary)
        best: dict[str, tuple[float, str]] = {}
        for source, target, probability in zip(sources, targets, probabilities):
            if source and probability > best.get(words[source], (0.0, ""))[0]:
                best[words[source]] = (probability, words[target])
        # how each target word is written inside a sentence, else (a word only ever seen first) at its start
        inside, first = defaultdict(Counter), defaultdict(Counter)
        for _, target in pairs:
            for position, token in enumerate(tokens(target)):
                (inside if position else first)[token.lower()][token] += 1
        self.lexicon = {source: (inside[target] or first[target] or Counter([target])).most_common(1)[0][0]
                        for source, (_, target) in best.items()}

    def translate(self, source: str) -> str:
        """Word for word; punctuation and a word never seen in training (a name, a number) pass through as they
        are."""
        return detokenize([self.lexicon.get(token.lower(), token) if is_word(token) else token
                           for token in tokens(source)])
