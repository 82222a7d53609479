"""The translation task: decoding with `step` matches the teacher-forced path; beam search; the readers."""
import pytest
import sacrebleu
import torch
import torch.nn.functional as F

from tests.conftest import DING
from zoo.data.parallel_corpus import (_alternatives, ding_entries, ding_phrase_pairs, read_ding,
                                      read_parallel_corpus, read_tsv)
from zoo.tokens import BOS, EOS, PAD, UNK
from zoo.data.translation import SampledLengthBatches, TranslationData, split_pairs
from zoo.data.word_by_word import WordByWord
from zoo.errors import ZooError
from zoo.tasks.decoding import beam_search
from zoo.tasks.translation import TranslationTask, translate_together


@pytest.fixture(scope="module", params=[("zoo.models.transformer.Transformer", False, False),
                                        ("zoo.models.gru.GRU", False, False),
                                        ("zoo.models.transformer.Transformer", True, False),
                                        ("zoo.models.gru.GRU", True, True)],
                ids=["transformer", "gru", "transformer-lexical-bias", "gru-lexical-bias-pointer"])
def task(request):
    target, lexical_bias, pointer = request.param
    torch.manual_seed(0)
    model = {"_target_": target, "d_model": 32, "n_layers": 2, "n_heads": 4, "dropout": 0.0}
    task = TranslationTask(model=model, optim={}, decode={}, vocab_size=50, decoder_layers=1,
                           lexical_bias=lexical_bias, pointer=pointer).eval()
    if lexical_bias:
        task.lexicon.copy_(torch.rand(50, 50).pow(4).softmax(-1))
    return task


def test_the_decoder_has_as_many_layers_as_asked(task):
    assert len(task.decoder.layers) == 1 and len(task.encoder.layers) == 2


def test_the_lexicon_steers_the_translation_of_an_untrained_model():
    model = {"_target_": "zoo.models.transformer.Transformer", "d_model": 32, "n_layers": 1, "n_heads": 4,
             "dropout": 0.0}
    task = TranslationTask(model=model, optim={}, decode={}, vocab_size=50, lexical_bias=True).eval()
    task.lexicon[:, 7] = 1.0  # every source token translates as token 7, and [EOS] as [EOS]
    task.lexicon[EOS] = 0.0
    task.lexicon[EOS, EOS] = 1.0
    decoded = task.translate(torch.randint(4, 50, (6, 5)), beam_size=1, max_length=4)
    assert all(ids and ids[0] == 7 for ids in decoded)


def test_a_gloss_token_copies_itself_through_the_lexicon_when_told():
    model = {"_target_": "zoo.models.transformer.Transformer", "d_model": 32, "n_layers": 1, "n_heads": 4,
             "dropout": 0.0}
    source = torch.tensor([[10, 11, EOS, 20, 21, EOS, PAD]])  # German, [EOS], its gloss, [EOS], padding
    rows, lexicon = {}, torch.rand(50, 50).softmax(-1)
    for copies in (False, True):
        task = TranslationTask(model=model, optim={}, decode={}, vocab_size=50, lexical_bias=True,
                               gloss_copies=copies).eval()
        task.lexicon.copy_(lexicon)
        rows[copies] = task.source_lexicon(source)[0]
        assert torch.equal(rows[copies][:3], task.lexicon[source[0, :3]])  # the source and its [EOS]: the lexicon's
    assert torch.equal(rows[True][3:6], F.one_hot(torch.tensor([20, 21, EOS]), 50).float())
    assert torch.equal(rows[True][6], rows[False][6]) and not torch.equal(rows[True][3:6], rows[False][3:6])


def test_the_pointer_copies_a_source_token_where_its_gate_is_open():
    model = {"_target_": "zoo.models.transformer.Transformer", "d_model": 32, "n_layers": 1, "n_heads": 4,
             "dropout": 0.0}
    torch.manual_seed(0)
    task = TranslationTask(model=model, optim={}, decode={}, vocab_size=50, pointer=True).eval()
    source = torch.tensor([[10, 11, 12, EOS], [30, 31, EOS, PAD]])
    target_in = torch.tensor([[BOS, 5, 6], [BOS, 7, PAD]])
    log_probs = task(source, target_in)
    assert torch.allclose(log_probs.exp().sum(-1), torch.ones(2, 3), atol=1e-5)  # a distribution at every position
    with torch.no_grad():
        task.pointer_gate.bias.fill_(30.0)  # the gate open: every prediction is a copy
    copied = task(source, target_in).exp()
    assert torch.allclose(copied[0, :, [10, 11, 12, EOS]].sum(-1), torch.ones(3), atol=1e-5)
    assert torch.allclose(copied[1, :, [30, 31, EOS]].sum(-1), torch.ones(3), atol=1e-5)  # never the padding
    assert all(set(ids) <= {30, 31} for ids in task.translate(source[1:], beam_size=2, max_length=5))


