"""No import cycle in annstudio: the graph of what each module imports when it is loaded (its top-level imports,
those under ``if TYPE_CHECKING`` included: they are the design's dependencies too) has no cycle."""
from __future__ import annotations

import ast
from pathlib import Path

import annstudio

ROOT = Path(annstudio.__file__).parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in ROOT.rglob("*.py")}


def _loaded_nodes(tree: ast.Module):
    """The statements run when the module loads: the top level, and what ``if``/``try`` blocks there hold."""
    for node in tree.body:
        yield node
        if isinstance(node, (ast.If, ast.Try)):
            yield from ast.walk(node)


def imports_of(name: str) -> set[str]:
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _loaded_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in MODULES else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {module for module in found if module in MODULES and module != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def test_the_checker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_checker_reads_relative_imports():
    assert "annstudio.gui.files" in imports_of("annstudio.gui.app")
    assert "annstudio.core.spec" in imports_of("annstudio.core.workspace")


def test_no_module_of_annstudio_is_in_an_import_cycle():
    graph = {name: imports_of(name) for name in MODULES}
    assert cycles(graph) == []


def test_the_file_actions_know_nothing_of_the_window():
    files = imports_of("annstudio.gui.files")
    assert "annstudio.gui.app" not in files
    source = MODULES["annstudio.gui.files"].read_text(encoding="utf-8")
    for attribute in ("window.mnist", "window.tabs", "window.playground", "MainWindow", "_spin"):
        assert attribute not in source
