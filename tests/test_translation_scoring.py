"""How translations are scored: a reference's inline alternatives as several references, BLEU's parts, the paired
bootstrap against word by word, IBM Model 1, and the word-by-word baseline written as the model's output is."""
import math
import os

import numpy as np
import pytest

from zoo.compare.translations import WORD_BY_WORD, translation_verdict, verdict_markdown
from zoo.data.ibm_model1 import ibm_model1
from zoo.data.readings import MAX_READINGS, first_reading, readings
from zoo.data.word_by_word import WordByWord
from zoo.metrics import BOOTSTRAP_SEED, paired_bootstrap, reference_streams, translation_scores
from zoo.tasks.translation_scoring import write_translations


@pytest.mark.parametrize("text, expected", [
    ("Plain text.", ["Plain text."]),
    ("The comparison is misleading/flawed.",
     ["The comparison is misleading/flawed.", "The comparison is misleading.", "The comparison is flawed."]),
    ("It was clear from the start / beginning that he left.",
     ["It was clear from the start / beginning that he left.", "It was clear from the start that he left.",
      "It was clear from the beginning that he left."]),
    ("We could knock off (work) early.",
     ["We could knock off (work) early.", "We could knock off work early.", "We could knock off early."]),
    ("They were scouting (a)round.", ["They were scouting (a)round.", "They were scouting around.",
                                      "They were scouting round."]),
    ("We would be bound/committed to it/that.",  # groups change together; the full stop belongs to the sentence
     ["We would be bound/committed to it/that.", "We would be bound to it.", "We would be committed to that."]),
    ("Vultures hover above sb./sth.", ["Vultures hover above sb./sth.", "Vultures hover above sb.",
                                       "Vultures hover above sth."]),
    ("Almost/nearly everybody came.", ["Almost/nearly everybody came.", "Almost everybody came.",
                                       "Nearly everybody came."]),
])
def test_a_reference_with_inline_alternatives_is_each_of_its_readings(text, expected):
    assert readings(text) == expected
    assert first_reading(text) == (expected[1] if len(expected) > 1 else text)


def test_a_reference_has_at_most_a_bounded_number_of_readings():
    assert len(readings("A/b/c/d/e/f/g/h/i/j/k (x) y.")) == MAX_READINGS


def test_every_reference_of_a_sentence_counts():
    references = [["The comparison is misleading/flawed.", "The comparison is misleading.",
                   "The comparison is flawed."], ["He left early."]]
    hypotheses = ["The comparison is flawed.", "He left early."]
    assert translation_scores(hypotheses, references)["bleu"] == pytest.approx(100.0)
    literal_only = translation_scores(hypotheses, [[alternatives[0]] for alternatives in references])["bleu"]
    assert literal_only < 90
    assert reference_streams(references) == [["The comparison is misleading/flawed.", "He left early."],
                                             ["The comparison is misleading.", None],
                                             ["The comparison is flawed.", None]]


def test_bleu_reports_its_brevity_penalty_and_precisions():
    scores = translation_scores(["the cat sat"], [["the cat sat on the mat today"]])
    assert scores["bleu_brevity_penalty"] == pytest.approx(math.exp(1 - 7 / 3))
    assert [scores[f"bleu_precision_{n}"] for n in (1, 2, 3)] == pytest.approx([100.0, 100.0, 100.0])
    assert scores["bleu_precision_4"] == 0.0


REFERENCES = [[f"the {animal} sleeps on the warm mat today."] for animal in ("cat", "dog", "cow", "hen")] * 50
GOOD = [alternatives[0] for alternatives in REFERENCES]
POOR = ["mat sleeps warm."] * len(REFERENCES)


def test_the_paired_bootstrap_tells_a_clearly_better_system_from_its_baseline():
    found = paired_bootstrap(GOOD, POOR, REFERENCES)
    assert found["bleu_difference"] > 50 and found["bleu_p_value"] < 0.01 and found["chrf_p_value"] < 0.01
    assert found["bleu_interval_low"] - 1e-6 <= 100.0 <= found["bleu_interval_high"] + 1e-6
    assert paired_bootstrap(GOOD, POOR, REFERENCES) == found  # the same resamples every time


def test_the_paired_bootstrap_finds_no_difference_where_there_is_none_or_almost_none():
    assert paired_bootstrap(POOR, POOR, REFERENCES)["bleu_p_value"] == 1.0
    one_better = [GOOD[0], *POOR[1:]]  # one sentence of 200 improved
    found = paired_bootstrap(one_better, POOR, REFERENCES)
    assert found["bleu_difference"] > 0 and found["chrf_p_value"] > 0.05