def test_greedy_decoding_matches_the_teacher_forced_path(task):
    torch.manual_seed(1)
    source = torch.randint(4, 50, (3, 7))
    source[1, 5:] = 0  # padding
    decoded = task.translate(source, beam_size=1, max_length=12)
    for row, ids in enumerate(decoded):
        prefix = torch.tensor([[BOS] + ids])
        logits = task(source[row:row + 1], prefix)
        forced = logits[0].argmax(-1).tolist()  # what teacher forcing predicts after each prefix
        expected = ids + [EOS] if len(ids) < 12 else ids
        assert forced[:len(expected)] == expected


def test_beam_search_finds_no_worse_a_sequence_than_greedy(task):
    torch.manual_seed(2)
    source = torch.randint(4, 50, (4, 6))

    def sequence_log_prob(row, ids):
        target = torch.tensor([[BOS] + ids + [EOS]])
        log_probs = task(source[row:row + 1], target[:, :-1]).log_softmax(-1)
        return log_probs[0].gather(1, target[0, 1:, None]).sum().item() / (len(ids) + 1)

    greedy = task.translate(source, beam_size=1, max_length=10)
    beam = task.translate(source, beam_size=4, max_length=10)
    for row in range(len(source)):
        if len(greedy[row]) < 10 and len(beam[row]) < 10:  # both finished: scores are comparable
            assert sequence_log_prob(row, beam[row]) >= sequence_log_prob(row, greedy[row]) - 1e-5


def test_an_ensemble_of_a_model_with_itself_translates_as_the_model(task):
    torch.manual_seed(3)
    source = torch.randint(4, 50, (3, 6))
    for beam_size in (1, 3):
        alone = task.translate(source, beam_size=beam_size, max_length=10)
        assert translate_together([task, task], source, beam_size=beam_size, max_length=10) == alone


def test_an_ensemble_reads_the_mean_of_its_models_probabilities():
    model = {"_target_": "zoo.models.transformer.Transformer", "d_model": 32, "n_layers": 1, "n_heads": 4,
             "dropout": 0.0}
    tasks = [TranslationTask(model=model, optim={}, decode={}, vocab_size=50, lexical_bias=True).eval()
             for _ in range(2)]
    for task, (first, second) in zip(tasks, [(7, 8), (9, 8)]):
        # each model is sure of its own first token (0.6) and gives 0.4 to a second one; [EOS] follows anything
        task.lexicon.fill_(0.0)
        task.lexicon[:, first], task.lexicon[:, second] = 0.6, 0.4
        task.lexicon[EOS] = 0.0
        task.lexicon[EOS, EOS] = 1.0
        task.head.weight.data.zero_()
    source = torch.randint(4, 50, (2, 5))
    assert [ids[:1] for ids in tasks[0].translate(source, max_length=2)] == [[7], [7]]
    # 7 and 9 each have 0.3 of the mean, 8 has 0.4: the ensemble's first token is the one both models rank second
    assert [ids[:1] for ids in translate_together(tasks, source, max_length=2)] == [[8], [8]]


def test_beam_search_on_a_known_distribution():
    # from BOS: token 3 (0.6) then only EOS (0.5); token 4 (0.4) then EOS (1.0): greedy takes 3, beam finds 4
    table = {1: [0, 0, 0, 0.6, 0.4], 3: [0, 0, 0.5, 0.25, 0.25], 4: [0, 0, 1.0, 0, 0]}

    def next_log_probs(tokens, state):
        rows = [table.get(token, [0, 0, 1.0, 0, 0]) for token in tokens.tolist()]
        return torch.tensor(rows).clamp(min=1e-9).log(), state

    greedy = beam_search(next_log_probs, {}, 1, 1, bos=1, eos=2, max_length=5, device="cpu")
    beam = beam_search(next_log_probs, {}, 1, 2, bos=1, eos=2, max_length=5, device="cpu")
    assert greedy == [[3]] and beam == [[4]]


