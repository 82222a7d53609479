"""zoo: a declarative model zoo for sequence architectures."""
__version__ = "0.2.0"
