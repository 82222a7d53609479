"""`python -m zoo.cli.score_translation RUN_DIR [RUN_DIR ...] [--split val] [--beam-size N] [--length-penalty A]
[--lexicon-weight W] [--no-repeat-ngram N] [--checkpoint PATH] [--output FILE]`: decode a held-out split of a
finished data=translation run with the weights its test read, and print BLEU (its brevity penalty and precisions)
and chrF against every reference of each pair, beside word by word's, with a paired bootstrap of the two; --output
keeps each pair's translations as JSON lines. Several runs of one data config (seeds, architectures) decode as an
ensemble: the mean of their next-token probabilities.

Decoding settings are chosen here, on the validation split (the default), so that the test split is read once, by
the run itself: `--split test` with the run's own settings gives back the test figures of its summary.json. A wrong
directory or checkpoint is one line on stderr and exit code 1; bad usage exits with 2.
"""
import argparse
from dataclasses import asdict
from pathlib import Path

from zoo.errors import ZooError, command_line_tool

TRANSLATION = "zoo.data.translation.TranslationData"
DECODE_OPTIONS = ("beam_size", "length_penalty", "lexicon_weight", "no_repeat_ngram")  # decode.* the flags override


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m zoo.cli.score_translation", description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dirs", type=Path, nargs="+", metavar="run_dir",
                        help="the directory a data=translation run wrote (its summary.json); several: an ensemble")
    parser.add_argument("--split", choices=("val", "test"), default="val")
    parser.add_argument("--beam-size", type=int, help="default: the run's decode.beam_size")
    parser.add_argument("--length-penalty", type=float, help="default: the run's decode.length_penalty")
    parser.add_argument("--lexicon-weight", type=float, help="default: the run's decode.lexicon_weight")
    parser.add_argument("--no-repeat-ngram", type=int, help="default: the run's decode.no_repeat_ngram")
    parser.add_argument("--checkpoint", type=Path,
                        help="default: what the run's test read, RUN_DIR/averaged.ckpt, else its last checkpoint")
    parser.add_argument("--output", type=Path, help="write each pair's source, references, hypothesis and word by "
                                                    "word's translation there, one JSON object a line")
    arguments = parser.parse_args(argv)
    if arguments.beam_size is not None and arguments.beam_size < 1:
        parser.error(f"--beam-size must be >= 1, got {arguments.beam_size}")
    if arguments.no_repeat_ngram is not None and arguments.no_repeat_ngram < 0:
        parser.error(f"--no-repeat-ngram must be >= 0, got {arguments.no_repeat_ngram}")
    if arguments.checkpoint and len(arguments.run_dirs) > 1:
        parser.error("--checkpoint names one run's other weights: give one run_dir with it")
    if arguments.output and not arguments.output.parent.is_dir():  # said before decoding, not after
        parser.error(f"--output {arguments.output}: no directory {arguments.output.parent}")
    return arguments


def load(run_dir: Path, checkpoint: Path | None, set_up_data: bool = True):
    """The run (its config), its data module (its vocabulary from the checkpoint; its pairs read unless
    set_up_data is false) and its task with the checkpoint's weights, assembled as the run assembled them."""
    # imported here: a wrong argument is answered without loading torch and lightning
    from omegaconf import OmegaConf

    from zoo.run.assemble import assemble
    from zoo.run.checkpoints import check_fits
    from zoo.run.load import load_run

    saved = load_run(run_dir, checkpoint or "tested")
    config = saved.config
    if config["data"]["_target_"] != TRANSLATION:
        raise ZooError(f"{run_dir}: a run on {config['data']['_target_']}, not on data=translation")
    if "vocab_size" not in saved.checkpoint.get("hyper_parameters", {}):
        raise ZooError(f"{saved.checkpoint_path}: not a checkpoint of a translation task")
    run = assemble(OmegaConf.create(config, flags={"readonly": True}), saved, stage="test" if set_up_data else None,
                   trainer=False)
    check_fits(saved.checkpoint, run.task, str(saved.checkpoint_path))
    run.task.load_state_dict(saved.checkpoint["state_dict"])
    return saved, run.datamodule, run.task.eval()


def ensemble_member(run_dir: Path, first, data):
    """Another run's task, for an ensemble with the first run (`first`, its SavedRun; `data`, its data module): the
    same data config, hence the same pairs and the same vocabulary."""
    saved, member_data, task = load(run_dir, None, set_up_data=False)
    if saved.config["data"] != first.config["data"] or member_data.tokenizer.to_str() != data.tokenizer.to_str():
        raise ZooError(f"{run_dir}: its data config or vocabulary differs from {first.directory}'s; an ensemble "
                       f"decodes runs of one data config")
    return saved, task


def score(data, tasks, split: str, decode: dict):
    import torch

    from zoo.tasks.translation import translate_together
    from zoo.tasks.translation_scoring import score_translations

    indices, hypotheses = [], []
    with torch.no_grad():
        for batch in data.loader(split, shuffle=False):
            indices += batch["index"].tolist()
            hypotheses += map(data.decode, translate_together(tasks, batch["source"], **decode))
    return score_translations(data, split, indices, hypotheses)


@command_line_tool
def main(argv: list[str]) -> None:
    arguments = parse_arguments(argv)
    first, *others = arguments.run_dirs
    saved, data, task = load(first, arguments.checkpoint)
    members = [(saved, task)] + [ensemble_member(run_dir, saved, data) for run_dir in others]
    from zoo.config import DecodeConfig

    # a run of an older zoo decodes with today's defaults for the options its config does not name
    decode = {**asdict(DecodeConfig()), **saved.config["decode"]}
    given = {name: getattr(arguments, name) for name in DECODE_OPTIONS}
    decode.update({name: value for name, value in given.items() if value is not None})
    scored = score(data, [task for _, task in members], arguments.split, decode)
    if arguments.output:
        from zoo.tasks.translation_scoring import write_translations

        write_translations(arguments.output, scored.records)
    print(f"{len(scored.records)} {arguments.split} pairs; beam {decode['beam_size']}, length penalty "
          f"{decode['length_penalty']}, lexicon weight {decode['lexicon_weight']}, no_repeat_ngram "
          f"{decode['no_repeat_ngram']}; {', '.join(str(member.checkpoint_path) for member, _ in members)}\n"
          f"{scored.headline}")


if __name__ == "__main__":
    main()
