"""Sweeps sent through submitit (the launcher a SLURM cluster uses) and Ray, both run here on this machine."""
import json

from tests.test_cli import zoo
from tests.test_search import TINY_TRIAL


def test_submitit_runs_each_job_of_a_sweep(tmp_path):
    # submitit_local starts every job at once and leaves their threads alone: one core and one thread per job
    result = zoo("-m", "hydra/launcher=submitit_local", "hydra.launcher.cpus_per_task=1",
                 "+hydra.job.env_set.OMP_NUM_THREADS=1", "hydra.launcher.timeout_min=5", *TINY_TRIAL,
                 "model=rnn,gru", f"hydra.sweep.dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-3000:]
    summaries = [json.loads((tmp_path / str(job) / "summary.json").read_text()) for job in (0, 1)]
    assert [summary["model"] for summary in summaries] == ["RNN", "GRU"]
    assert all(summary["status"] == "completed" for summary in summaries)
    assert len(list((tmp_path / ".submitit").glob("*/*_result.pkl"))) == 2  # each job ran as its own process


def test_ray_runs_each_job_of_a_sweep_on_a_local_ray_instance(tmp_path):
    # no address: the launcher starts a Ray instance of two CPUs on this machine (a cluster's address goes in
    # hydra.launcher.ray.init.address); Ray gives each job one CPU and one torch thread
    result = zoo("-m", "hydra/launcher=ray", "+hydra.launcher.ray.init.num_cpus=2",
                 "+hydra.launcher.ray.init.include_dashboard=false", *TINY_TRIAL, "model=rnn,gru",
                 f"hydra.sweep.dir={tmp_path}")
    assert result.returncode == 0, result.stderr[-3000:]
    summaries = [json.loads((tmp_path / str(job) / "summary.json").read_text()) for job in (0, 1)]
    assert [summary["model"] for summary in summaries] == ["RNN", "GRU"]
    assert all(summary["status"] == "completed" for summary in summaries)
    assert "(_run_job pid=" in result.stdout + result.stderr  # the jobs ran in Ray's worker processes
