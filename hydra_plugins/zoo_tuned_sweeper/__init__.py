"""zoo's tune-then-repeat sweeper (hydra/sweeper=zoo_tuned, chosen by experiment=compare and experiment=long_range)."""