def test_the_paired_bootstrap_leaves_sacrebleus_seed_setting_as_it_was(monkeypatch):
    monkeypatch.setenv("SACREBLEU_SEED", "7")
    paired_bootstrap(GOOD, POOR, REFERENCES)
    assert os.environ["SACREBLEU_SEED"] == "7" and BOOTSTRAP_SEED != "7"


def test_ibm_model_1_finds_which_word_translates_which():
    # das Haus / the house, das Buch / the book, ein Buch / a book: only co-occurrence tells them apart
    das, haus, buch, ein, the, house, book, a, empty = range(9)
    pairs = [([das, haus], [the, house]), ([das, buch], [the, book]), ([ein, buch], [a, book])]
    sources, targets, probabilities = ibm_model1(pairs, empty=empty, iterations=20)
    table = {(int(source), int(target)): probability for source, target, probability
             in zip(sources, targets, probabilities)}
    for source, target in ((das, the), (haus, house), (buch, book), (ein, a)):
        assert table[source, target] > 0.9
    totals = np.bincount(sources, probabilities)
    assert totals[[das, haus, buch, ein, empty]] == pytest.approx(1.0)


def test_word_by_word_writes_english_as_it_is_written():
    pairs = [("Ich sehe den Hund.", "I see the dog."), ("Der Hund sieht mich.", "The dog sees me."),
             ("Ich sehe dich.", "I see you."), ("Du siehst den Hund.", "You see the dog."),
             ("Der Hund schläft.", "The dog sleeps."), ("Ich schlafe.", "I sleep."), ("Du siehst mich.", "You see me."),
             ("Du schläfst nicht.", "You don’t sleep."), ("Ein Hund schläft.", "A dog sleeps."),
             ("Ich sehe ein Haus.", "I see a house."), ("Das Haus sieht dich.", "The house sees you.")]
    model = WordByWord.learn(pairs, iterations=20)
    assert model.lexicon["ich"] == "I"  # as the training targets write it, not lower-cased
    assert model.translate("Der Hund sieht Berlin (heute).") == "The dog sees Berlin (heute)."
    assert "don’t" in model.lexicon.values()  # a word's inner apostrophe keeps it one word


def write_run(directory, hypotheses, word_by_word):
    directory.mkdir(parents=True)
    write_translations(directory / "test_translations.jsonl", [
        {"source": f"Satz {i}.", "references": references, "hypothesis": hypothesis, "word_by_word": baseline}
        for i, (references, hypothesis, baseline) in enumerate(zip(REFERENCES, hypotheses, word_by_word))])
    return directory


def test_the_translation_verdict_counts_seeds_and_sentences_and_ranks_word_by_word(tmp_path):
    good = [alternatives[0] for alternatives in REFERENCES]
    weak = ["the mat sleeps warm today."] * len(REFERENCES)
    # a model that translates every sentence well on two seeds and every other sentence on the third
    almost = [hypothesis if i % 2 else weak[i] for i, hypothesis in enumerate(good)]
    runs = {"transformer": [write_run(tmp_path / f"t{seed}", good if seed < 2 else almost, weak) for seed in range(3)],
            "gru": [write_run(tmp_path / f"g{seed}", good, weak) for seed in range(3)],
            "rnn": [write_run(tmp_path / f"r{seed}", weak, weak) for seed in range(3)]}
    verdict = translation_verdict(runs, samples=300)
    standings = {contender.label: contender for contender in verdict.contenders}
    assert [contender.label for contender in verdict.contenders][:2] == ["gru", "transformer"]
    assert standings["gru"].rank == standings["transformer"].rank == 1  # the third seed's gap is within its spread
    assert standings["rnn"].rank == standings[WORD_BY_WORD].rank == 3
    assert standings[WORD_BY_WORD].seeds == 1
    assert standings["gru"].low <= standings["gru"].score <= standings["gru"].high
    assert "| gru | 100.00 |" in verdict_markdown(verdict)


def test_the_translation_verdict_needs_every_run_on_the_same_sentences(tmp_path):
    first = write_run(tmp_path / "a", POOR, POOR)
    second = write_run(tmp_path / "b", POOR, POOR)
    (second / "test_translations.jsonl").write_text((second / "test_translations.jsonl").read_text()
                                                    .replace("Satz 3.", "Satz 33."))
    assert translation_verdict({"x": [first], "y": [second]}) is None
    assert translation_verdict({"x": [first], "y": [tmp_path / "no-run"]}) is None
