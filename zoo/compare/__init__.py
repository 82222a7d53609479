"""`python -m zoo.compare`: runs compared across architectures (leaderboard, verdict, plots, report)."""
