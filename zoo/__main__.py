"""`python -m zoo`: compose the config with Hydra and run it. Composing imports only Hydra and zoo's schemas, so
`--help` and `--cfg job` answer without loading torch, lightning or wandb."""
import os
import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import CompactHydraException
from hydra.types import RunMode
from omegaconf import DictConfig

import zoo.config  # noqa: F401  (registers the config schemas)
from zoo import __version__
from zoo.configurable import CONF_DIR
from zoo.errors import ZooError
from zoo.cli.help import answer_help_if_asked
from zoo.launch.relaunch import remember_job, run_launching_job_if_relaunched_rank


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="train")
def main(cfg: DictConfig) -> float | None:
    from zoo.run.job import run

    job = HydraConfig.get()
    remember_job(list(job.overrides.task), job.runtime.output_dir)
    try:
        return run(cfg)
    except ZooError as error:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        if job.mode != RunMode.MULTIRUN:
            print(f"Error: {error}", file=sys.stderr)
            sys.exit(1)
        # One line now, while the sweep goes on. Raised, the job counts as failed to Hydra and its sweepers (Optuna
        # records a failed trial); the basic sweeper finishes its batch (by default every job), then exits with 1,
        # printing this compact exception as one line, not a traceback. sys.exit here would end the whole sweep.
        print(f"Error in job {job.job.num} ({' '.join(job.overrides.task)}): {error}", file=sys.stderr)
        raise CompactHydraException(str(error)) from None


def cli() -> None:
    """`python -m zoo` and the `zoo` command."""
    if sys.argv[1:] == ["--version"]:
        print(f"zoo {__version__}")
        return
    run_launching_job_if_relaunched_rank()
    answer_help_if_asked()
    main()


if __name__ == "__main__":
    cli()