def test_beam_search_writes_no_ngram_twice_when_told():
    # a model that loops: token 5 after anything but itself, 6 after 5, [EOS] only after six tokens
    def next_log_probs(tokens, state):
        rows = torch.full((len(tokens), 8), 1e-6)
        rows[torch.arange(len(tokens)), torch.where(tokens == 5, 6, 5)] = 1.0
        rows[:, 7] = 0.5  # the runner-up everywhere
        rows[:, 2] = 1e-3 if state["step"] < 6 else 10.0
        state["step"] += 1
        return rows.log_softmax(-1), state

    def decode(no_repeat_ngram):
        return beam_search(next_log_probs, {"step": 0}, 1, 1, bos=1, eos=2, max_length=10, device="cpu",
                           no_repeat_ngram=no_repeat_ngram)[0]

    assert decode(0) == [5, 6, 5, 6, 5, 6]
    # a pair: (5, 6) and (6, 5) once; then 7 where 6 would repeat (5, 6), and [EOS] where 6 and 7 both would
    assert decode(2) == [5, 6, 5, 7, 5]
    assert decode(3) == [5, 6, 5, 6, 7, 5]  # a triple: 7 where 5 would repeat (5, 6, 5)


def test_ding_reader_takes_the_example_sentences(tmp_path):
    corpus = tmp_path / "de-en"
    corpus.write_text(
        "# comment\n"
        "Hund {m} | Er hat einen Hund. :: dog | He has a dog.\n"
        "Katze {f} :: cat\n"
        "Es regnet heute sehr. | Zwei :: It is raining hard today.\n"  # sub-entries do not align: skipped
    )
    assert read_ding(str(corpus)) == [("Er hat einen Hund.", "He has a dog.")]


def test_a_ding_target_with_alternatives_is_several_references_and_trains_on_its_first(tmp_path):
    corpus = tmp_path / "de-en"
    corpus.write_text("".join(f"Satz {i} | Er {i} ist sehr müde. :: sentence {i} | He {i} is very tired/weary.\n"
                              f"Hund {i} | Der Hund {i} bellt laut. :: dog {i} | The dog {i} barks (loudly).\n"
                              for i in range(40)))
    data = TranslationData(path=str(corpus), vocab_size=60, val_fraction=0.2, test_fraction=0.2)
    data.setup()
    trained_on = {target for _, target in data.pairs["train"]}
    assert any(target.endswith("is very tired.") for target in trained_on)
    assert not any("/" in target or "weary" in target for target in trained_on)
    for (source, target), references in zip(data.pairs["test"], data.references["test"]):
        assert references == ([target, target.replace("/weary", ""), target.replace("tired/", "")]
                               if target.startswith("He") else
                               [target, target.replace("(loudly)", "loudly"), target.replace(" (loudly)", "")])


def test_the_real_ding_file_gives_sixteen_thousand_sentence_pairs():
    pairs = read_ding(DING)
    assert 15_000 < len(set(pairs)) < 20_000
    assert all(source[0].isupper() and target[-1] in ".!?" for source, target in pairs)


@pytest.mark.parametrize("content,message", [
    (b"", "empty"),
    (b"Hallo Welt\tHello world\nnur eine Spalte\n", ":2: 1 tab-separated column(s)"),
    (b"Hallo\tHello\n\t Hello\n", ":2: empty source side"),
    (b"Hallo\tHello\n\xff\xfe\tx\n", ":2: not valid UTF-8"),
])
def test_tsv_reader_names_file_and_line_of_a_bad_line(tmp_path, content, message):
    path = tmp_path / "pairs.tsv"
    path.write_bytes(content)
    with pytest.raises(ZooError) as caught:
        read_tsv(str(path), 0, 1)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_tsv_reader_takes_the_columns_asked_for(tmp_path):
    path = tmp_path / "deu.tsv"
    path.write_text("Go.\tGeh.\tCC-BY 2.0 (France) Attribution: tatoeba.org\n")
    assert read_parallel_corpus(str(path), "auto", 1, 0) == [("Geh.", "Go.")]


def test_missing_file_and_unknown_format_are_named(tmp_path):
    with pytest.raises(ZooError, match="not found"):
        read_parallel_corpus(str(tmp_path / "nope.tsv"), "auto", 0, 1)
    with pytest.raises(ZooError, match="data.format='xml' is not one of auto, ding, tsv"):
        read_parallel_corpus(DING, "xml", 0, 1)


