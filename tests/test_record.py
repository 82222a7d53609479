"""summary.json is written and read through one typed record, zoo.run.record.Summary."""
import json
from dataclasses import asdict

import pytest

from zoo.run.record import VERSION, MalformedSummary, Summary, finished_objective, read_summary, write_summary

CONFIG = {"data": {"_target_": "zoo.data.copy.CopyData"}, "model": {"_target_": "zoo.models.gru.GRU"}}


def test_a_summary_reads_back_as_it_was_written(tmp_path):
    written = Summary(config=CONFIG, status="completed", model="GRU", metrics={"val/loss": 1.5, "test/loss": 2.0},
                      objective={"name": "val/loss", "mode": "min"}, returned=1.5, config_digest="abc",
                      parameters=1000, steps=4, validation=[{"epoch": 0, "val/loss": 1.5}])
    path = write_summary(tmp_path, written)
    assert json.loads(path.read_text())["version"] == VERSION
    assert read_summary(path) == (written, [])
    assert finished_objective(tmp_path, "abc") == (True, 1.5)
    assert finished_objective(tmp_path, "another config") == (False, None)


def test_a_non_finite_metric_is_written_as_null(tmp_path):
    path = write_summary(tmp_path, Summary(config=CONFIG, status="failed", metrics={"val/loss": float("nan")}))
    assert json.loads(path.read_text())["metrics"] == {"val/loss": None}


def test_a_field_of_the_wrong_type_is_ignored_and_named(tmp_path):
    record = {**asdict(Summary(config=CONFIG, status="completed")), "parameters": "many", "wall_seconds": True,
              "metrics": [1, 2], "steps": 3}
    del record["version"]  # written before summaries had one
    (tmp_path / "summary.json").write_text(json.dumps(record))
    summary, ignored = read_summary(tmp_path / "summary.json")
    assert ignored == ["metrics", "parameters", "wall_seconds"]
    assert (summary.parameters, summary.wall_seconds, summary.metrics, summary.steps) == (None, None, {}, 3)


@pytest.mark.parametrize("text,problem", [
    ('{"status": "compl', "not readable JSON"),
    ('{"config": {}}', "no status"),
    ('{"status": "completed", "config": {"data": {}}}', "no data and model in its config"),
    (json.dumps({"status": "completed", "config": CONFIG, "version": VERSION + 1}), "newer than this zoo reads"),
])
def test_what_is_no_summary_of_this_zoo_is_refused_saying_why(tmp_path, text, problem):
    (tmp_path / "summary.json").write_text(text)
    with pytest.raises(MalformedSummary, match=problem):
        read_summary(tmp_path / "summary.json")
    assert finished_objective(tmp_path, "abc") == (False, None)
