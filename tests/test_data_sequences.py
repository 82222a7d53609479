"""A user's own labelled sequences: wide and long CSV / TSV and .ts files read back exactly, the split, the 1-NN
references (DTW against a brute-force recursion), bad files refused in one line naming the file and line, and
runs end to end on each format."""
import functools
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.test_cli import zoo
from zoo.data import nearest_neighbour
from zoo.data.nearest_neighbour import dtw_distances, nearest_neighbour_error, padded, resampled
from zoo.data.sequence_files import read_recordings
from zoo.data.sequences import SequencesData
from zoo.data.ucr import DTW_1NN_ERROR, read_split
from zoo.errors import ZooError
from zoo.run.job import run


def written(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


def recordings_of_three_classes(channels: int, per_class: int = 4) -> tuple[list[np.ndarray], list[str]]:
    """Noisy sines, ramps and square waves of 6 to 11 steps, values of three decimals (written and read exactly)."""
    rng = np.random.default_rng(0)
    shapes = {"Sine": lambda t: np.sin(t), "Ramp": lambda t: t / 4, "Square": lambda t: np.sign(np.sin(t))}
    sequences, labels = [], []
    for case in range(per_class):
        for label, shape in shapes.items():
            steps = np.arange(6 + (case * 2 + len(label)) % 6)
            values = shape(steps[:, None] + np.arange(channels)) + rng.normal(0, 0.1, (len(steps), channels))
            sequences.append(np.round(values, 3))
            labels.append(label)
    return sequences, labels


def wide_text(sequences: list[np.ndarray], labels: list[str], delimiter: str = ",") -> str:
    """The label in the second column of three; shorter rows padded with empty cells, or cut short (the last)."""
    longest = max(map(len, sequences))
    lines = [delimiter.join(["t0", "class"] + [f"t{step}" for step in range(1, longest)])]
    for row, (sequence, label) in enumerate(zip(sequences, labels)):
        cells = [repr(float(value)) for value in sequence[:, 0]]
        cells = cells[:1] + [label] + cells[1:] + [""] * (longest - len(sequence))
        lines.append(delimiter.join(cells).rstrip(delimiter) if row == len(sequences) - 1 else delimiter.join(cells))
    return "\n".join(lines) + "\n"


def long_text(sequences: list[np.ndarray], labels: list[str], seed: int = 1) -> str:
    """One row per step, rows of all recordings shuffled together, a text column that is not a channel."""
    rows = [f"{label},{step * 10},note,r{case}," + ",".join(repr(float(value)) for value in sequence[step])
            for case, (sequence, label) in enumerate(zip(sequences, labels)) for step in range(len(sequence))]
    order = np.random.default_rng(seed).permutation(len(rows))
    channels = ",".join(f"c{channel}" for channel in range(sequences[0].shape[1]))
    return f"class,time,comment,id,{channels}\n" + "\n".join(rows[i] for i in order) + "\n"


def ts_text(sequences: list[np.ndarray], labels: list[str]) -> str:
    cases = [":".join(",".join(repr(float(value)) for value in channel) for channel in sequence.T) + f":{label}"
             for sequence, label in zip(sequences, labels)]
    return ("# written by hand\n@problemName tiny\n@timeStamps false\n@missing false\n@univariate false\n"
            f"@dimensions {sequences[0].shape[1]}\n@equalLength false\n"
            f"@classLabel true {' '.join(sorted(set(labels)))}\n@data\n" + "\n".join(cases) + "\n")


def set_up(**knobs) -> SequencesData:
    torch.manual_seed(0)
    data = SequencesData(**knobs)
    data.setup()
    return data


def same_arrays(read: list[np.ndarray], expected: list[np.ndarray]) -> bool:
    return len(read) == len(expected) and all(np.array_equal(a, b) for a, b in zip(read, expected))


@pytest.mark.parametrize("name,delimiter,format", [
    ("cases.csv", ",", "auto"), ("cases.tsv", "\t", "auto"), ("cases.txt", ";", "auto"), ("cases.dat", "\t", "tsv"),
])
def test_a_wide_file_reads_back_the_values_written(tmp_path, name, delimiter, format):
    sequences, labels = recordings_of_three_classes(channels=1)
    path = written(tmp_path, name, wide_text(sequences, labels, delimiter))
    recordings = read_recordings(path, format, "class")
    assert same_arrays(recordings.sequences, sequences)
    assert recordings.labels == labels
    assert recordings.lines == list(range(2, len(sequences) + 2))


def test_a_long_file_groups_rows_by_id_orders_them_by_time_and_keeps_every_channel(tmp_path):
    sequences, labels = recordings_of_three_classes(channels=3)
    path = written(tmp_path, "steps.csv", long_text(sequences, labels))
    recordings = read_recordings(path, "auto", "class", id_column="id", time_column="time",
                                 channels=["c0", "c1", "c2"])
    first_rows = {}
    for line, row in enumerate(Path(path).read_text().splitlines()[1:], start=2):
        first_rows.setdefault(row.split(",")[3], line)
    order = sorted(range(len(sequences)), key=lambda case: first_rows[f"r{case}"])  # ids by their first row
    assert same_arrays(recordings.sequences, [sequences[case] for case in order])
    assert recordings.labels == [labels[case] for case in order]
    assert recordings.lines == sorted(first_rows.values())
    picked = read_recordings(path, "auto", "class", id_column="id", time_column="time", channels=["c2", "c0"])
    assert same_arrays(picked.sequences, [sequences[case][:, [2, 0]] for case in order])


def test_a_long_file_without_a_time_column_keeps_the_file_order(tmp_path):
    path = written(tmp_path, "steps.csv", "id,label,x,y\nb,up,5,50\na,down,1,10\nb,up,4,40\na,down,2,20\n"
                                          "a,down,3,30\nb,up,6,60\n")
    recordings = read_recordings(path, "auto", "label", id_column="id")
    assert same_arrays(recordings.sequences, [np.array([[5, 50], [4, 40], [6, 60]]),
                                              np.array([[1, 10], [2, 20], [3, 30]])])
    assert recordings.labels == ["up", "down"] and recordings.lines == [2, 3]


def test_a_ts_file_reads_back_its_channels_and_labels_as_written(tmp_path):
    sequences, labels = recordings_of_three_classes(channels=2)
    path = written(tmp_path, "tiny.ts", ts_text(sequences, labels))
    recordings = read_recordings(path, "auto", None)
    assert same_arrays(recordings.sequences, sequences)
    assert recordings.labels == labels  # "Sine", not the "sine" of sktime's reader
    assert recordings.lines == list(range(10, len(sequences) + 10))
    assert same_arrays(read_recordings(written(tmp_path, "tiny.txt", ts_text(sequences, labels)), "ts",
                                       None).sequences, sequences)


def test_the_split_holds_every_class_and_normalises_with_training_statistics(tmp_path):
    sequences, labels = recordings_of_three_classes(channels=2, per_class=10)
    data = set_up(path=written(tmp_path, "tiny.ts", ts_text(sequences, labels)), val_fraction=0.2, test_fraction=0.3)
    assert data.classes == ["Ramp", "Sine", "Square"]
    assert {split: len(part) for split, part in data.splits.items()} == {"train": 15, "val": 6, "test": 9}
    for part in data.splits.values():
        assert sorted(torch.bincount(part.labels).tolist()) == [len(part) // 3] * 3
    steps = torch.cat(data.splits["train"].sequences)
    assert torch.allclose(steps.mean(0), torch.zeros(2), atol=1e-5)
    assert torch.allclose(steps.std(0, unbiased=False), torch.ones(2), atol=1e-5)
    assert data.described() == {"classes": ["Ramp", "Sine", "Square"]}


def test_a_test_file_is_the_test_split_validation_comes_from_the_first_and_channels_agree(tmp_path):
    sequences, labels = recordings_of_three_classes(channels=1, per_class=10)
    path = written(tmp_path, "train.csv", wide_text(sequences[:24], labels[:24]))
    test_path = written(tmp_path, "test.csv", wide_text(sequences[24:], labels[24:]))
    data = set_up(path=path, test_path=test_path, label_column="class", val_fraction=0.25)
    assert {split: len(part) for split, part in data.splits.items()} == {"train": 18, "val": 6, "test": 6}
    assert [data.classes[label] for label in data.splits["test"].labels] == labels[24:]
    assert data.splits["test"].lengths() == [len(sequence) for sequence in sequences[24:]]

    other_channels = written(tmp_path, "test.ts", ts_text(*recordings_of_three_classes(channels=2)))
    refusal = f"{other_channels}: recordings of 2 channels, but those of {path} have 1"
    with pytest.raises(ZooError, match=f"^{re.escape(refusal)}$"):
        set_up(path=path, test_path=other_channels, label_column="class")


def brute_force_dtw(query: np.ndarray, reference: np.ndarray) -> float:
    """The textbook recursion: D(i, j) = cost(i, j) + min(D(i-1, j), D(i, j-1), D(i-1, j-1)), D(0, 0) = cost."""
    @functools.cache
    def distance(i: int, j: int) -> float:
        cost = float(((query[i] - reference[j]) ** 2).sum())
        if i == 0 and j == 0:
            return cost
        before = [distance(i - 1, j) if i else np.inf, distance(i, j - 1) if j else np.inf,
                  distance(i - 1, j - 1) if i and j else np.inf]
        return cost + min(before)
    return distance(len(query) - 1, len(reference) - 1)


@pytest.mark.parametrize("query_length", [1, 2, 7, 12])
def test_dtw_agrees_with_the_brute_force_recursion(query_length):
    rng = np.random.default_rng(query_length)
    references = [rng.normal(size=(length, 3)) for length in (1, 2, 5, 7, 12, 16)]
    query = rng.normal(size=(query_length, 3))
    stacked, lengths = padded(references)
    expected = [brute_force_dtw(query, reference) for reference in references]
    assert dtw_distances(query, stacked, lengths) == pytest.approx(expected, rel=1e-12)


def test_dtw_warps_a_shifted_pattern_onto_itself():
    bump = np.array([0, 0, 1, 3, 1, 0, 0, 0, 0, 0], dtype=float)[:, None]
    stacked, lengths = padded([bump, np.roll(bump, 4), np.zeros((10, 1))])
    distances = dtw_distances(np.roll(bump, 4), stacked, lengths)
    assert distances[0] == distances[1] == 0 and distances[2] == 11


def test_one_nearest_neighbour_finds_the_known_answer(monkeypatch):
    bump = np.array([0, 0, 1, 3, 1, 0, 0, 0, 0, 0], dtype=float)[:, None]
    train, train_labels = [bump, np.zeros((10, 1)), np.full((7, 1), 5.0)], np.array([0, 1, 2])
    # a late bump is the early one warped (DTW) but nearer the flat line, point by point (Euclidean)
    test, test_labels = [np.roll(bump, 4), np.full((10, 1), 0.1), np.full((12, 1), 4.0)], np.array([0, 1, 2])
    assert nearest_neighbour_error(train, train_labels, test, test_labels) == {"test/nn1_dtw_error": 0.0}
    monkeypatch.setattr(nearest_neighbour, "DTW_BUDGET", 0)
    assert nearest_neighbour_error(train, train_labels, test, test_labels) == {
        "test/nn1_euclidean_error": pytest.approx(1 / 3)}


def test_one_nearest_neighbour_dtw_gives_the_published_error_of_basic_motions():
    """Dependent DTW on the archive's own split, six channels: Bagnall et al. (2018) report accuracy 0.975."""
    train, train_labels = read_split("BasicMotions", "train")
    test, test_labels = read_split("BasicMotions", "test")
    error = nearest_neighbour_error([sequence.astype(float) for sequence in train], train_labels,
                                    [sequence.astype(float) for sequence in test], test_labels)
    assert error == {"test/nn1_dtw_error": pytest.approx(DTW_1NN_ERROR["BasicMotions"])}


def test_resampling_keeps_a_sequence_of_that_length_and_stretches_a_ramp_evenly():
    ramp = np.array([[0.0, 10.0], [1.0, 20.0], [2.0, 30.0]])
    assert np.array_equal(resampled(ramp, 3), ramp)
    assert np.allclose(resampled(ramp, 5), [[0, 10], [0.5, 15], [1, 20], [1.5, 25], [2, 30]])


HEADER = "label,a,b,c\n"
BAD_FILES = {
    "missing label": ("cases.csv", HEADER + "x,1,2,3\n,1,2,3\nx,4,5,6\n", {}, 3, "column 'label' is empty"),
    "no such label column": ("cases.csv", HEADER + "x,1,2,3\n", {"label_column": "class"}, 1,
                             "no column 'class' (data.label_column); the columns are 'label', 'a', 'b', 'c'"),
    "text for a number": ("cases.csv", HEADER + "x,1,2,3\nx,1,two,3\n", {}, 3, "column 'b' holds 'two'"),
    "infinity": ("cases.tsv", HEADER.replace(",", "\t") + "x\t1\t2\t3\ny\t1\t2\tinf\n", {}, 3,
                 "column 'c' holds 'inf', not a finite number"),
    "nan": ("cases.csv", HEADER + "x,1,2,3\nx,nan,2,3\n", {}, 3, "column 'a' holds 'nan'"),
    "a value after a gap": ("cases.csv", HEADER + "x,1,2,3\nx,1,,3\n", {}, 3, "column 'c' holds '3' after an empty"),
    "one step": ("cases.csv", HEADER + "x,1,2,3\ny,1,2\nx,4,5,6\ny,7,,\n", {}, 5, "a recording of one step"),
    "too many cells": ("cases.csv", HEADER + "x,1,2,3,4\n", {}, 2, "5 cells, but the header names 4 columns"),
    "a class of one": ("cases.csv", HEADER + "x,1,2,3\nx,1,2,3\nlonely,1,2,3\ny,1,2,3\ny,1,2,3\n", {}, 4,
                       "the only recording of class 'lonely'"),
    "an id whose label changes": ("steps.csv", "id,label,v\na,x,1\na,x,2\nb,y,3\na,y,4\n", {"id_column": "id"}, 5,
                                  "id 'a' is labelled 'y' here but 'x' on line 2"),
    "a missing id": ("steps.csv", "id,label,v\na,x,1\n,x,2\n", {"id_column": "id"}, 3, "column 'id' is empty"),
    "an empty channel cell": ("steps.csv", "id,label,v,w\na,x,1,1\na,x,2,\n", {"id_column": "id"}, 3,
                              "column 'w' is empty"),
    "a time twice": ("steps.csv", "id,label,t,v\na,x,0,1\na,x,1,2\na,x,0,3\n",
                     {"id_column": "id", "time_column": "t"}, 4, "id 'a' has t 0 again (first on line 2)"),
    "no such channel": ("steps.csv", "id,label,v\na,x,1\n", {"id_column": "id", "channels": ["v", "w"]}, 1,
                        "no column 'w' (data.channels)"),
    "a single class": ("cases.csv", HEADER + "x,1,2,3\nx,4,5,6\n", {}, None, "every recording is of class 'x'"),
    "too few to split": ("cases.csv", HEADER + "x,1,2,3\nx,1,2,3\ny,1,2,3\ny,1,2,3\n", {}, None,
                         "a split came out empty"),
    "empty file": ("cases.csv", "", {}, None, "empty file"),
    "only a header": ("cases.csv", HEADER, {}, None, "a header row and no recordings"),
    "ts: text for a number": ("tiny.ts", "@data\n1,2,3:a\n1,zwei,3:b\n", {}, 11, "could not convert string"),
    "ts: missing value": ("tiny.ts", "@data\n1,2,3:a\n1,?,3:b\n", {}, 11, "missing ('?')"),
    "ts: one step": ("tiny.ts", "@data\n1,2,3:a\n1:b\n", {}, 11, "a recording of one step"),
    "ts: no label": ("tiny.ts", "@data\n1,2,3:a\n1,2:\n", {}, 11, "no class after the last ':'"),
    "ts: another channel count": ("tiny.ts", "@data\n1,2,3:a\n1,2:3,4:b\n", {}, 11, "number of dimensions"),
    "ts: channels of two lengths": ("tiny.ts", "@data\n1,2,3:4,5,6:a\n1,2:3:b\n", {}, 11, "channels of 2, 1 steps"),
    "ts: empty file": ("tiny.ts", "\n\n", {}, None, "empty file"),
}
TS_HEADER = "@problemName bad\n@timeStamps false\n@missing true\n@univariate true\n@equalLength false\n" \
            "@classLabel true a b\n\n# the cases\n"  # 8 lines: the first case is on line 10


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_in_one_line_naming_the_file_and_line(tmp_path, case):
    name, text, knobs, line, expected = BAD_FILES[case]
    if name.endswith(".ts") and text.strip():
        text = TS_HEADER + text
    path = written(tmp_path, name, text)
    with pytest.raises(ZooError) as refused:
        set_up(path=path, **{"label_column": "label", **knobs})
    message = str(refused.value)
    assert len(message.splitlines()) == 1
    assert message.startswith(f"{path}:{line}: " if line else f"{path}: "), message
    assert expected in message


def test_the_command_line_says_what_is_wrong_in_one_line_and_fails(tmp_path):
    path = written(tmp_path, "cases.csv", HEADER + "x,1,2,3\nx,1,two,3\n")
    result = zoo("model=gru", "data=sequences", f"data.path={path}", "data.label_column=label", "logger=none",
                 f"hydra.run.dir={tmp_path / 'run'}")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert errors == [f"Error: {path}:3: column 'b' holds 'two', not a finite number (up to ±3.4e+38, what float32 "
                      f"holds)"]
    assert "Traceback" not in result.stderr


def sequence_files(folder: Path) -> dict[str, list[str]]:
    """The same kind of data in each format, and the overrides that read it."""
    univariate, univariate_labels = recordings_of_three_classes(channels=1)
    multichannel, labels = recordings_of_three_classes(channels=3)
    return {
        "wide": [f"data.path={written(folder, 'cases.csv', wide_text(univariate, univariate_labels))}",
                 "data.label_column=class"],
        "long": [f"data.path={written(folder, 'steps.csv', long_text(multichannel, labels))}",
                 "data.label_column=class", "data.id_column=id", "data.time_column=time", "data.channels=[c0,c1,c2]"],
        "ts": [f"data.path={written(folder, 'cases.ts', ts_text(multichannel, labels))}"],
    }


@pytest.mark.parametrize("format", ["wide", "long", "ts"])
def test_each_format_trains_and_its_summary_holds_the_error_beside_the_references(format, compose_in, tmp_path):
    overrides = sequence_files(tmp_path)[format]
    cfg = compose_in("model=gru", "data=sequences", *overrides, "debug=default", "logger=none",
                     "++trainer.fast_dev_run=true", "data.val_fraction=0.25", "data.test_fraction=0.25")
    run(cfg)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["data"] == {"classes": ["Ramp", "Sine", "Square"]}
    metrics = summary["metrics"]
    assert 0 <= metrics["test/error"] <= 1
    assert metrics["baseline/test/majority_class_error"] == pytest.approx(2 / 3)  # one test recording of each class
    assert metrics["baseline/test/nn1_dtw_error"] in (0, pytest.approx(1 / 3), pytest.approx(2 / 3), 1)
    assert "baseline/test/nn1_euclidean_error" not in metrics

