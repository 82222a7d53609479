"""`python -m zoo.cli.sample RUN_DIR --prompt TEXT [--length 200] [--temperature 0.8] [--seed 0] [--checkpoint PATH]`:
continue a prompt with a character language model trained on data=text, one character at a time through the
backbone's `step`.

Prints the prompt and its continuation. Exit codes: 0 done, 1 failed (a directory or checkpoint that holds no such
model, a prompt it cannot read), 2 bad usage.
"""
import argparse
from pathlib import Path

from zoo.errors import ZooError, command_line_tool

TEXT = "zoo.data.text.TextData"


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m zoo.cli.sample", description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path, help="the directory a data=text run wrote (its summary.json)")
    parser.add_argument("--prompt", required=True, help="the text to continue")
    parser.add_argument("--length", type=int, default=200, help="characters to generate (default 200)")
    parser.add_argument("--temperature", type=float, default=0.8,
                        help="0: always the most probable character (default 0.8)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", type=Path,
                        help="default: what the run's test read, RUN_DIR/averaged.ckpt, else its last checkpoint")
    arguments = parser.parse_args(argv)
    if not arguments.prompt:
        parser.error("--prompt is empty: the model needs at least one character to continue")
    if arguments.length < 1 or arguments.temperature < 0:
        parser.error(f"--length must be >= 1 and --temperature >= 0, got {arguments.length}, {arguments.temperature}")
    return arguments


def load_language_model(run_dir: Path, checkpoint: Path | None = None):
    """The LanguageModelTask of a data=text run, assembled from its config with the checkpoint's weights, in eval
    mode, and its character vocabulary."""
    # imported here, not at the top: a wrong argument is answered without loading torch and lightning
    from omegaconf import OmegaConf

    from zoo.data.text import TextData
    from zoo.run.assemble import assemble
    from zoo.run.checkpoints import check_fits
    from zoo.run.load import load_run

    saved = load_run(run_dir, checkpoint or "tested")
    if saved.config["data"]["_target_"] != TEXT or TextData.__qualname__ not in saved.checkpoint:
        raise ZooError(f"{saved.checkpoint_path}: not a checkpoint of a data=text language model "
                       f"(it holds no character vocabulary)")
    # the vocabulary comes from the checkpoint: the training text itself is not read again
    run = assemble(OmegaConf.create(saved.config, flags={"readonly": True}), saved, stage=None, trainer=False)
    check_fits(saved.checkpoint, run.task, str(saved.checkpoint_path))
    run.task.load_state_dict(saved.checkpoint["state_dict"])
    return run.task.eval(), run.datamodule.vocabulary


def sample(arguments: argparse.Namespace) -> str:
    """The prompt followed by `length` generated characters."""
    import torch

    task, vocabulary = load_language_model(arguments.run_dir, arguments.checkpoint)
    unknown = vocabulary.unknown(arguments.prompt)
    if unknown:
        raise ZooError(f"--prompt: {unknown!r} not in the model's vocabulary (the characters of its training text)")
    generated = task.generate(vocabulary.encode(arguments.prompt)[None], arguments.length,
                              temperature=arguments.temperature,
                              generator=torch.Generator().manual_seed(arguments.seed))
    return arguments.prompt + vocabulary.decode(generated[0].tolist())


@command_line_tool
def main(argv: list[str]) -> None:
    print(sample(parse_arguments(argv)))


if __name__ == "__main__":
    main()
