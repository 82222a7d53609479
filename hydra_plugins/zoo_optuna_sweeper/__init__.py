"""zoo's Hydra sweeper on Optuna's ask-and-tell API (hydra/sweeper=zoo_optuna, chosen by hparams_search=optuna)."""
