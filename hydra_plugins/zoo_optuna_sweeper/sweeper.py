"""An Optuna search run through Hydra: ask the study for a batch of n_jobs trials, launch them as one batch of jobs
through the configured launcher (basic, joblib, submitit, ray), tell the study what each job returned; again until
n_trials have run. The study lives in `storage`: the same command resumes it."""
import logging
import math
from pathlib import Path

from hydra.core.plugins import Plugins
from hydra.core.utils import JobReturn
from hydra.errors import CompactHydraException
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from hydra.utils import get_method
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger(__name__)


class ZooOptunaSweeper(Sweeper):
    def __init__(self, direction: str, storage: str | None, study_name: str | None, n_trials: int, n_jobs: int,
                 max_failure_rate: float, sampler, params: DictConfig, custom_search_space: str | None) -> None:
        if direction not in ("minimize", "maximize"):
            raise ValueError(f"hydra.sweeper.direction must be minimize or maximize, got {direction}")
        if n_trials < 0 or n_jobs < 1:
            raise ValueError(f"hydra.sweeper.n_trials must be >= 0 and n_jobs >= 1, got {n_trials} and {n_jobs}")
        if not 0 <= max_failure_rate <= 1:
            raise ValueError(f"hydra.sweeper.max_failure_rate must be in [0, 1], got {max_failure_rate}")
        self.direction, self.storage, self.study_name = direction, storage, study_name
        self.n_trials, self.n_jobs, self.max_failure_rate = n_trials, n_jobs, max_failure_rate
        self.make_sampler = sampler  # a partial: the seed is known once the study is open
        self.params = [f"{key}={value}" for key, value in (params or {}).items()]
        self.suggest_more = get_method(custom_search_space) if custom_search_space else None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config)

    def sweep(self, arguments: list[str]) -> None:
        import optuna

        from ._search_space import search_space

        searched, fixed = search_space(self.params + arguments)
        study = optuna.create_study(storage=self.storage, study_name=self.study_name, direction=self.direction,
                                    load_if_exists=True)
        fail_interrupted_trials(study)
        seed = self.make_sampler.keywords.get("seed")
        # offset by the trials already run: a resumed seeded search draws new trials, not its first ones again
        study.sampler = self.make_sampler(**({} if seed is None else {"seed": seed + len(study.trials)}))
        log.info("Study %s in %s: %d trials so far, %s; %d more, %d at a time", study.study_name, self.storage,
                 len(study.trials), self.direction, self.n_trials, self.n_jobs)
        job_number = 0
        while job_number < self.n_trials:
            trials = [study.ask(searched) for _ in range(min(self.n_jobs, self.n_trials - job_number))]
            for trial in trials:
                if self.suggest_more:
                    self.suggest_more(self.config, trial)
            returns = self.launcher.launch([trial_overrides(trial, fixed) for trial in trials],
                                           initial_job_idx=job_number)
            job_number += len(returns)
            failures = [failure for trial, result in zip(trials, returns)
                        if (failure := tell(study, trial, result)) is not None]
            if len(failures) > self.max_failure_rate * len(returns):
                raise CompactHydraException(
                    f"{len(failures)} of {len(returns)} trials in a batch failed, more than "
                    f"hydra.sweeper.max_failure_rate={self.max_failure_rate} allows; the first: {failures[0]}")
        write_best(study, Path(self.config.hydra.sweep.dir) / "optimization_results.yaml")


def fail_interrupted_trials(study) -> None:
    """Marks FAIL the trials left RUNNING by a search that was killed (its process gone, nothing will ever tell
    their result). A search owns its study: two searches must not share one at the same time."""
    import optuna

    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
        log.warning("Trial %d was left running by a search that stopped: marked failed", trial.number)


def trial_overrides(trial, fixed: dict[str, str]) -> list[str]:
    """The job's command line: the trial's sampled values and the fixed overrides (model=..., data=...)."""
    return [f"{key}={value}" for key, value in {**trial.params, **fixed}.items()]


def tell(study, trial, result: JobReturn) -> str | None:
    """Records the job's objective in the study; a job that raised or returned no finite number is marked FAIL.
    Returns why it failed, or None."""
    import optuna

    run_dir = OmegaConf.select(result.hydra_cfg or {}, "hydra.runtime.output_dir")
    if run_dir:
        trial.set_user_attr("run_dir", run_dir)  # which run directory holds this trial's summary.json
    try:
        value = result.return_value  # raises the job's own exception if it failed
        if value is None or not math.isfinite(value):
            raise ValueError(f"the job returned {value}, not a finite objective")
    except Exception as error:  # noqa: BLE001  (any failure of a job is a failed trial, and the search goes on)
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        log.warning("Trial %d failed: %s", trial.number, error)
        return f"{type(error).__name__}: {error}"
    study.tell(trial, value)
    return None


def write_best(study, path: Path) -> None:
    """The best trial so far, over every invocation of the search, as `optimization_results.yaml`."""
    try:
        best = study.best_trial
    except ValueError:  # no trial has completed
        return
    log.info("Best value %s, trial %d: %s", best.value, best.number, best.params)
    OmegaConf.save(OmegaConf.create({"name": "optuna", "best_params": best.params, "best_value": best.value,
                                     "best_trial": best.number}), path)
