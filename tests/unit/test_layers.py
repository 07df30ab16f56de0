"""The layers import downwards only, and no modules import each other in a circle.

Low to high (ARCHITECTURE.md, "The flow"; STYLE.md, "Layout tells the architecture"):

    domain → schemas → projections → consumers → infra.persistence → application → infra

`infra/persistence/` (the Avro mapper, transcodings, the cached repository, the
event store) sits under the application, which is built on it (TRUST.md, "Where
each piece lives"); it imports nothing of `application/` or the rest of `infra/`.

A module may import its own layer and the layers below it. `domain/` sits at
the bottom, so it imports nothing of the project but itself (what else it may
import is `tests/unit/domain/test_domain_purity.py`'s business). `infra/` is the
top: the composition root, the CLI and the relay, which wire everything below.
Every import counts, at the top of a module or inside a function: a deferred
import is still a dependency, and it is how cycles used to hide.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("domain", "schemas", "projections", "consumers", "infra.persistence", "application", "infra")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_modules() -> dict[str, Path]:
    """Every module of the layered packages, by dotted name (`projections.engine`, `consumers`)."""
    return {_module_name(p): p for layer in LAYERS for p in sorted((ROOT / layer.replace(".", "/")).rglob("*.py"))
            if ".venv" not in p.parts}


def _imported(module: str, path: Path, source: str | None = None) -> set[str]:
    """The dotted names a module imports (anywhere in it), relative imports made absolute."""
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from projections import tablesets` imports the module projections.tablesets.
            names.update(f"{prefix}.{alias.name}" for alias in node.names)
            names.add(prefix)
    return names


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module an imported name lands in (the longest dotted prefix that is one)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _layer(module: str) -> int:
    """The index of the most specific layer holding `module` (`infra.persistence.mapper` → infra.persistence)."""
    holding = [layer for layer in LAYERS if module == layer or module.startswith(layer + ".")]
    return LAYERS.index(max(holding, key=len))


def _graph(modules: dict[str, Path], sources: dict[str, str] | None = None) -> dict[str, set[str]]:
    sources = sources or {}
    graph = {}
    for module, path in modules.items():
        targets = {_resolve(n, modules) for n in _imported(module, path, sources.get(module))}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def _upward(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{m} imports {t}" for m, ts in graph.items() for t in ts if _layer(t) > _layer(m))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_layer_imports_a_layer_above_it():
    assert _upward(_graph(_project_modules())) == []


def test_no_modules_import_each_other_in_a_circle():
    assert _cycles(_graph(_project_modules())) == []


def test_the_layer_check_catches_an_upward_import_inside_a_function():
    modules = _project_modules()
    bad = "def render():\n    from infra.tables import render_table\n    return render_table\n"
    graph = _graph(modules, {"projections.engine": bad})
    assert "projections.engine imports infra.tables" in _upward(graph)


def test_the_layer_check_catches_a_relative_upward_import():
    modules = _project_modules()
    graph = _graph(modules, {"domain.calendar": "from ..schemas import codec\n"})
    assert "domain.calendar imports schemas.codec" in _upward(graph)


def test_the_cycle_check_catches_two_modules_importing_each_other():
    modules = _project_modules()
    graph = _graph(modules, {"projections.netting": "from projections.tablesets import versioned\n",
                             "projections.tablesets": "def f():\n    from projections.netting import net_changes\n"})
    assert ["projections.netting", "projections.tablesets"] in _cycles(graph)
