"""data=text: the split, the vocabulary, the windows, the unigram reference and the reader's errors; then a model
trained end to end with `python -m zoo` and sampled with `python -m zoo.cli.sample`."""
import math
import os
import random
import subprocess
import sys
from collections import Counter

import pytest
import torch

from tests.conftest import ROOT
from zoo.data.text import UNKNOWN, TextData, read_fortunes, split_fortunes
from zoo.errors import ZooError
from zoo.cli.sample import load_language_model, main

LENGTH = 8


def write(tmp_path, content: str | bytes, name: str = "corpus.txt") -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def random_text(n: int, alphabet: str = "abcdefgh \n", seed: int = 0) -> str:
    return "".join(random.Random(seed).choices(alphabet, k=n))


def text_data(path: str, **overrides) -> TextData:
    torch.manual_seed(0)  # the run's seed, which orders the training batches
    data = TextData(path=path, **{"length": LENGTH, "val_fraction": 0.1, "test_fraction": 0.1,
                                  "batch_size": 4, **overrides})
    data.setup()
    return data


def test_the_held_out_parts_are_the_tail_validation_then_test(tmp_path):
    text = random_text(1000)
    data = text_data(write(tmp_path, text))
    decoded = {split: data.vocabulary.decode(ids.tolist()) for split, ids in data.ids.items()}
    assert decoded == {"train": text[:800], "val": text[800:900], "test": text[900:]}


def test_the_vocabulary_is_the_training_part_characters(tmp_path):
    text = random_text(900) + random_text(100, alphabet="abXY")  # X and Y appear in the tail only
    data = text_data(write(tmp_path, text))
    assert data.vocabulary.characters == "".join(sorted(set(text[:800])))
    assert len(data.vocabulary) == 11 and data.task_arguments() == {"vocab_size": 11}
    unseen = [i for i, character in enumerate(text[900:]) if character in "XY"]
    assert unseen and all(data.ids["test"][i] == UNKNOWN for i in unseen)


def test_a_checkpoint_vocabulary_wins_over_one_fitted_anew(tmp_path):
    trained = text_data(write(tmp_path, random_text(1000, alphabet="abc"), "first.txt"))
    restored = TextData(path=write(tmp_path, random_text(1000, alphabet="xyz"), "second.txt"), length=LENGTH)
    restored.load_state_dict(trained.state_dict())
    restored.setup()
    assert restored.vocabulary.characters == "abc"
    assert (restored.ids["train"] == UNKNOWN).all()


def test_training_windows_are_random_places_with_targets_shifted_by_one(tmp_path):
    text = random_text(1000)
    data = text_data(write(tmp_path, text))
    batches = list(data.train_dataloader())
    assert len(batches) == 800 // (LENGTH * 4)
    for batch in batches:
        assert batch["input"].shape == batch["target"].shape == (4, LENGTH)
        assert torch.equal(batch["input"][:, 1:], batch["target"][:, :-1])
        for input, target in zip(batch["input"].tolist(), batch["target"].tolist()):
            assert data.vocabulary.decode(input + target[-1:]) in text[:800]


def test_the_training_order_is_a_function_of_seed_and_epoch(tmp_path):
    path = write(tmp_path, random_text(1000))

    def starts(epoch):
        sampler = text_data(path).train_dataloader().batch_sampler
        sampler.set_epoch(epoch)
        return list(sampler)

    assert starts(0) == starts(0) and starts(1) == starts(1) and starts(0) != starts(1)


def test_evaluation_windows_are_consecutive_and_do_not_overlap(tmp_path):
    data = text_data(write(tmp_path, random_text(1000)))
    batches = list(data.val_dataloader())
    inputs = torch.cat([batch["input"] for batch in batches]).flatten()
    targets = torch.cat([batch["target"] for batch in batches]).flatten()
    n = (100 - 1) // LENGTH * LENGTH  # whole windows of the 100 validation characters
    assert torch.equal(inputs, data.ids["val"][:n]) and torch.equal(targets, data.ids["val"][1:n + 1])


