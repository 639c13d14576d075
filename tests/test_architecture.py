"""The package layout is the pipeline: imports only run down it, and no module imports itself back.

Every ``import qa…`` statement counts, at module level, inside a function or under
``TYPE_CHECKING``: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"

# The stages in pipeline order. A module may import its own stage and the ones before it.
STAGES: tuple[tuple[str, ...], ...] = (
    ("qa.errors", "qa.cache", "qa.hashing", "qa.lazy", "qa.version", "qa.text"),  # shared by all
    ("qa.ingest",),
    ("qa.passages",),
    ("qa.model",),
    ("qa.index",),
    ("qa.retrieve",),
    ("qa.build",),
    ("qa.tools",),
    ("qa.ui",),
    ("qa.cli",),
    ("qa", "qa.__main__"),  # the public API re-exports every stage; these two names only
)
_WHOLE_NAME_ONLY = frozenset({"qa", "qa.__main__"})
MAX_MODULE_LINES = 400


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path) -> dict[str, Path]:
    """Every module of the ``qa`` package under ``root``, by dotted name."""
    return {module_name(path, root): path for path in sorted((root / "qa").rglob("*.py"))}


def imported(path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The ``qa`` modules ``path`` imports (``from qa.x import y`` counts as ``qa.x.y`` when that is one)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.split(".")[0] == "qa")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "qa":
                continue
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                yield submodule if submodule in known else node.module


def import_graph(root: Path) -> dict[str, set[str]]:
    known = modules(root)
    return {name: {m for m in imported(path, known) if m != name} for name, path in known.items()}


def stage(module: str) -> int:
    """The pipeline position of ``module``: the stage whose prefix names it most closely."""
    best, best_length = -1, -1
    for position, prefixes in enumerate(STAGES):
        for prefix in prefixes:
            inside = module.startswith(prefix + ".") and prefix not in _WHOLE_NAME_ONLY
            if (module == prefix or inside) and len(prefix) > best_length:
                best, best_length = position, len(prefix)
    return best


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_module_belongs_to_a_stage() -> None:
    unplaced = [name for name in modules(SOURCE) if stage(name) < 0]
    assert unplaced == [], f"add these modules to a stage in STAGES: {unplaced}"


def test_no_module_imports_a_later_stage() -> None:
    upward = [
        f"{module} ({STAGES[stage(module)][0]}) imports {target} ({STAGES[stage(target)][0]})"
        for module, targets in import_graph(SOURCE).items()
        for target in sorted(targets)
        if stage(target) > stage(module)
    ]
    assert upward == []


def test_no_import_circles() -> None:
    assert cycles(import_graph(SOURCE)) == []


def test_the_circle_check_finds_a_circle() -> None:
    graph = {"qa.a": {"qa.b"}, "qa.b": {"qa.c"}, "qa.c": {"qa.a"}, "qa.d": {"qa.a"}}
    assert cycles(graph) == [["qa.a", "qa.b", "qa.c"]]


@pytest.mark.parametrize("name", sorted(modules(SOURCE)))
def test_every_module_is_readable_in_one_sitting(name: str) -> None:
    lines = len(modules(SOURCE)[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines; split it by job"