def test_split_is_fixed_by_seed_disjoint_and_deduplicated():
    pairs = [(f"s{i}", f"t{i}") for i in range(200)] + [("s0", "t0")] * 5
    first, second = split_pairs(pairs, 0.1, 0.1, seed=3), split_pairs(pairs, 0.1, 0.1, seed=3)
    assert first == second
    train, val, test = first
    assert (len(train), len(val), len(test)) == (160, 20, 20)
    assert not set(train) & set(test) and not set(train) & set(val)


def test_vocabulary_is_fitted_on_the_training_split_only(tmp_path):
    path = tmp_path / "pairs.tsv"
    lines = [f"Satz {i} Quxzy{i % 3}\tSentence {i}" for i in range(60)]
    path.write_text("\n".join(lines) + "\n")
    data = TranslationData(path=str(path), vocab_size=200, val_fraction=0.2, test_fraction=0.2)
    data.setup()
    vocab = data.tokenizer.get_vocab()
    train_numbers = {source.split()[1] for source, _ in data.pairs["train"]}
    held_out = {source.split()[1] for source, _ in data.pairs["test"]} - train_numbers
    assert held_out and not any(f"▁{number}" in vocab for number in held_out if len(number) > 1)


def test_dictionary_pairs_leave_out_every_line_a_held_out_sentence_comes_from(tmp_path):
    corpus = tmp_path / "de-en"
    lines = [f"Wort{i} {{n}}; Vokabel{i} | Das ist Satz Nummer {i}. :: word{i}; vocable{i} | This is sentence "
             f"number {i}." for i in range(40)]
    corpus.write_text("\n".join(lines + ["Haus {n} [arch.] | Häuser {pl} :: house | houses"]) + "\n")
    data = TranslationData(path=str(corpus), vocab_size=100, val_fraction=0.2, test_fraction=0.2,
                           dictionary_pairs=10)
    data.setup()
    held_out = {int(source.split()[-1].rstrip(".")) for source, _ in data.pairs["val"] + data.pairs["test"]}
    dictionary = set(data.dictionary)
    assert ("Haus", "house") in dictionary and ("Häuser", "houses") in dictionary  # markup gone
    assert dictionary == {("Haus", "house"), ("Häuser", "houses")} | {
        (f"Wort{i}", f"word{i}") for i in range(40) if i not in held_out}
    assert data.sentences_in_train == len(data.pairs["train"])
    assert len(data.encoded["train"]) == len(data.pairs["train"]) + len(dictionary)


def test_no_held_out_sentence_of_the_real_dictionary_leaks_into_training():
    _, val, test = split_pairs(read_ding(DING), 0.05, 0.05, seed=0)  # TranslationData's default split
    held_out = {text for pair in val + test for text in pair}
    entries = [sub_entries for _, sub_entries in ding_entries(DING)]  # read once: the file has 200k lines
    lines = [{(_alternatives(left)[0], _alternatives(right)[0]) for left, right in sub_entries}
             for sub_entries in entries]
    held_out_lines = {number for number, sub_entries in enumerate(entries)
                      if any(side in held_out for pair in sub_entries for side in pair)}
    elsewhere = set().union(*(pairs for number, pairs in enumerate(lines) if number not in held_out_lines))
    only_held_out = set().union(*(lines[number] for number in held_out_lines)) - elsewhere  # their own words
    dictionary = set(ding_phrase_pairs(DING, held_out))
    assert len(held_out_lines) > 1000 and len(only_held_out) > 1000 and len(dictionary) > 150_000
    assert not dictionary & only_held_out
    assert held_out.isdisjoint(text for pair in dictionary for text in pair)


def test_an_epoch_draws_the_sentences_and_a_fresh_sample_of_the_dictionary():
    sampler = SampledLengthBatches([3] * 100, batch_size=8, always=20, sampled=30, seed=0)
    first = sorted(index for batch in sampler for index in batch)
    sampler.set_epoch(1)
    second = sorted(index for batch in sampler for index in batch)
    assert len(first) == len(second) == 50 and len(sampler) == 7
    assert first[:20] == second[:20] == list(range(20)) and first[20:] != second[20:]


