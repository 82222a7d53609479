"""Lightning's ddp starts ranks 1.. of a job by running its command line again. Under `-m` that command line is a
whole sweep: without care each further rank would start a sweep of its own. The job leaves its own overrides and
run directory in the environment its ranks inherit, and a rank started so runs that one job instead."""
import json
import os
import sys

JOB = "ZOO_RANK_JOB"


def remember_job(overrides: list[str], output_dir: str) -> None:
    """Called by every job before it trains: the ranks it may start inherit this."""
    os.environ[JOB] = json.dumps({"overrides": overrides, "output_dir": output_dir})


def run_launching_job_if_relaunched_rank() -> None:
    """In a further rank started by Lightning (LOCAL_RANK > 0, JOB inherited), replace the command line by the
    launching job's: its overrides, its run directory, no second copy of its config files."""
    local_rank = os.environ.get("LOCAL_RANK", "0")
    if local_rank == "0" or JOB not in os.environ:
        return
    job = json.loads(os.environ[JOB])
    sys.argv[1:] = [*job["overrides"], f'hydra.run.dir="{job["output_dir"]}"', "hydra.output_subdir=null",
                    f"hydra.job.name=rank{local_rank}"]
