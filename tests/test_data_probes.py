"""The generated probes: layouts and lags as documented, seeded data, analytic baselines checked against direct
computations, one-line errors for bad knobs, and a small model that learns each of them."""
import itertools
import math

import pytest
import torch

from zoo.data.adding import AddingData
from zoo.data.copy import CopyData
from zoo.data.recall import FILLER, RecallData
from zoo.errors import ZooError
from zoo.tasks.forecasting import ForecastingTask
from zoo.tasks.language_model import LanguageModelTask
from zoo.tokens import IGNORE

SIZES = {"n_train": 64, "n_val": 32, "n_test": 2000, "batch_size": 16}


def made(cls, **knobs):
    data = cls(**{**SIZES, **knobs})
    data.setup()
    return data


def test_copy_layout_and_lag():
    length, lag = 4, 7
    data = made(CopyData, n_symbols=5, length=length, lag=lag)
    test = data.splits["test"]
    tokens, target = test["input"], test["target"]
    assert tokens.shape == target.shape == (SIZES["n_test"], 2 * length + lag)
    assert data.task_arguments() == {"vocab_size": 7}
    cue = length + lag
    assert (tokens[:, cue] == data.cue).all()
    assert (tokens[:, length:cue] == data.blank).all() and (tokens[:, cue + 1:] == data.blank).all()
    assert (tokens[:, :length] < 5).all()
    assert (target[:, :cue] == IGNORE).all()
    # every symbol is asked for exactly length + lag steps after it was read
    assert torch.equal(target[:, cue:], tokens[:, :length])


