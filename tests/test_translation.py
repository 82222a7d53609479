"""The translation task: decoding with `step` matches the teacher-forced path; beam search; the readers."""
import pytest
import torch

from tests.conftest import DING
from zoo.data.parallel_corpus import read_ding, read_parallel_corpus, read_tsv
from zoo.data.subwords import BOS, EOS
from zoo.data.translation import TranslationData, split_pairs
from zoo.errors import ZooError
from zoo.tasks.decoding import beam_search
from zoo.tasks.translation import TranslationTask


@pytest.fixture(scope="module", params=["zoo.models.transformer.Transformer", "zoo.models.gru.GRU"])
def task(request):
    torch.manual_seed(0)
    model = {"_target_": request.param, "d_model": 32, "n_layers": 2, "n_heads": 4, "dropout": 0.0}
    return TranslationTask(model=model, optim={}, decode={}, vocab_size=50).eval()


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


def test_beam_search_on_a_known_distribution():
    # from BOS: token 3 (0.6) then only EOS (0.5); token 4 (0.4) then EOS (1.0): greedy takes 3, beam finds 4
    table = {1: [0, 0, 0, 0.6, 0.4], 3: [0, 0, 0.5, 0.25, 0.25], 4: [0, 0, 1.0, 0, 0]}

    def next_log_probs(tokens, state):
        rows = [table.get(token, [0, 0, 1.0, 0, 0]) for token in tokens.tolist()]
        return torch.tensor(rows).clamp(min=1e-9).log(), state

    greedy = beam_search(next_log_probs, {}, 1, 1, bos=1, eos=2, max_length=5, device="cpu")
    beam = beam_search(next_log_probs, {}, 1, 2, bos=1, eos=2, max_length=5, device="cpu")
    assert greedy == [[3]] and beam == [[4]]


def test_ding_reader_takes_the_example_sentences(tmp_path):
    corpus = tmp_path / "de-en"
    corpus.write_text(
        "# comment\n"
        "Hund {m} | Er hat einen Hund. :: dog | He has a dog.\n"
        "Katze {f} :: cat\n"
        "Es regnet heute sehr. | Zwei :: It is raining hard today.\n"  # sub-entries do not align: skipped
    )
    assert read_ding(str(corpus)) == [("Er hat einen Hund.", "He has a dog.")]


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
