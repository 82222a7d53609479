"""One run: build it, train it, record it (summary.json, trackers, checkpoints)."""
