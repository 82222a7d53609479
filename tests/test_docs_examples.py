"""The examples of docs/data.md run as written: their snippets write a user's files from data the dependencies
bundle (sktime's archive sets, statsmodels' macro data), and every `python -m zoo` command reading such a file trains
on it (fast_dev_run) and reports its test figures beside the references of the same run."""
import json
import re
import shlex
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.test_docs import blocks_and_spans
from zoo.run.job import run

PAGE = ROOT / "docs" / "data.md"
TEXT = PAGE.read_text()
SNIPPETS = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)
ONE_LINERS = [code for _, code in blocks_and_spans(TEXT) if code.startswith("python -c ")]
# the commands that read a file a snippet writes (the others name the user's own, which no test has)
WRITTEN = ("macro.csv", "basic_motions_long.csv", "basic_motions/basic_motions.ts", "gunpoint_train.csv")
COMMANDS = [code.split("python -m zoo ", 1)[1] for _, code in blocks_and_spans(TEXT)
            if code.startswith("python -m zoo ") and any(f"data.path={name}" in code for name in WRITTEN)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The directory in which the page's snippets wrote their files."""
    home = tmp_path_factory.mktemp("user")
    for snippet in SNIPPETS:
        subprocess.run([sys.executable, "-c", snippet], cwd=home, check=True, capture_output=True, text=True)
    for line in ONE_LINERS:
        subprocess.run(shlex.split(line), cwd=home, check=True, capture_output=True, text=True)
    return home


def test_the_page_holds_an_example_of_each_kind():
    assert len(COMMANDS) >= 4, COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_each_example_trains_beside_its_references(command, files, compose_in, tmp_path, monkeypatch):
    monkeypatch.chdir(files)  # the commands name their files as the snippets wrote them, in the working directory
    run(compose_in(*shlex.split(command, comments=True), "logger=none", "++trainer.fast_dev_run=true"))
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "completed"
    metrics = summary["metrics"]
    assert [name for name in metrics if name.startswith("test/")], metrics
    assert len([name for name in metrics if name.startswith("baseline/test/")]) >= 2, metrics
