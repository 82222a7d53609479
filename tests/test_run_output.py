"""What a user reads of a run in a log file (stdout not a terminal: SLURM, nohup): the learning curve, the samples,
the test figures once each, where the run's files are, and no third-party chatter; and a translation run's
weights scored again afterwards on a held-out split (zoo.cli.score_translation)."""
import json
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

NOISE = ["Tip:", "anonymous", "was configured so", "deprecated", "Deprecat", "FutureWarning",
         "estimate number of stepping batches", "TPU available", "smaller than the logging interval", "Run history:",
         "Run summary:"]


def zoo_log(*args: str) -> str:
    """stdout and stderr of `python -m zoo ARGS` written to a pipe, as a batch system's log file receives them."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HYDRA_FULL_ERROR": "0"}
    env.pop("WANDB_SILENT", None)  # a user's environment has no such setting: wandb's own lines are part of the log
    result = subprocess.run([sys.executable, "-m", "zoo", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=300)  # one stream, as in `> log 2>&1`
    assert result.returncode == 0, result.stdout[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def translation_log(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    return run_dir, zoo_log("debug=default", "data.max_pairs=300", "data.vocab_size=300", "trainer.max_epochs=2",
                            "trainer.limit_train_batches=2", "logger=wandb", f"hydra.run.dir={run_dir}")


def test_a_logged_run_shows_its_learning_curve_samples_and_files(translation_log):
    run_dir, log = translation_log
    curve = re.findall(r"epoch (\d)/2  step \d+  \dm\d\ds  train/loss [\d.]+  val/loss [\d.]+", log)
    assert curve == ["1", "2"]
    assert log.count("hypothesis ") == 5
    assert f"run files: {run_dir} " in log.strip().splitlines()[-1]  # the last line, below wandb's


def test_a_logged_run_has_no_third_party_chatter(translation_log):
    _, log = translation_log
    assert [line for line in log.splitlines() if any(noise in line for noise in NOISE)] == []


def test_the_test_table_shows_each_figure_once(tmp_path):
    log = zoo_log("debug=default", "data=sunspots", "model=gru", "logger=none", f"hydra.run.dir={tmp_path}")
    table = log[log.index("test metrics:"):].splitlines()[1:]
    names = [line.split()[0] for line in table if line.startswith("  ")]
    assert {"test_1921_1955/mse", "test_1956_1979/rmse", "baseline/test_1956_1979/ar9_rmse"} <= set(names)
    assert len(names) == len(set(names))
    assert "DataLoader 1" not in log


def score_translation(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zoo.cli.score_translation", *map(str, args)], cwd=ROOT,
                          env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True, text=True, timeout=300)


def test_scoring_the_test_split_again_gives_the_runs_own_figures(translation_log):
    run_dir, _ = translation_log
    metrics = json.loads((run_dir / "summary.json").read_text())["metrics"]
    result = score_translation(run_dir, "--split", "test", "--output", run_dir / "again.jsonl")
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert re.fullmatch(r"15 test pairs; beam 5, length penalty 1.0, lexicon weight 1.0, no_repeat_ngram 0; "
                        r".*averaged\.ckpt", lines[0])
    bleu, chrf = map(float, re.match(r"test: BLEU ([\d.]+) \(precisions .*\), chrF ([\d.]+)$", lines[1]).groups())
    assert (bleu, chrf) == (round(metrics["test/bleu"], 2), round(metrics["test/chrf"], 2))
    p_value = float(re.search(r"BLEU [-+][\d.]+ \(p = ([\d.]+)\)", lines[3]).group(1))
    assert p_value == round(metrics["test/bleu_p_value_against_word_by_word"], 3)
    assert (run_dir / "again.jsonl").read_text() == (run_dir / "test_translations.jsonl").read_text()
    greedy = score_translation(run_dir, "--beam-size", "1")  # the validation split, by default
    assert greedy.stdout.startswith("15 val pairs; beam 1, "), greedy.stderr


def test_a_run_decoded_as_an_ensemble_with_itself_translates_as_it_alone(translation_log):
    run_dir, _ = translation_log
    result = score_translation(run_dir, run_dir, "--split", "test", "--output", run_dir / "together.jsonl")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[0].endswith("averaged.ckpt, " + str(run_dir / "averaged.ckpt"))
    assert (run_dir / "together.jsonl").read_text() == (run_dir / "test_translations.jsonl").read_text()


def test_a_translation_run_keeps_each_test_pair_with_its_translations(translation_log):
    run_dir, log = translation_log
    records = [json.loads(line) for line in (run_dir / "test_translations.jsonl").read_text().splitlines()]
    assert len(records) == 15
    assert all(set(record) == {"source", "references", "hypothesis", "word_by_word"} for record in records)
    assert all(isinstance(record["references"], list) and record["references"] for record in records)
    metrics = json.loads((run_dir / "summary.json").read_text())["metrics"]
    assert 0 < metrics["test/bleu_p_value_against_word_by_word"] <= 1
    assert metrics["test/bleu_brevity_penalty"] <= 1 and "test/bleu_precision_4" in metrics
    assert re.search(r"model against word by word \(paired bootstrap, 1000 resamples\): BLEU [-+]", log)


def test_scoring_a_directory_that_holds_no_translation_run_is_one_line(tmp_path):
    result = score_translation(tmp_path)
    assert result.returncode == 1
    expected = f"Error: {tmp_path}: holds no summary.json of a zoo run; give the directory a run wrote"
    assert result.stderr.strip() == expected
