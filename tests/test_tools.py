"""The command-line tools beside `python -m zoo` share one convention: argparse's `--flag value`, `--help`, and the
exit codes 0 done, 1 failed (one line, `Error: ...`), 2 bad usage; each is a console script, and `python -m zoo
--help` lists them all."""
import importlib
import os
import subprocess
import sys
import tomllib

import pytest

from tests.conftest import ROOT
from zoo.cli.help import TOOLS

MODULES = [module for module, *_ in TOOLS]


def tool(module: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HYDRA_FULL_ERROR": "0"}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("module", MODULES)
def test_each_tool_answers_help_and_refuses_an_unknown_flag_as_bad_usage(module):
    helped = tool(module, "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: "), helped.stderr[-2000:]
    refused = tool(module, "--no-such-flag")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines()[-1].startswith(f"python -m {module}: error: ")


@pytest.mark.parametrize("module,args", [
    ("zoo.compare", []), ("zoo.compare.replay", []), ("zoo.cli.sample", ["--prompt", "a"]),
    ("zoo.cli.score_translation", []),
])
def test_a_directory_that_holds_no_run_is_a_failure_in_one_line(module, args, tmp_path):
    result = tool(module, str(tmp_path), *args)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), \
        result.stderr[-2000:]


def test_every_tool_is_a_console_script_and_listed_by_zoos_help():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    helped = subprocess.run([sys.executable, "-m", "zoo", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60).stdout
    for module, script, *_ in TOOLS:
        target, _, function = scripts[script].partition(":")
        assert target in (module, f"{module}.command", f"{module}.__main__"), script
        main = getattr(importlib.import_module(target), function)
        assert main.__wrapped__  # zoo.errors.command_line_tool: argv from the command line, failures exit with 1
        assert f"python -m {module} " in helped and f"({script})" in helped


@pytest.mark.parametrize("flag,bound", [("--beam-size", 1), ("--no-repeat-ngram", 0)])
def test_score_translation_refuses_a_size_out_of_range_before_reading_the_run(flag, bound, tmp_path):
    result = tool("zoo.cli.score_translation", str(tmp_path), flag, "-1")
    assert result.returncode == 2 and f"{flag} must be >= {bound}, got -1" in result.stderr.strip().splitlines()[-1]


def test_score_translation_refuses_one_checkpoint_for_an_ensemble_before_reading_the_runs(tmp_path):
    result = tool("zoo.cli.score_translation", str(tmp_path), str(tmp_path), "--checkpoint", str(tmp_path / "a.ckpt"))
    assert result.returncode == 2
    assert "--checkpoint names one run's other weights: give one run_dir with it" in result.stderr.splitlines()[-1]
