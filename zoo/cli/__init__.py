"""The command line beside training: `python -m zoo --help` (help), and the tools that read finished runs or probe
models (sample, score_translation, probe); zoo.compare and zoo.bench are parts of their own."""