def test_token_dropout_hides_source_tokens_in_training_only(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(f"eins zwei drei vier fünf {i}\tone two three four five {i}" for i in range(50)))
    data = TranslationData(path=str(path), vocab_size=100, token_dropout=0.5, val_fraction=0.2, test_fraction=0.2)
    data.setup()
    torch.manual_seed(0)
    train = next(iter(data.loader("train", shuffle=True)))
    val = next(iter(data.loader("val", shuffle=False)))
    assert 0.3 < (train["source"] == UNK).sum() / (train["source"] > UNK).sum() < 1.5  # about half hidden
    assert not (val["source"] == UNK).any() and not (train["target"] == UNK).any()


def test_label_smoothing_reaches_the_training_loss(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(f"Satz {i}\tSentence {i}" for i in range(50)))
    data = TranslationData(path=str(path), vocab_size=100, label_smoothing=0.2)
    data.setup()
    model = {"_target_": "zoo.models.transformer.Transformer", "d_model": 16, "n_layers": 1, "dropout": 0.0}
    task = TranslationTask(model=model, optim={}, decode={}, **data.task_arguments())
    batch = next(iter(data.loader("train", shuffle=True)))
    logits = task(batch["source"], batch["target"][:, :-1]).flatten(0, 1)
    smoothed = F.cross_entropy(logits, batch["target"][:, 1:].flatten(), ignore_index=0, label_smoothing=0.2)
    assert task.hparams.label_smoothing == 0.2
    assert torch.allclose(task.loss(batch, task.hparams.label_smoothing), smoothed)
    assert not torch.allclose(task.loss(batch), smoothed)


def test_length_penalty_zero_prefers_the_short_hypothesis():
    # [3]: log 0.5 over 2 tokens (3, EOS); [4, 5]: log 0.45 over 3 tokens: a lower sum, a higher mean
    table = {1: [0, 0, 0.05, 0.5, 0.45, 0], 3: [0, 0, 1.0, 0, 0, 0], 4: [0, 0, 0, 0, 0, 1.0], 5: [0, 0, 1.0, 0, 0, 0],
             2: [0, 0, 1.0, 0, 0, 0]}

    def next_log_probs(tokens, state):
        return torch.tensor([table[token] for token in tokens.tolist()]).clamp(min=1e-9).log(), state

    by_sum = beam_search(next_log_probs, {}, 1, 2, bos=1, eos=2, max_length=6, device="cpu", length_penalty=0.0)
    per_token = beam_search(next_log_probs, {}, 1, 2, bos=1, eos=2, max_length=6, device="cpu", length_penalty=1.0)
    assert by_sum == [[3]] and per_token == [[4, 5]]


def test_quick_runs_and_tsv_corpora_draw_no_dictionary(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(f"Satz {i}\tSentence {i}" for i in range(50)))
    assert not TranslationData(path=str(path), dictionary_pairs=100).reads_dictionary()
    assert not TranslationData(path=DING, dictionary_pairs=100, max_pairs=300).reads_dictionary()
    assert TranslationData(path=DING, dictionary_pairs=100).reads_dictionary()
    assert not TranslationData(path=str(path), dictionary_in_lexicon=True).reads_dictionary()
    assert TranslationData(path=DING, dictionary_in_lexicon=True).reads_dictionary()
    with pytest.raises(ZooError, match="data.dictionary_pairs must be >= 0, got -1"):
        TranslationData(path=DING, dictionary_pairs=-1)


LEXICON = {"hund": "dog", "katze": "cat", "sieht": "sees", "jagt": "chases", "mag": "likes", "der": "the",
           "ein": "a", "kleine": "small", "alte": "old", "rote": "red", "heute": "today", "oft": "often"}


def lexicon_pairs(count: int, seed: int) -> list[tuple[str, str]]:
    """Sentences of 3-6 words drawn from LEXICON, and their word-for-word English: a corpus whose word alignment
    is known."""
    generator = torch.Generator().manual_seed(seed)
    german = list(LEXICON)
    pairs = []
    for _ in range(count):
        length = int(torch.randint(3, 7, (1,), generator=generator))
        chosen = [german[i] for i in torch.randint(len(german), (length,), generator=generator).tolist()]
        pairs.append((" ".join(chosen).capitalize() + ".", " ".join(map(LEXICON.get, chosen)).capitalize() + "."))
    return pairs


def test_word_by_word_learns_the_lexicon_of_its_pairs_and_passes_unknown_words_through():
    model = WordByWord.learn(lexicon_pairs(300, seed=0))
    assert {word: model.lexicon[word] for word in LEXICON} == LEXICON
    assert model.translate("Der alte Hund jagt Berlin, oft.") == "The old dog chases Berlin, often."


