"""zoo: a declarative model zoo for sequence architectures."""
