"""zoo.compare along a model setting rather than a data setting (recall's accuracy against model.d_model): a table and
a panel per data set, a line per model, the learning rate still chosen by validation at each width."""
import json

import matplotlib.image
import numpy

from tests.test_compare import board_rows

WIDTHS = (64, 128, 256)
SHAPES = ((64, 4), (128, 8))  # (data.length, data.n_pairs), taken in step as experiment=recall_width takes them


def made_up_accuracy(model: str, width: int, length: int, lr: float) -> float:
    """A made-up result: the Transformer solves every shape; the GRU needs width, the more the longer; the slower
    rate scores lower on validation and on test alike."""
    solved = 0.99 if model == "transformer" else min(0.99, width / (2 * length))
    return solved if lr == 1e-2 else solved / 2


def written(root, model, width, length, n_pairs, lr):
    path = root / f"{model}-{width}-{length}-{lr}"
    path.mkdir()
    accuracy = made_up_accuracy(model, width, length, lr)
    path.joinpath("summary.json").write_text(json.dumps({
        "status": "completed", "error": None,
        "config": {"data": {"_target_": "zoo.data.recall.RecallData", "length": length, "n_pairs": n_pairs},
                   "model": {"d_model": width, "n_layers": 2}, "optim": {"lr": lr}, "seed": 0,
                   "trainer": {"default_root_dir": str(path)}},
        "options": {"data": "recall", "model": model},
        "objective": {"name": "val/accuracy", "mode": "max"},
        "metrics": {"val/accuracy": accuracy, "best/val/accuracy": accuracy, "test/accuracy": accuracy,
                    "baseline/accuracy": 1 / 128},
        "parameters": 1000 * width, "wall_seconds": 1.0, "tokens_per_second": 100.0,
    }))


def sweep(root):
    for length, n_pairs in SHAPES:
        for model in ("transformer", "gru"):
            for width in WIDTHS:
                for lr in (1e-3, 1e-2):
                    written(root, model, width, length, n_pairs, lr)


def test_each_data_set_gets_a_table_of_its_metric_against_width(tmp_path):
    from zoo.compare.command import compare

    sweep(tmp_path)
    text = compare(tmp_path)
    for length, n_pairs in SHAPES:
        title = f"## recall data.length={length} data.n_pairs={n_pairs}: test/accuracy against model.d_model\n"
        table = board_rows(text.split(title)[1].split("\n## ")[0])
        assert table[0] == ["model", "64", "128", "256"]
        rows = {row[0]: row[1:] for row in table[1:]}
        assert set(rows) == {"transformer", "gru", "*baseline*"}  # a line per model, not per width
        for model in ("transformer", "gru"):
            assert rows[model] == [f"{made_up_accuracy(model, width, length, 1e-2):.4g} (lr=0.01)" for width in WIDTHS]
        assert rows["*baseline*"] == [f"{1 / 128:.4g}"] * 3
    assert "against data." not in text  # two data settings differ: no ladder along either


def test_the_panels_are_drawn_with_the_note_under_them(tmp_path):
    from zoo.compare.command import compare

    sweep(tmp_path)
    compare(tmp_path)
    plain = matplotlib.image.imread(tmp_path / "accuracy_vs_d_model.png")
    assert plain.shape[1] > 1200 and plain.std() > 0  # two panels side by side
    compare(tmp_path, note="The paper reports, not measured here: attention solves every panel.")
    noted = matplotlib.image.imread(tmp_path / "accuracy_vs_d_model.png")
    assert noted.shape == plain.shape and not numpy.array_equal(noted, plain)


def test_a_model_setting_without_a_number_draws_no_ladder(tmp_path):
    from zoo.compare.command import compare

    for act in ("tanh", "relu"):
        written(tmp_path, "rnn", 64, 64, 4, 1e-2)
        path = tmp_path / act
        (tmp_path / "rnn-64-64-0.01").rename(path)
        summary = json.loads((path / "summary.json").read_text())
        summary["config"]["model"]["act"] = act
        (path / "summary.json").write_text(json.dumps(summary))
    text = compare(tmp_path)
    assert "model.act=relu" in text and " against " not in text
