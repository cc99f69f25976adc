"""Every guardrail has the one shape docs/CONTRIBUTING.md describes, and its table of guardrails is the tree.

Each row of the table names a guardrail module ``m``: its decision ``guardrails/m.py`` (and the modules beside
it that its row lists), its AWS side ``actions/m.py`` holding its one runner (which builds itself from a
``Wiring``), and its function ``functions/m/app.py`` whose ``GuardrailApp`` runs that runner, or the
guardrail whose runner hosts it.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

from ecoguard.runner import GuardrailRunner

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "ecoguard" / "ecoguard"
# Decisions every guardrail may use: no row owns them.
SHARED_RULES = {"__init__", "tags"}


def rows() -> dict[str, tuple[set[str], str]]:
    """Guardrail module -> (its decision modules, its function: "<dir>/app.py" or "hosted by <module>")."""
    doc = (ROOT / "docs" / "CONTRIBUTING.md").read_text()
    table = doc.split("<!-- guardrails-table -->", 1)[1].split("<!-- /guardrails-table -->", 1)[0]
    found = {}
    for line in table.strip().splitlines()[2:]:
        module, decision, actions, function = (cell.strip() for cell in line.strip("|").split("|"))
        name = module.strip("`")
        decisions = {m.removesuffix(".py") for m in re.findall(r"`([a-z0-9_]+)(?:\.py)?`", decision)}
        assert actions == f"`{name}.py`", f"{name}: its AWS side is actions/{name}.py, not {actions}"
        hosted = re.fullmatch(r"hosted by `([a-z0-9_]+)`", function)
        found[name] = (decisions, f"hosted by {hosted[1]}" if hosted else function.strip("`"))
    return found


def runners_of(module: str) -> list[type[GuardrailRunner]]:
    loaded = importlib.import_module(f"ecoguard.actions.{module}")
    return [
        value
        for value in vars(loaded).values()
        if inspect.isclass(value)
        and issubclass(value, GuardrailRunner)
        and value is not GuardrailRunner
        and value.__module__ == loaded.__name__
    ]


def test_there_is_no_second_way_to_build_a_guardrail() -> None:
    assert not (PACKAGE / "runners").exists()


def test_the_table_lists_every_actions_module_and_every_decision_module() -> None:
    table = rows()
    actions = {p.stem for p in (PACKAGE / "actions").glob("*.py")} - {"__init__"}
    assert set(table) == actions
    decisions = {p.stem for p in (PACKAGE / "guardrails").glob("*.py")} - SHARED_RULES
    listed = set().union(*(d for d, _ in table.values()))
    assert listed == decisions, f"unlisted: {decisions - listed}; listed but missing: {listed - decisions}"
    for name, (modules, _) in table.items():
        assert name in modules, f"{name}: its decision is guardrails/{name}.py"


def test_each_actions_module_holds_one_runner_that_builds_itself() -> None:
    for name in rows():
        found = runners_of(name)
        assert len(found) == 1, f"actions/{name}.py holds {len(found)} runners: {found}"
        (runner,) = found
        assert "build" in vars(runner), f"{runner.__name__} does not say how it is built (build(wiring))"


def test_each_function_runs_its_guardrails_runner_and_a_hosted_one_is_built_by_its_host() -> None:
    for name, (_, function) in rows().items():
        if function.startswith("hosted by "):
            host = function.removeprefix("hosted by ")
            source = (PACKAGE / "actions" / f"{host}.py").read_text()
            (runner,) = runners_of(name)
            assert f"{runner.__name__}.build(wiring)" in source, f"{host} does not build {runner.__name__}"
            continue
        assert function == f"{name}/app.py"
        app = (ROOT / "functions" / function).read_text()
        assert f"from ecoguard.actions.{name} import" in app
        assert re.search(r"GuardrailApp\(\s*\w+Runners?\b", app), f"functions/{function} builds no runner"
        assert "def build(" not in app, f"functions/{function} wires its runner itself"


def test_every_function_with_a_guardrail_app_is_in_the_table() -> None:
    functions = {p.parent.name for p in (ROOT / "functions").glob("*/app.py") if "GuardrailApp(" in p.read_text()}
    assert functions == {name for name, (_, f) in rows().items() if not f.startswith("hosted by ")}
