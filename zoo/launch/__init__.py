"""Launching runs: sweeps and searches, parallel jobs, DDP ranks."""
