"""`python -m zoo`: compose the config with Hydra and run it. Composing imports only Hydra and zoo's schemas, so
`--help` and `--cfg job` answer without loading torch, lightning or wandb."""
import os
import sys

import hydra
from omegaconf import DictConfig

import zoo.config  # noqa: F401  (registers the config schemas)
from zoo.errors import ZooError


@hydra.main(version_base="1.3", config_path="../conf", config_name="train")
def main(cfg: DictConfig) -> float | None:
    from zoo.train import run

    try:
        return run(cfg)
    except ZooError as error:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        print(f"Error: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