def test_recall_layout_and_lag():
    vocab_size, n_pairs, n_queries, lag = 20, 5, 3, 6
    data = made(RecallData, vocab_size=vocab_size, n_pairs=n_pairs, n_queries=n_queries, lag=lag)
    test = data.splits["test"]
    tokens, target = test["input"], test["target"]
    assert tokens.shape == target.shape == (SIZES["n_test"], 2 * n_pairs + lag + 2 * n_queries - 1)
    keys, values = tokens[:, 0:2 * n_pairs:2], tokens[:, 1:2 * n_pairs:2]
    assert ((1 <= keys) & (keys < vocab_size // 2)).all()
    assert ((vocab_size // 2 <= values) & (values < vocab_size)).all()
    assert all(len(set(row)) == n_pairs for row in keys.tolist())
    assert (tokens[:, 2 * n_pairs:2 * n_pairs + lag] == FILLER).all()
    first_query = 2 * n_pairs + lag  # lag + 1 steps after the last pair's value
    scored = (target != IGNORE).nonzero().tolist()
    assert len(scored) == SIZES["n_test"] * n_queries
    assert {position for _, position in scored} == set(range(first_query, tokens.shape[1], 2))
    for row, position in scored:
        key = tokens[row, position].item()
        shown_at = keys[row].tolist().index(key)
        assert target[row, position] == values[row, shown_at]  # its value, the next token in the stream
        if position + 1 < tokens.shape[1]:
            assert tokens[row, position + 1] == target[row, position]
    asked = tokens[:, first_query::2]
    assert all(len(set(row)) == n_queries for row in asked.tolist())


def test_recall_length_stretches_the_gap_and_hidden_answers_leave_the_targets():
    vocab_size, n_pairs, n_queries, lag, length = 20, 3, 2, 2, 30
    knobs = {"vocab_size": vocab_size, "n_pairs": n_pairs, "n_queries": n_queries, "lag": lag, "length": length}
    shown = made(RecallData, **knobs).splits["test"]
    hidden = made(RecallData, **knobs, show_answers=False).splits["test"]
    first_query = length - (2 * n_queries - 1)
    for test in (shown, hidden):
        assert test["input"].shape == (SIZES["n_test"], length)
        assert (test["input"][:, 2 * n_pairs:first_query] == FILLER).all()  # 21 fillers, at least the lag
        assert {position for _, position in (test["target"] != IGNORE).nonzero().tolist()} == \
            set(range(first_query, length, 2))
    assert torch.equal(shown["target"], hidden["target"])
    answers = shown["target"][:, first_query:-1:2]
    assert torch.equal(shown["input"][:, first_query + 1::2], answers)
    assert (hidden["input"][:, first_query + 1::2] == FILLER).all()
    assert torch.equal(hidden["input"][:, :first_query + 1], shown["input"][:, :first_query + 1])


def test_recall_draws_distinct_keys_from_a_large_vocabulary_in_chunks(monkeypatch):
    import zoo.data.recall

    knobs = {"vocab_size": 8192, "n_pairs": 64, "n_queries": 64, "n_test": 300}
    tokens = made(RecallData, **knobs).splits["test"]["input"]
    keys, values = tokens[:, 0:128:2], tokens[:, 1:128:2]
    assert ((1 <= keys) & (keys < 4096)).all() and ((4096 <= values) & (values < 8192)).all()
    assert all(len(set(row)) == 64 for row in keys.tolist())
    monkeypatch.setattr(zoo.data.recall, "KEY_DRAW_CHUNK", 4095 * 7)  # 7 rows at a time: the same numbers
    assert torch.equal(made(RecallData, **knobs).splits["test"]["input"], tokens)


def test_adding_layout():
    length = 9
    data = made(AddingData, length=length)
    test = data.splits["test"]
    numbers, markers = test["input"].unbind(-1)
    assert test["input"].shape == (SIZES["n_test"], length, 2) and test["target"].shape == (SIZES["n_test"], length, 1)
    assert ((0 <= numbers) & (numbers < 1)).all()
    half = length // 2
    assert (markers[:, :half].sum(1) == 1).all() and (markers[:, half:].sum(1) == 1).all()
    assert (test["mask"][:, -1]).all() and test["mask"].sum() == SIZES["n_test"]
    assert torch.allclose(test["target"][:, -1, 0], (numbers * markers).sum(1))
    # the first marked number must be carried from the first half to the last step
    first = markers[:, :half].argmax(1)
    assert (length - 1 - first >= length - half).all()
    assert data.task_arguments() == {"n_features": 2, "n_targets": 1, "scale": 1.0}


PROBES = [
    (CopyData, {"n_symbols": 4, "length": 3, "lag": 5}),
    (AddingData, {"length": 12}),
    (RecallData, {"vocab_size": 16, "n_pairs": 4, "n_queries": 2, "lag": 3}),
]


@pytest.mark.parametrize("cls,knobs", PROBES)
def test_the_seed_alone_fixes_the_data(cls, knobs):
    data = made(cls, seed=3, **knobs)
    again = made(cls, seed=3, **knobs)
    other = made(cls, seed=4, **knobs)
    for split, examples in data.splits.items():
        for name, tensor in examples.items():
            assert torch.equal(tensor, again.splits[split][name])
    assert not torch.equal(data.splits["test"]["input"], other.splits["test"]["input"])
    train, val = data.splits["train"]["input"], data.splits["val"]["input"]
    assert not torch.equal(train[:len(val)], val)
    assert not torch.equal(val, data.splits["test"]["input"][:len(val)])
    # more training examples leave validation and test as they were
    larger = made(cls, seed=3, **{**knobs, "n_train": 2 * SIZES["n_train"]})
    assert torch.equal(larger.splits["test"]["input"], data.splits["test"]["input"])


@pytest.mark.parametrize("cls,knobs", PROBES)
def test_the_runs_seed_orders_the_batches_but_never_changes_the_data(cls, knobs):
    def first_batch(run_seed):
        torch.manual_seed(run_seed)
        data = made(cls, **knobs)
        return data, next(iter(data.train_dataloader()))

    data, batch = first_batch(1)
    _, same_batch = first_batch(1)
    other, other_batch = first_batch(2)
    assert torch.equal(batch["input"], same_batch["input"])
    assert not torch.equal(batch["input"], other_batch["input"])
    assert torch.equal(data.splits["train"]["input"], other.splits["train"]["input"])
    assert set(batch) == set(data.splits["train"]) and len(batch["input"]) == SIZES["batch_size"]
    in_order = torch.cat([test_batch["input"] for test_batch in data.test_dataloader()])
    assert torch.equal(in_order, data.splits["test"]["input"])


def memoryless(answers: torch.Tensor, n_answers: int) -> dict[str, float]:
    """The best a model that remembers nothing does on these answers: always the answers' own frequencies."""
    frequencies = torch.bincount(answers, minlength=n_answers).double() / len(answers)
    loss = -frequencies[answers].log().mean().item()
    return {"loss": loss, "bpc": loss / math.log(2), "accuracy": frequencies.max().item()}


def test_copy_baseline_is_what_no_memory_achieves():
    data = made(CopyData, n_symbols=6, length=5, lag=2)
    target = data.splits["test"]["target"]
    direct = memoryless(target[target != IGNORE], 6)
    assert data.baselines() == pytest.approx(direct, abs=0.01)
    assert data.baselines()["loss"] == pytest.approx(math.log(6))


def test_recall_baseline_is_chance_among_the_values():
    data = made(RecallData, vocab_size=20, n_pairs=6, n_queries=4)
    target = data.splits["test"]["target"]
    direct = memoryless(target[target != IGNORE] - 10, 10)
    assert data.baselines() == pytest.approx(direct, abs=0.01)
    assert data.baselines()["accuracy"] == pytest.approx(1 / 10)


def test_adding_baseline_is_always_the_mean():
    data = made(AddingData, length=10)
    numbers, markers = data.splits["test"]["input"].unbind(-1)
    sums = (numbers * markers).sum(1)
    mse = ((sums - sums.mean()) ** 2).mean().item()
    assert data.baselines() == pytest.approx({"mse": mse, "rmse": math.sqrt(mse)})
    assert mse == pytest.approx(1 / 6, abs=0.02)  # the variance of the sum of two uniform numbers


@pytest.mark.parametrize("cls,knobs,key", [
    (CopyData, {"lag": -1}, "data.lag"),
    (CopyData, {"length": 0}, "data.length"),
    (CopyData, {"n_symbols": 1}, "data.n_symbols"),
    (AddingData, {"length": 1}, "data.length"),
    (RecallData, {"lag": -2}, "data.lag"),
    (RecallData, {"n_pairs": 4, "n_queries": 4, "lag": 2, "length": 16}, "data.length"),
    (RecallData, {"n_pairs": 4, "n_queries": 5}, "data.n_queries"),
    (RecallData, {"n_pairs": 4, "n_queries": 0}, "data.n_queries"),
    (RecallData, {"vocab_size": 9, "n_pairs": 4, "n_queries": 4}, "data.vocab_size"),
    (RecallData, {"n_pairs": 0}, "data.n_pairs"),
    (CopyData, {"n_train": 0}, "data.n_train"),
    (AddingData, {"batch_size": 0}, "data.batch_size"),
])
def test_bad_knobs_are_refused_in_one_line(cls, knobs, key):
    with pytest.raises(ZooError) as error:
        cls(**knobs)
    assert key in str(error.value) and "\n" not in str(error.value)


def test_recall_needs_no_more_than_distinct_keys():
    RecallData(vocab_size=10, n_pairs=4, n_queries=4)  # keys 1..4: exactly enough


@pytest.mark.filterwarnings("ignore:.*self.log.*")  # the task logs; outside a Trainer nothing listens
@pytest.mark.parametrize("cls,task_class,knobs,metric,ratio", [
    (CopyData, LanguageModelTask, {"n_symbols": 4, "length": 3, "lag": 2}, "loss", 0.1),
    (RecallData, LanguageModelTask, {"vocab_size": 16, "n_pairs": 3, "n_queries": 3}, "loss", 0.6),
    (AddingData, ForecastingTask, {"length": 10}, "mse", 0.3),
])
def test_a_small_lstm_learns_each_probe_well_past_its_baseline(cls, task_class, knobs, metric, ratio):
    torch.manual_seed(0)
    data = cls(**knobs, n_train=2000, n_val=1, n_test=500, batch_size=32)
    data.setup()
    model = {"_target_": "zoo.models.lstm.LSTM", "d_model": 32, "n_layers": 1, "n_heads": 2, "dropout": 0.0}
    task = task_class(model=model, optim={}, **data.task_arguments())
    optimizer = torch.optim.AdamW(task.parameters(), lr=1e-2)
    def epochs():  # as Lightning runs them: a new order each epoch
        for epoch in itertools.count():
            loader = data.train_dataloader()
            loader.batch_sampler.set_epoch(epoch)
            yield from loader

    for step, batch in enumerate(itertools.islice(epochs(), 400)):
        loss = task.training_step(batch, step)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        achieved = task.training_step(data.splits["test"], 0).item()  # the task's own loss, on the test split
    baseline = data.baselines()[metric]
    assert achieved < ratio * baseline, f"{cls.__name__}: {metric} {achieved:.3f} against baseline {baseline:.3f}"
