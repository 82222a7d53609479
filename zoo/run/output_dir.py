"""Output that cannot be written fails in one line, before any training: a Hydra callback checks the run (or sweep)
directory before Hydra makes it, and a full disk or a read-only directory met later is named the same way."""
import errno
import sys
import tempfile
from pathlib import Path

from hydra.experimental.callback import Callback

from zoo.errors import ZooError

# what a full disk or a directory that became read-only raises while a run writes
WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def cannot_write(error: OSError) -> ZooError:
    return ZooError(f"cannot write {error.filename or 'the run directory'}: {error.strerror}; free space, or give a "
                    f"writable hydra.run.dir")


def check_writable(directory: str, key: str) -> None:
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        print(f"Error: {key}={directory} cannot be written ({error.strerror}): give a writable directory",
              file=sys.stderr)
        sys.exit(1)  # Hydra would make the directory itself and fail with a traceback


class WritableOutputDir(Callback):
    def on_run_start(self, config, **kwargs) -> None:
        check_writable(config.hydra.run.dir, "hydra.run.dir")

    def on_multirun_start(self, config, **kwargs) -> None:
        check_writable(config.hydra.sweep.dir, "hydra.sweep.dir")
