"""Tune, then repeat: Hydra's basic grid, run in two stages so that seeds are spent only on the setting validation
chose. Stage one runs every combination of the swept keys at the first seed; within each cell (the same values of
every key but the tuned ones) it keeps the job whose returned validation score is best, in the direction its data
set declares; stage two runs the other seeds of the kept jobs alone. With three rates and three seeds a cell costs
five runs instead of nine, and the choice sees validation only (what each job returns: its best checkpoint's score).

Keys swept `together` take their values in step (the second value of one with the second of the others) instead of
crossing them: a setting that is several knobs at once, as Zoology pairs each sequence length with its number of
key-value pairs.

A finished job that a resumed sweep skips (skip_finished=true) returns its recorded score, so the same command
makes the same choices and goes on where it stopped. A failed job scores worst; a cell whose every stage-one job
failed repeats nothing. The sweep ends with the first failure raised, as the basic sweeper does, after every job ran.
"""
import logging
import math
from pathlib import Path

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobReturn
from hydra.errors import ConfigCompositionException
from omegaconf import DictConfig, OmegaConf

from zoo.run.record import FILE_NAME, MalformedSummary, read_summary

log = logging.getLogger(__name__)


class TuneThenRepeatSweeper(BasicSweeper):
    def __init__(self, params: DictConfig | None, tune: list[str], repeat: str, max_batch_size: int | None,
                 together: list[list[str]]) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.tune, self.repeat, self.together = list(tune), repeat, [list(keys) for keys in together]

    def sweep(self, arguments: list[str]) -> list[list[JobReturn]]:
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        overrides = parser.parse_overrides(self._parse_config() + list(arguments))
        jobs = in_step([job for batch in self.split_arguments(overrides, None) for job in batch], self.together)
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")

        repeats = list(dict.fromkeys(value_of(job, self.repeat) for job in jobs))
        first = [job for job in jobs if value_of(job, self.repeat) == repeats[0]]
        log.info("Tuning %s on %s=%s: %d jobs", ", ".join(self.tune), self.repeat, repeats[0], len(first))
        tried = self.launch_all(first, initial_job_idx=0)
        chosen = self.best_of_each_cell(first, tried)
        second = [job for job in jobs if value_of(job, self.repeat) != repeats[0]
                  and chosen.get(self.cell(job)) == self.tuning(job)]
        log.info("Repeating the chosen settings at %s=%s: %d jobs", self.repeat, ",".join(map(str, repeats[1:])),
                 len(second))
        repeated = self.launch_all(second, initial_job_idx=len(first))
        for result in tried + repeated:
            _ = result.return_value  # raises the first failed job's error, now that every job has run
        return [tried, repeated]

    def launch_all(self, jobs: list[list[str]], initial_job_idx: int) -> list[JobReturn]:
        results = []
        size = self.max_batch_size or len(jobs) or 1
        for start in range(0, len(jobs), size):
            batch = jobs[start:start + size]
            self.validate_batch_is_legal(batch)
            results += self.launcher.launch(batch, initial_job_idx=initial_job_idx + start)
        return results

    def cell(self, job: list[str]) -> tuple[str, ...]:
        return tuple(override for override in job if key_of(override) not in (*self.tune, self.repeat))

    def tuning(self, job: list[str]) -> tuple[str, ...]:
        return tuple(override for override in job if key_of(override) in self.tune)

    def best_of_each_cell(self, jobs: list[list[str]], results: list[JobReturn]) -> dict[tuple, tuple]:
        """{cell: the tuned overrides of its best job}, by the score each job returned."""
        best = {}
        for job, result in zip(jobs, results):
            score = ranked_score(result)
            cell = self.cell(job)
            if score is not None and (cell not in best or score < best[cell][0]):
                best[cell] = (score, self.tuning(job))
        for cell in dict.fromkeys(map(self.cell, jobs)):
            if cell in best:
                log.info("Chose %s for %s", " ".join(best[cell][1]), " ".join(cell))
            else:
                log.warning("Every job of %s failed: its seeds are not repeated", " ".join(cell))
        return {cell: tuning for cell, (_, tuning) in best.items()}


def in_step(jobs: list[list[str]], together: list[list[str]]) -> list[list[str]]:
    """The jobs of the grid whose keys of each group take their values at the same place in their lists."""
    for keys in together:
        values = {key: list(dict.fromkeys(value_of(job, key) for job in jobs)) for key in keys}
        if len({len(listed) for listed in values.values()}) > 1:
            counts = ", ".join(f"{key}: {len(listed)}" for key, listed in values.items())
            raise ConfigCompositionException(
                f"hydra.sweeper.together: {', '.join(keys)} take their values in step and need as many each ({counts})")
        jobs = [job for job in jobs if len({values[key].index(value_of(job, key)) for key in keys}) == 1]
    return jobs


def key_of(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def value_of(job: list[str], key: str) -> str | None:
    return next((override.split("=", 1)[1] for override in job if key_of(override) == key), None)


def ranked_score(result: JobReturn) -> float | None:
    """The job's returned score, negated where its data set maximises it (so lower is better); None where the job
    failed or returned no finite number."""
    try:
        value = result.return_value
    except Exception:  # noqa: BLE001  (a failed job is reported at the end of the sweep)
        return None
    if value is None or not math.isfinite(value):
        return None
    return -value if objective_mode(result) == "max" else value


def objective_mode(result: JobReturn) -> str:
    """The direction of the job's own metric, as its summary.json records it (copy minimises val/loss, recall
    maximises val/accuracy: one sweep can hold both)."""
    run_dir = OmegaConf.select(result.hydra_cfg or {}, "hydra.runtime.output_dir")
    if run_dir is None:
        return "min"
    try:
        summary, _ = read_summary(Path(run_dir) / FILE_NAME)
    except MalformedSummary:
        return "min"
    return (summary.objective or {}).get("mode", "min")
