"""The layout reads one way: no import cycle between archqa's modules, and no module over 600 lines.

Every ``import`` statement counts, wherever it is: at module level, inside a function (a deferred import is
still a dependency, only a later one), and under ``if TYPE_CHECKING:``. ``import a.b.c`` and
``from a.b import c`` (``c`` a module) are an edge to ``a.b.c``; ``from a.b import name`` is an edge to
``a.b``. The implicit import of a parent package (Python runs ``a/b/__init__.py`` before ``a.b.c``) is not
an edge: a package's ``__init__`` importing its own modules is the normal direction, and counting it would
make every such package a cycle. Imports by string (``importlib.import_module``, the lazy names of
``archqa/__init__.py``) are not seen.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "archqa"
MAX_LINES = 600

Graph = dict[str, dict[str, int]]
"""module -> {imported module: line of the first import of it}."""


def modules(src: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` under ``src`` by dotted name (a package by its own name)."""
    out: dict[str, Path] = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imported(node: ast.Import | ast.ImportFrom, name: str, is_package: bool, known: Mapping[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = name.split(".") if is_package else name.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    return [f"{source}.{a.name}" if f"{source}.{a.name}" in known else source for a in node.names]


def _owner(target: str, known: Mapping[str, Path]) -> str | None:
    """The module ``target`` names, or the nearest enclosing one (``a.b.c`` where only ``a.b`` exists)."""
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


def import_graph(src: Path = SRC, package: str = PACKAGE) -> Graph:
    """Which of ``package``'s modules each of its modules imports, and where (see the module docstring)."""
    known = modules(src, package)
    graph: Graph = {}
    for name, path in known.items():
        edges: dict[str, int] = {}
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _imported(node, name, is_package, known):
                owner = _owner(target, known) if target.split(".")[0] == package else None
                if owner is not None and owner != name:
                    edges[owner] = min(edges.get(owner, node.lineno), node.lineno)
        graph[name] = edges
    return graph


def cycles(graph: Mapping[str, Mapping[str, int]]) -> list[list[str]]:
    """The import cycles: each group of modules that import one another (Tarjan's strongly connected
    components of more than one module), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        # Iterative Tarjan: (node, iterator over its successors).
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for succ in successors:
                if succ not in graph:
                    continue
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph[succ]))))
                    advanced = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if advanced:
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
    return sorted(found)


def cycle_path(graph: Mapping[str, Mapping[str, int]], component: Iterable[str]) -> list[str]:
    """One shortest loop through the first module of ``component``: [a, b, ..., a]."""
    members = set(component)
    start = min(members)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for node in frontier:
            for succ in sorted(graph[node]):
                if succ == start:
                    return paths[node] + [start]
                if succ in members and succ not in paths:
                    paths[succ] = paths[node] + [succ]
                    nxt.append(succ)
        frontier = nxt
    return [start]


def describe(graph: Mapping[str, Mapping[str, int]], component: Iterable[str], known: Mapping[str, Path]) -> str:
    """A cycle as evidence: each import on one loop, with its file and line."""
    loop = cycle_path(graph, component)
    steps = [
        f"{known[a].relative_to(SRC.parent) if known[a].is_relative_to(SRC.parent) else known[a]}:{graph[a][b]}"
        f" {a} imports {b}"
        for a, b in zip(loop, loop[1:])
    ]
    return "\n    ".join([f"cycle of {len(set(component))} modules ({', '.join(sorted(component))}):", *steps])


def long_modules(src: Path = SRC, package: str = PACKAGE, limit: int = MAX_LINES) -> dict[str, int]:
    """Modules longer than ``limit`` lines, by path relative to ``src``, with their line counts."""
    out = {}
    for path in modules(src, package).values():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > limit:
            out[path.relative_to(src).as_posix()] = n
    return out


# ----------------------------------------------------------------------------------------------------------
# The project itself


def test_no_import_cycles() -> None:
    graph = import_graph()
    known = modules(SRC, PACKAGE)
    found = cycles(graph)
    assert not found, "import cycles (make imports run one way, see README 'Development'):\n" + "\n".join(
        describe(graph, c, known) for c in found
    )


def test_no_module_over_600_lines() -> None:
    found = long_modules()
    assert not found, f"modules over {MAX_LINES} lines (split them by what they do): " + ", ".join(
        f"{p} ({n})" for p, n in sorted(found.items())
    )


# ----------------------------------------------------------------------------------------------------------
# The checks can fail: a small package with the faults they look for


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / "pkg" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_cycle_through_a_function_level_import_is_found(tmp_path: Path) -> None:
    src = _package(
        tmp_path,
        {
            "__init__.py": "from pkg.reg import register\n",
            "reg.py": "def names():\n    from pkg import builtin\n    return builtin\n",
            "builtin.py": "from pkg.reg import register\n",
            "leaf.py": "import pkg.reg\n",
        },
    )
    graph = import_graph(src, "pkg")
    assert graph["pkg.reg"] == {"pkg.builtin": 2}
    assert cycles(graph) == [["pkg.builtin", "pkg.reg"]]
    text = describe(graph, ["pkg.builtin", "pkg.reg"], modules(src, "pkg"))
    assert "builtin.py:1 pkg.builtin imports pkg.reg" in text and "reg.py:2 pkg.reg imports pkg.builtin" in text


def test_relative_and_type_checking_imports_count(tmp_path: Path) -> None:
    src = _package(
        tmp_path,
        {
            "__init__.py": "",
            "sub/__init__.py": "from . import a\n",
            "sub/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..b import thing\n",
            "b.py": "from .sub.a import x\n",
        },
    )
    graph = import_graph(src, "pkg")
    assert graph["pkg.sub"] == {"pkg.sub.a": 1}
    assert graph["pkg.sub.a"] == {"pkg.b": 3}
    assert cycles(graph) == [["pkg.b", "pkg.sub.a"]]


def test_a_package_importing_its_own_modules_is_no_cycle(tmp_path: Path) -> None:
    src = _package(
        tmp_path,
        {
            "__init__.py": "from pkg import builtin\nfrom pkg.reg import register\n",
            "reg.py": "",
            "builtin.py": "from pkg.reg import register\n",
        },
    )
    assert cycles(import_graph(src, "pkg")) == []


def test_long_module_is_found(tmp_path: Path) -> None:
    src = _package(tmp_path, {"__init__.py": "", "big.py": "x = 1\n" * 601, "ok.py": "x = 1\n" * 600})
    assert long_modules(src, "pkg") == {"pkg/big.py": 601}
