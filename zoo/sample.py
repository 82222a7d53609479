"""`python -m zoo.sample ckpt_path=PATH prompt=TEXT [length=200] [temperature=0.8] [seed=0]`: continue a prompt
with a character language model trained on data=text, one character at a time through the backbone's `step`.

Prints the prompt and its continuation. A wrong argument or checkpoint is one line on stderr and exit code 2.
"""
import sys
from dataclasses import MISSING, dataclass, fields

from zoo.errors import ZooError

USAGE = "python -m zoo.sample ckpt_path=PATH prompt=TEXT [length=200] [temperature=0.8] [seed=0]"


@dataclass
class SampleArguments:
    ckpt_path: str
    prompt: str
    length: int = 200  # characters to generate
    temperature: float = 0.8  # 0: always the most probable character
    seed: int = 0


def parse_arguments(argv: list[str]) -> SampleArguments:
    """key=value arguments, typed by SampleArguments' fields."""
    types = {field.name: field.type for field in fields(SampleArguments)}
    given = {}
    for argument in argv:
        key, equals, value = argument.partition("=")
        if not equals or key not in types:
            raise ZooError(f"unknown argument {argument!r}; usage: {USAGE}")
        try:
            given[key] = types[key](value)
        except ValueError:
            raise ZooError(f"{key}={value!r} is not a valid {types[key].__name__}") from None
    missing = [field.name for field in fields(SampleArguments) if field.default is MISSING and field.name not in given]
    if missing:
        raise ZooError(f"missing {', '.join(missing)}; usage: {USAGE}")
    arguments = SampleArguments(**given)
    if not arguments.prompt:
        raise ZooError("prompt= is empty: the model needs at least one character to continue")
    if arguments.length < 1 or arguments.temperature < 0:
        raise ZooError(f"length must be >= 1 and temperature >= 0, got {arguments.length}, {arguments.temperature}")
    return arguments


def load_language_model(ckpt_path: str):
    """The LanguageModelTask of a data=text checkpoint, in eval mode, and its character vocabulary."""
    # imported here, not at the top: a wrong argument is answered without loading torch and lightning
    from zoo.data.text import TextData
    from zoo.tasks.language_model import LanguageModelTask
    from zoo.run.checkpoints import read_checkpoint

    checkpoint = read_checkpoint(ckpt_path)
    data = TextData()
    data.load_state_dict(checkpoint.get(TextData.__qualname__, {}))  # as a run restores its vocabulary
    if data.vocabulary is None or "hyper_parameters" not in checkpoint:
        raise ZooError(f"ckpt_path={ckpt_path}: not a checkpoint of a data=text language model "
                       f"(it holds no character vocabulary)")
    task = LanguageModelTask(**checkpoint["hyper_parameters"])
    task.load_state_dict(checkpoint["state_dict"])
    return task.eval(), data.vocabulary


def sample(arguments: SampleArguments) -> str:
    """The prompt followed by `length` generated characters."""
    import torch

    task, vocabulary = load_language_model(arguments.ckpt_path)
    unknown = vocabulary.unknown(arguments.prompt)
    if unknown:
        raise ZooError(f"prompt: {unknown!r} not in the model's vocabulary (the characters of its training text)")
    generated = task.generate(vocabulary.encode(arguments.prompt)[None], arguments.length,
                              temperature=arguments.temperature,
                              generator=torch.Generator().manual_seed(arguments.seed))
    return arguments.prompt + vocabulary.decode(generated[0].tolist())


def main(argv: list[str]) -> None:
    if argv in (["-h"], ["--help"]):
        print(f"usage: {USAGE}")
        return
    try:
        print(sample(parse_arguments(argv)))
    except ZooError as error:
        print(f"Error: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
