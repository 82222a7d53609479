"""Bring your own architecture without forking: a mixer in a directory of its own (its class importable, its YAML on
`hydra.searchpath`) shows in --help, joins experiment=compare's sweep and the Optuna search space, trains through
Hydra, and passes the contract tests pointed at it. Nothing in zoo is edited."""
import json
import os
import re
import subprocess
import shutil
import sys

import pytest

from tests.conftest import MODELS, ROOT

# the manual's worked example (docs/architectures.md), tested as a user would bring it
EXAMPLE = ROOT / "docs" / "examples"

# the example's own knobs at a test's size
CONFIG = '''
_target_: my_mixers.mean_mixer.MeanMixer
d_model: 32  # width
n_layers: 2
n_heads: 2
dropout: 0.0
ff_mult: 2
params: null
smoothing: 0.0  # a knob of its own, searched by hparams_search=optuna
'''


# the same architecture's YAML taking zoo's shared knobs (conf/model/shared/backbone.yaml) instead of its own
EXTENDING_CONFIG = '''
defaults:
  - shared/backbone@_here_
  - _self_
_target_: my_mixers.mean_mixer.MeanMixer
n_layers: 2
smoothing: 0.0
'''


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    """A user's directory: the example's my_mixers/mean_mixer.py and my_conf/model/mean_mixer.yaml."""
    home = tmp_path_factory.mktemp("user")
    shutil.copytree(EXAMPLE / "my_mixers", home / "my_mixers")
    (home / "my_conf" / "model").mkdir(parents=True)
    (home / "my_conf" / "model" / "mean_mixer.yaml").write_text(CONFIG)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(home), str(ROOT)]), "OMP_NUM_THREADS": "1",
           "WANDB_SILENT": "true", "HYDRA_FULL_ERROR": "0"}
    return home, env, f"hydra.searchpath=[file://{home / 'my_conf'}]"


def run(args, env, cwd=ROOT, timeout=300):
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_help_lists_it(own):
    home, env, searchpath = own
    result = run(["-m", "zoo", "--help", searchpath], env)
    assert f"model: {', '.join(sorted([*MODELS, 'mean_mixer']))}" in result.stdout


def test_the_comparison_trains_it_beside_zoos_own(own, tmp_path):
    home, env, searchpath = own
    result = run(["-m", "zoo", "-m", "experiment=compare_smoke", "data=sunspots", "logger=none", "test=false",
                  "++trainer.fast_dev_run=true", searchpath, f"hydra.sweep.dir={tmp_path}"], env)
    assert result.returncode == 0, result.stderr[-3000:]
    summaries = [json.loads(path.read_text()) for path in tmp_path.glob("*/summary.json")]
    assert "MeanMixer" in [summary["model"] for summary in summaries]
    assert len(summaries) == len(MODELS) + 1
    assert all(summary["status"] == "completed" for summary in summaries)


def test_the_search_space_holds_its_own_knob(own):
    home, env, searchpath = own
    probe = ("from zoo.launch.sweep import search_space; "
             "print(search_space('my_mixers.mean_mixer.MeanMixer'))")
    result = run(["-c", probe], env)
    assert "{'model.smoothing': [0.0, 0.5]}" in result.stdout, result.stderr


def test_the_contract_tests_pointed_at_it_pass(own):
    home, env, searchpath = own
    result = run(["-m", "pytest", "-n", "0", "-p", "no:cacheprovider", "tests/test_contract.py",
                  "tests/test_learning.py", "-k", "mean_mixer"], {**env, "ZOO_SEARCHPATH": str(home / "my_conf")})
    assert result.returncode == 0, result.stdout[-3000:]
    passed = int(re.search(r"(\d+) passed", result.stdout)[1])
    assert passed == 6  # causal, step == forward, memory, bidirectional padding, builds on its own, learns


def test_its_yaml_may_extend_the_shared_backbone_knobs(own, tmp_path):
    home, env, _ = own
    extending = tmp_path / "my_conf" / "model"
    extending.mkdir(parents=True)
    (extending / "mean_mixer.yaml").write_text(EXTENDING_CONFIG)
    result = run(["-m", "zoo", "model=mean_mixer", "data=copy", "logger=none", "++trainer.fast_dev_run=true",
                  f"hydra.searchpath=[file://{extending.parent}]", f"hydra.run.dir={tmp_path / 'run'}"], env)
    assert result.returncode == 0, result.stderr[-3000:]
    model = json.loads((tmp_path / "run" / "summary.json").read_text())["config"]["model"]
    assert model == {"_target_": "my_mixers.mean_mixer.MeanMixer", "d_model": 128, "n_layers": 2, "n_heads": 4,
                     "dropout": 0.1, "ff_mult": 4, "params": None, "smoothing": 0.0}
