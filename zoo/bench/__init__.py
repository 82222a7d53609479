"""`python -m zoo.bench`: zoo's speed, side by side with the fastest plain-PyTorch form of the same work, in one run
(ratios, because the machine it runs on is shared and noisy). One module per section, each printing a Markdown
table: throughput, kernels, generation, startup, memory."""
