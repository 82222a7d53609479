"""Translation's classical reference: each source word replaced by its likeliest target word, in the source's order,
from a lexicon that IBM Model 1 (zoo/data/ibm_model1.py) learns from parallel pairs alone (the training sentences,
and a dictionary's entries where it is given them). No reordering, no language model: what a bilingual dictionary
and no grammar achieve. A model that cannot beat it has learnt little beyond word meanings. Its output is cased and
spaced as English is written, as a model's is, so that both are scored alike."""
import re
from collections import Counter, defaultdict

from zoo.data.ibm_model1 import ibm_model1

# a word keeps its inner apostrophes and hyphens ("don’t", "E-Mail"); every other mark is a token of its own
_WORD = r"\w+(?:[’'-]\w+)*"
_TOKEN = re.compile(_WORD + r"|[^\w\s]")
_WORDS = re.compile(_WORD)
_NO_SPACE_BEFORE = re.compile(r" ([.,!?;:)\]%])")
_NO_SPACE_AFTER = re.compile(r"([(\[]) ")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def is_word(token: str) -> bool:
    return token[0].isalnum() or token[0] == "_"


def detokenize(words: list[str]) -> str:
    text = _NO_SPACE_AFTER.sub(r"\1", _NO_SPACE_BEFORE.sub(r"\1", " ".join(words)))
    return text[:1].upper() + text[1:]


class WordPairs:
    """Sentence pairs read once as lowercased word ids, with how the targets write each word inside a sentence
    ("i" -> "I", "london" -> "London"): what the lexicons learnt from all of them or from some share."""

    def __init__(self, pairs: list[tuple[str, str]]):
        vocabulary: dict[str | None, int] = {None: 0}  # the empty source word, then every word of either side

        def ids(text: str) -> list[int]:
            return [vocabulary.setdefault(word.lower(), len(vocabulary)) for word in _WORDS.findall(text)]

        self.ids = [(ids(source), ids(target)) for source, target in pairs]
        self.words = list(vocabulary)
        # how each target word is written inside a sentence, else (a word only ever seen first) at its start
        inside, first = defaultdict(Counter), defaultdict(Counter)
        for _, target in pairs:
            for position, token in enumerate(tokens(target)):
                (inside if position else first)[token.lower()][token] += 1
        self.written = {word: (inside[word] or first[word]).most_common(1)[0][0] for word in inside.keys() | first}

    def word_by_word(self, chosen: list[int] | None = None, iterations: int = 5) -> "WordByWord":
        """IBM Model 1 learnt on the chosen pairs (their indices; None: all), and for each source word its likeliest
        target word."""
        sources, targets, probabilities = ibm_model1(self.ids if chosen is None else [self.ids[i] for i in chosen],
                                                     empty=0, iterations=iterations)
        best: dict[int, tuple[float, int]] = {}
        for source, target, probability in zip(sources.tolist(), targets.tolist(), probabilities.tolist()):
            if source and probability > best.get(source, (0.0, 0))[0]:
                best[source] = (probability, target)
        return WordByWord({self.words[source]: self.written[self.words[target]]
                           for source, (_, target) in best.items()})


class WordByWord:
    """A lexicon from lowercased source words to target words as written; `WordByWord.learn(pairs)` learns one."""

    def __init__(self, lexicon: dict[str, str]):
        self.lexicon = lexicon

    @staticmethod
    def learn(pairs: list[tuple[str, str]], iterations: int = 5) -> "WordByWord":
        return WordPairs(pairs).word_by_word(iterations=iterations)

    def translate(self, source: str) -> str:
        """Word for word; punctuation and a word never seen in training (a name, a number) pass through as they
        are."""
        return detokenize([self.lexicon.get(token.lower(), token) if is_word(token) else token
                           for token in tokens(source)])
