"""How a mistake reaches the user: one line, no traceback, and the exit code every zoo command shares."""
import functools
import sys

# every command-line tool's exit codes: 0 done; 1 failed (a ZooError: a value, a file, a checkpoint); 2 bad usage
# (argparse's own answer to arguments it cannot read)
FAILED = 1


class ZooError(Exception):
    """A mistake in what the user asked for (a value, a file, a checkpoint): shown as one line, no traceback."""


def command_line_tool(main):
    """A tool's `main(argv)` as its console script and `python -m` call it: argv defaults to the command line, and a
    ZooError ends it as `Error: ...` on stderr with exit code 1."""

    @functools.wraps(main)
    def run(argv: list[str] | None = None) -> None:
        try:
            main(sys.argv[1:] if argv is None else argv)
        except ZooError as error:
            print(f"Error: {error}", file=sys.stderr)
            sys.exit(FAILED)

    return run
