class ZooError(Exception):
    """A mistake in what the user asked for (a value, a file, a checkpoint): shown as one line, no traceback."""
