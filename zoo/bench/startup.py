"""Start-up: the wall time of the commands a user types before any work starts, each in a fresh interpreter, and
the time from launching the main job (`python -m zoo`, its defaults: a Transformer on German-English translation)
to the end of its first training step."""
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zoo.bench.first_step import MARK
from zoo.bench.sizes import Sizes
from zoo.bench.timing import figure_table

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
COMMANDS = {
    "python -c pass (the interpreter alone)": [PYTHON, "-c", "pass"],
    "python -m zoo --help": [PYTHON, "-m", "zoo", "--help"],
    "python -m zoo --cfg job": [PYTHON, "-m", "zoo", "--cfg", "job"],
    "python -c 'import hydra.main, omegaconf' (Hydra's own imports)": [PYTHON, "-c", "import hydra.main, omegaconf"],
    "python -c 'import pytorch_lightning'": [PYTHON, "-c", "import pytorch_lightning"],
}


def environment() -> dict:
    return {**os.environ, "WANDB_SILENT": "true", "HYDRA_FULL_ERROR": "1"}


def best_wall_seconds(command: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=environment(), check=True, capture_output=True)
        best = min(best, time.perf_counter() - started)
    return best


def main_job_first_step(quick: bool) -> tuple[float, float]:
    """(seconds to the end of the first training step, seconds of the whole one-step run). Quick: a few hundred
    sentence pairs instead of all of them."""
    with tempfile.TemporaryDirectory() as run_dir:
        command = [PYTHON, "-m", "zoo", "model=transformer", "data=translation", "trainer.max_steps=1", "test=false",
                   f"hydra.run.dir={run_dir}", "+callbacks.first_step._target_=zoo.bench.first_step.ReportFirstStep"]
        if quick:
            command += ["data.max_pairs=300", "data.vocab_size=300"]
        launched = time.time()
        result = subprocess.run(command, cwd=ROOT, env=environment(), check=True, capture_output=True, text=True)
        finished = time.time()
    stamp = next(line for line in result.stdout.splitlines() if line.startswith(MARK))
    return float(stamp.removeprefix(MARK)) - launched, finished - launched


def run(sizes: Sizes, quick: bool = False) -> str:
    rounds = 1 if quick else 3
    rows = [[name, best_wall_seconds(command, rounds)] for name, command in COMMANDS.items()]
    first_step, whole = main_job_first_step(quick)
    rows.append(["python -m zoo (main job): to the end of its first training step", first_step])
    rows.append(["... the same one-step run to its exit", whole])
    return figure_table(["command", "wall s"], rows)
