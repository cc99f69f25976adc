"""The import graph of a set of modules, read with ``ast`` (nothing is imported), and its cycles.

``modules_under(root)`` names every ``.py`` file under ``root`` as it is imported with ``root`` on
``sys.path``; ``module_imports(modules)`` reads each one's imports into edges between those modules; and
``cycles(graph)`` finds the import cycles (Tarjan's strongly connected components, then one shortest
cycle through each module of a component, in import order).

What counts as an import of module M:

- ``import X`` and ``from X import Y`` anywhere in M: at module level and inside functions, classes,
  ``try`` and ``if`` blocks (a lazy import still closes a circle once both modules run), but not in the
  body of ``if TYPE_CHECKING:`` (never run).
- ``importlib.import_module(name)``: a literal name is an import of that module; a name built on the
  module's own (``f"{__name__}.{guardrail}"``, or ``__package__``), directly or returned by a function of the
  module, is an import of every module under it (which one is chosen at run time). Any other computed
  name cannot be read and is not counted.
- ``from X import Y`` is an import of the module ``X.Y`` when there is one, else of ``X``. Relative
  imports resolve against M's package.
- Importing ``a.b.c`` runs the packages ``a`` and ``a.b`` (their ``__init__``) first, so it is an edge
  to each of them too, except to M itself and M's own packages: those have begun running before M runs.
  So a package whose ``__init__`` imports a submodule that imports back into the package (its names, or
  a module that does) is a cycle; two sibling submodules of a package are not one by being siblings.

Only edges between the modules given are kept: the standard library and third parties cannot import back.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

PACKAGE_INIT = "__init__.py"


def modules_under(root: Path, prefix: str = "") -> dict[str, Path]:
    """Every module under ``root`` by its import name, with ``root`` on ``sys.path`` (``a/b/__init__.py``
    is ``a.b``, ``a/b/c.py`` is ``a.b.c``); ``prefix`` goes in front of every name."""
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join([prefix, *parts] if prefix else parts)
        if name:
            found[name] = path
    return found


def module_imports(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    """Each module's imports among ``modules`` (name -> file): the graph ``cycles`` reads."""
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == PACKAGE_INIT
        package = name if is_package else name.rpartition(".")[0]
        running = _ancestors(name) | {name}  # begun before M's code runs
        targets: set[str] = set()
        tree = ast.parse(path.read_bytes(), filename=str(path))
        for target in _imported(tree, _Where(name, package, known)):
            targets |= {target, *(_ancestors(target) - running)}
        graph[name] = {t for t in targets if t in known and t != name}
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The import cycles of ``graph``, each as the modules in import order (the first imports the second,
    ..., the last imports the first). Every module that is on a cycle is on at least one of those listed."""
    found: list[list[str]] = []
    for component in _components(graph):
        if len(component) == 1:
            (only,) = component
            if only in graph.get(only, set()):
                found.append([only])
            continue
        covered: set[str] = set()
        for start in sorted(component):
            if start not in covered:
                cycle = _shortest_cycle(graph, component, start)
                covered.update(cycle)
                found.append(cycle)
    return found


def _ancestors(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


@dataclass(frozen=True)
class _Where:
    module: str
    package: str
    known: set[str]


def _imported(tree: ast.Module, where: _Where) -> Iterator[str]:
    """The modules a module's code imports (absolute names, ancestors not added)."""
    returns = {
        node.name: [r.value for r in ast.walk(node) if isinstance(r, ast.Return) and r.value is not None]
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }
    for node in _run_nodes(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, where.package)
            for alias in node.names:
                submodule = f"{base}.{alias.name}" if base else alias.name
                yield submodule if alias.name != "*" and submodule in where.known else base
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            name = node.args[0]
            if isinstance(name, ast.Call) and isinstance(name.func, ast.Name):
                for value in returns.get(name.func.id, []):
                    yield from _import_module_targets(value, where)
            else:
                yield from _import_module_targets(name, where)


def _import_module_targets(name: ast.expr, where: _Where) -> Iterator[str]:
    if isinstance(name, ast.Constant) and isinstance(name.value, str):
        relative = name.value.lstrip(".")
        yield _absolute(relative or None, len(name.value) - len(relative), where.package)
    elif (
        isinstance(name, ast.JoinedStr)
        and len(name.values) > 1
        and isinstance(own := name.values[0], ast.FormattedValue)
        and isinstance(own.value, ast.Name)
        and own.value.id in ("__name__", "__package__")
        and isinstance(dot := name.values[1], ast.Constant)
        and isinstance(dot.value, str)
        and dot.value.startswith(".")
    ):
        base = where.module if own.value.id == "__name__" else where.package
        prefix = f"{base}{dot.value}"
        yield from (known for known in where.known if known.startswith(prefix))


def _run_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` except those under ``if TYPE_CHECKING:`` (its ``else`` branch does run)."""
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_import_module(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id == "import_module"
    )


def _absolute(module: str | None, level: int, package: str) -> str:
    if level == 0:
        return module or ""
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        raise ValueError(f"relative import beyond the top-level package {package!r}")
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _components(graph: Mapping[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit), in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph.get(root, set()))))]
        while work:
            node, successors = work[-1]
            descended = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, set())))))
                    descended = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if descended:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _shortest_cycle(graph: Mapping[str, set[str]], component: set[str], start: str) -> list[str]:
    """A shortest path from ``start`` back to itself inside ``component`` (breadth first)."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for successor in sorted(graph.get(node, set()) & component):
            if successor == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return path[::-1]
            if successor not in came_from:
                came_from[successor] = node
                queue.append(successor)
    raise AssertionError(f"{start} is in a strongly connected component but on no cycle")