def test_translation_reports_word_by_word_and_copied_source_scores_on_its_test_split(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("".join(f"{source}\t{target}\n" for source, target in lexicon_pairs(400, seed=1)))
    data = TranslationData(path=str(path), vocab_size=100)
    data.setup()
    sources, references = zip(*data.pairs["test"])
    assert data.references["test"] == [[reference] for reference in references]  # a TSV target is one reference
    copied = sacrebleu.corpus_bleu(list(sources), [list(references)]).score
    baselines = data.baselines()
    assert baselines["test/word_by_word_bleu"] == pytest.approx(100.0)  # every test word is in the lexicon
    assert baselines["test/copy_source_bleu"] == pytest.approx(copied) and copied < 10
    assert {f"test/{name}_{metric}" for name in ("word_by_word", "copy_source")
            for metric in ("bleu", "chrf")} | {"test/word_by_word_bleu_brevity_penalty"} <= set(baselines)


def test_a_glossed_source_is_followed_by_its_word_by_word_translation(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("".join(f"{source}\t{target}\n" for source, target in lexicon_pairs(200, seed=2)))
    plain, glossed = (TranslationData(path=str(path), vocab_size=100, gloss=gloss) for gloss in (False, True))
    plain.setup()
    glossed.setup()
    source, _ = glossed.pairs["test"][0]
    gloss = glossed.word_by_word_translations("test")[0]
    expected = glossed.tokenizer.encode(source).ids + [EOS] + glossed.tokenizer.encode(gloss).ids + [EOS]
    assert glossed.encoded["test"][0][0] == expected
    assert gloss == " ".join(map(LEXICON.get, source[:-1].lower().split())).capitalize() + "."
    assert plain.encoded["test"][0][0] == glossed.tokenizer.encode(source).ids + [EOS]


def test_a_training_gloss_comes_from_a_lexicon_that_never_saw_its_sentence(tmp_path):
    """A word found in one training sentence alone is translated in that sentence's gloss by a lexicon learnt on
    every training pair, and passes through untranslated, as in a test sentence, where the lexicon is the other
    folds'."""
    pairs = lexicon_pairs(200, seed=3)
    pairs[0] = ("Der hund frisst.", "The dog eats.")  # "frisst" -> "eats", in no other pair
    path = tmp_path / "pairs.tsv"
    path.write_text("".join(f"{source}\t{target}\n" for source, target in pairs))
    glosses = {}
    for folds in (1, 5):
        data = TranslationData(path=str(path), vocab_size=100, gloss=True, gloss_folds=folds, split_seed=0)
        data.setup()
        sentence = next(index for index, (source, _) in enumerate(data.pairs["train"]) if "frisst" in source)
        glosses[folds] = data.glosses("train")[sentence]
        assert data.glosses("test") == data.word_by_word_translations("test")  # held out: word by word's own
    assert glosses[1] == "The dog eats."
    assert glosses[5] == "The dog frisst."


def test_gloss_folds_below_one_are_refused(tmp_path):
    with pytest.raises(ZooError, match="data.gloss_folds must be >= 1, got 0"):
        TranslationData(path=str(tmp_path / "pairs.tsv"), gloss_folds=0)


def test_the_dictionary_in_the_lexicon_teaches_word_by_word_its_words(tmp_path):
    corpus = tmp_path / "de-en"
    corpus.write_text("".join(f"Satz {i} | Der Hund {i} bellt laut. :: sentence {i} | The dog {i} barks loudly.\n"
                              for i in range(40)) + "Frosch {m}; Kröte {f} :: frog; toad\nspringen {vi} :: to jump\n")
    lexicons = {}
    for dictionary in (False, True):
        data = TranslationData(path=str(corpus), vocab_size=60, gloss=True, dictionary_in_lexicon=dictionary)
        data.setup()
        lexicons[dictionary] = data.word_by_word_lexicon().lexicon
        assert data.encoded["train"][0][0][-1] == EOS and len(data.encoded["train"]) == len(data.pairs["train"])
    assert "frosch" not in lexicons[False] and lexicons[True]["frosch"] == "frog"
    assert lexicons[True]["springen"] in ("to", "jump")  # the first alternative, word for word
    assert lexicons[True].keys() >= lexicons[False].keys()  # the sentences' words stay in it
