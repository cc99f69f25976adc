"""No module imports itself back, however lazily: the layer (``ecoguard``), the operator's CLI
(``ecoguard_cli``), the local tools (``tools``, with the LocalStack plugins as the package they are installed
as, ``ecoguard_localstack``), every handler (``functions/<name>/app.py`` as ``functions.<name>.app``) and the
tests. The graph is read with ``ast`` (``tests/unit/import_graph.py`` says what counts as an import); the
last tests show the reader finds the cycles it should and only those."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from textwrap import dedent

from tests.unit.import_graph import cycles, module_imports, modules_under

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = sorted(ROOT.glob("functions/*/app.py"))


@cache
def project_graph() -> dict[str, set[str]]:
    modules = {
        **modules_under(ROOT / "layers" / "ecoguard"),
        **modules_under(ROOT / "cli"),
        **{
            name: path
            for name, path in modules_under(ROOT / "tools", "tools").items()
            if not name.startswith("tools.localstack_plugins.")
        },
        # Installed into LocalStack's virtualenv from tools/localstack_plugins/pyproject.toml, and imported
        # (by LocalStack, and by each other) as ecoguard_localstack; their localstack imports are third party.
        **modules_under(ROOT / "tools" / "localstack_plugins"),
        **modules_under(ROOT / "tests", "tests"),
        **{f"functions.{app.parent.name}.app": app for app in HANDLERS},
    }
    return module_imports(modules)


def in_layer(module: str) -> bool:
    return module == "ecoguard" or module.startswith("ecoguard.")


def described(found: list[list[str]]) -> str:
    return "import cycles (each module imports the next, the last the first):\n" + "\n".join(
        "  " + " -> ".join([*cycle, cycle[0]]) for cycle in found
    )


def test_the_graph_holds_every_part_and_their_imports() -> None:
    graph = project_graph()
    assert len(HANDLERS) >= 14
    assert {f"functions.{app.parent.name}.app" for app in HANDLERS} <= set(graph)
    assert {"ecoguard.executor", "ecoguard_cli.__main__", "tools.simulator.account", "tests.conftest"} <= set(graph)
    assert "ecoguard_localstack.moto_dynamodb" in graph
    assert "tools.simulator.identity" in graph["tools.simulator.account"]
    assert "tools.simulator.identity" in graph["tools.simulator.compute_shim"]
    assert any(in_layer(target) for target in graph["functions.idle_compute.app"])
    assert graph["tools.simulator.identity"] == set()


def test_the_layer_has_no_import_cycle() -> None:
    found = [cycle for cycle in cycles(project_graph()) if all(in_layer(module) for module in cycle)]
    assert not found, described(found)


def test_the_cli_the_tools_the_handlers_and_the_tests_have_no_import_cycle() -> None:
    found = [cycle for cycle in cycles(project_graph()) if not all(in_layer(module) for module in cycle)]
    assert not found, described(found)


def package(root: Path, files: dict[str, str]) -> dict[str, set[str]]:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text))
    return module_imports(modules_under(root))


def test_a_cycle_closed_by_an_import_inside_a_function_is_reported_with_both_modules_in_order(tmp_path: Path) -> None:
    graph = package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg import b\n",
            "pkg/b.py": """
                def late() -> None:
                    from . import a
            """,
        },
    )
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}}
    assert cycles(graph) == [["pkg.a", "pkg.b"]]


def test_an_import_under_type_checking_makes_no_cycle_and_its_else_branch_does(tmp_path: Path) -> None:
    graph = package(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import pkg.b\n",
            "pkg/b.py": """
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from pkg.a import Thing
            """,
            "pkg/c.py": "import pkg.d\n",
            "pkg/d.py": """
                import typing
                if typing.TYPE_CHECKING:
                    pass
                else:
                    import pkg.c
            """,
        },
    )
    assert graph["pkg.b"] == set()
    assert cycles(graph) == [["pkg.c", "pkg.d"]]


def test_a_package_that_imports_a_submodule_importing_back_into_the_package_is_a_cycle_siblings_are_not(
    tmp_path: Path,
) -> None:
    graph = package(
        tmp_path,
        {
            "pkg/__init__.py": "NAME = 1\n",
            "pkg/units/__init__.py": """
                import importlib
                BASE = 1
                def module_name(name: str) -> str:
                    return f"{__name__}.{name}"
                def load(name: str) -> object:
                    return importlib.import_module(module_name(name))
            """,
            "pkg/units/one.py": "from pkg.units import BASE\n",
            "pkg/units/two.py": "from pkg import NAME\nimport pkg.units.three\n",
            "pkg/units/three.py": "",
            "pkg/user.py": """
                from importlib import import_module
                def use() -> object:
                    return import_module("pkg.units.three")
            """,
        },
    )
    # two's import of its sibling three runs the package pkg.units, which began before two did: no edge to
    # it, while user's (dynamic) import of the same module is an edge to pkg.units too.
    assert graph["pkg.units.two"] == {"pkg", "pkg.units.three"}
    assert graph["pkg.user"] == {"pkg.units", "pkg.units.three"}
    assert graph["pkg.units"] == {"pkg.units.one", "pkg.units.two", "pkg.units.three"}
    assert graph["pkg.units.one"] == {"pkg.units"}
    assert cycles(graph) == [["pkg.units", "pkg.units.one"]]


def test_cycles_lists_each_in_import_order_and_covers_every_module_on_one() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"c"}, "e": {"a"}}
    assert cycles(graph) == [["a", "b", "c"], ["d", "c"]]  # d: the first module on no cycle listed yet
    assert cycles({"a": {"b"}, "b": set()}) == []
