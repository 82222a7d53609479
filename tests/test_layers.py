"""zoo's parts import one way: models and data know nothing of tasks, tasks nothing of how a run is put together,
and no two parts import each other, directly or around a loop. Read from the source with `ast`, no import run."""
import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "zoo"
# what each part may not import: the layers above it
ABOVE = {
    "models": {"data", "tasks", "run", "launch", "compare", "bench", "cli"},
    "data": {"models", "tasks", "run", "launch", "compare", "bench", "cli"},
    "tasks": {"run", "launch", "compare", "bench", "cli"},
    "run": {"compare", "bench", "cli"},
    "launch": {"run", "compare", "bench", "cli"},
}


def part_of(module: str) -> str | None:
    """zoo.tasks.translation -> tasks, zoo.errors -> errors: a package of zoo, or a module at its top level."""
    names = module.split(".")
    return names[1] if names[0] == "zoo" and len(names) > 1 else None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every module a file imports, wherever in the file (imports inside functions count)."""
    modules = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the file's own package up
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            modules.add(base)
            modules.update(f"{base}.{alias.name}" for alias in node.names)
    return modules


def import_graph() -> dict[str, set[str]]:
    """part -> the other parts of zoo its modules import."""
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        part = part_of(module_name(path))
        if part is None or part == "__main__":  # the entry point imports what it runs
            continue
        targets = {part_of(name) for name in imported(path)} - {None, part}
        graph.setdefault(part, set()).update(target for target in targets if (PACKAGE / target).exists()
                                             or (PACKAGE / f"{target}.py").exists())
    return graph


def test_no_part_imports_the_layers_above_it():
    graph = import_graph()
    for part, forbidden in ABOVE.items():
        assert not graph.get(part, set()) & forbidden, f"zoo.{part} imports {sorted(graph[part] & forbidden)}"


def test_no_two_parts_import_each_other_around_a_loop():
    graph = import_graph()
    visiting, done = [], set()

    def visit(part):
        if part in visiting:
            raise AssertionError("an import loop: " + " -> ".join(visiting[visiting.index(part):] + [part]))
        if part in done:
            return
        visiting.append(part)
        for target in sorted(graph.get(part, ())):
            visit(target)
        visiting.pop()
        done.add(part)

    for part in sorted(graph):
        visit(part)


def test_the_graph_finds_the_imports_it_should():
    graph = import_graph()
    assert "tokens" in graph["data"] and "tokens" in graph["tasks"]  # the shared ids live below both
    assert "run" in graph["compare"] and "models" in graph["bench"]
    assert "configurable" in graph["models"] and "errors" in graph["configurable"]