def test_the_unigram_baseline_equals_a_direct_computation(tmp_path):
    text = random_text(900, alphabet="aaaabbc \n") + random_text(100, alphabet="abcZ")
    data = text_data(write(tmp_path, text))
    train, test = text[:800], text[900:]
    counts, vocab_size = Counter(train), len(set(train)) + 1
    bits = [-math.log2((counts[character] + 1) / (len(train) + vocab_size)) for character in test]
    assert data.baselines() == {"test/unigram_bpc": pytest.approx(sum(bits) / len(bits), rel=1e-12)}


@pytest.mark.parametrize("content,message", [
    (None, "not found"),
    (b"first line\nsecond line\nthird \xff line\n", ":3: not valid UTF-8"),
    ("too short for windows of eight", "too short"),
])
def test_a_bad_file_is_an_error_naming_it(tmp_path, content, message):
    path = str(tmp_path / "missing.txt") if content is None else write(tmp_path, content)
    with pytest.raises(ZooError) as caught:
        text_data(path)
    assert path in str(caught.value) and message in str(caught.value)


def test_settings_that_cannot_work_are_refused():
    with pytest.raises(ZooError, match="data.val_fraction must be in"):
        TextData(val_fraction=0.5)
    with pytest.raises(ZooError, match="data.length and data.batch_size must be >= 1"):
        TextData(length=0)


def test_fortune_databases_are_split_at_their_percent_lines():
    assert split_fortunes("one\n%\n\ntwo\n\tlines\n%\n \n%\nlast\n") == ["one", "two\n\tlines", "last"]


def test_the_default_corpus_is_two_megabytes_of_fortunes_without_separators():
    text = read_fortunes()
    assert len(text) > 2_000_000 and "\n%\n" not in text
    assert "Mark Twain" in text


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A tiny LSTM trained on a small text by `python -m zoo`, as a user runs it."""
    run_dir = tmp_path_factory.mktemp("run")
    words, rng = "cat sat on a mat and then it ran to see the dog who was not very happy".split(), random.Random(0)
    sentences = ("The " + " ".join(rng.choices(words, k=8)) + "." for _ in range(300))
    corpus = run_dir / "corpus.txt"
    corpus.write_text("\n".join(sentences) + "\n")
    result = run_module("zoo", "data=text", f"data.path={corpus}", "model=lstm", "debug=default", "logger=none",
                        f"hydra.run.dir={run_dir}")
    assert result.returncode == 0, result.stderr[-3000:]
    return run_dir


def run_module(module: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WANDB_SILENT": "true", "OMP_NUM_THREADS": "1", "HYDRA_FULL_ERROR": "0"}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_sample_prints_the_prompt_and_its_continuation(run_dir):
    result = run_module("zoo.cli.sample", str(run_dir), "--prompt", "The ", "--length", "50")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("The ") and len(result.stdout) == len("The ") + 50 + len("\n")


def test_greedy_generation_is_the_argmax_of_the_teacher_forced_forward(run_dir):
    task, vocabulary = load_language_model(run_dir)
    prompt = vocabulary.encode("The cat ")[None]
    generated = task.generate(prompt, 30, temperature=0)
    with torch.no_grad():
        logits = task(torch.cat([prompt, generated], dim=1)[:, :-1])
    assert torch.equal(logits[:, prompt.shape[1] - 1:].argmax(-1), generated)


def sample_error(capsys, code: int, *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    assert exited.value.code == code
    error = capsys.readouterr().err
    if code == 1:  # failed: one line
        assert error.count("\n") == 1 and error.startswith("Error: ")
    else:  # bad usage: argparse's usage, then the error in its last line
        assert error.strip().splitlines()[-1].startswith("python -m zoo.cli.sample: error: ")
    return error


def test_sample_refuses_wrong_arguments_in_one_line(capsys, run_dir, tmp_path):
    assert "the following arguments are required: --prompt" in sample_error(capsys, 2, str(run_dir))
    assert "--length: invalid int value: 'many'" in sample_error(capsys, 2, str(run_dir), "--prompt", "a",
                                                                 "--length", "many")
    assert "'Q€' not in the model's vocabulary" in sample_error(capsys, 1, str(run_dir), "--prompt", "Q€")
    other = tmp_path / "other.ckpt"
    torch.save({"state_dict": {}, "hyper_parameters": {"vocab_size": 3}}, other)
    assert "not a checkpoint of a data=text language model" in sample_error(capsys, 1, str(run_dir), "--prompt", "a",
                                                                            "--checkpoint", str(other))
