"""The package's layers: every import goes down (or stays on its floor), never up.

The order, from the ground floor up, is the diagram in docs/ARCHITECTURE.md ("Layers"). Every module of the
package is on exactly one floor: a new module not placed here fails the test, so its author decides where it
goes. Imports are read with ``ast`` (``tests/unit/import_graph.py``): module level and inside functions, not
under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.import_graph import module_imports, modules_under

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "ecoguard" / "ecoguard"

# (floor, the modules on it: a name, or a package with every module under it as "name.*"), ground floor first.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "facts",
        (
            "ecoguard",
            "ecoguard.errors",
            "ecoguard.not_found",
            "ecoguard.decisions",
            "ecoguard.validation",
            "ecoguard.clock",
            "ecoguard.instances",
            "ecoguard.impact",
            "ecoguard.throughput_prices",
            "ecoguard.regions",
            "ecoguard.savings",
            "ecoguard.paging",
            "ecoguard.grouping",
            "ecoguard.settings",
            "ecoguard.policy",
            "ecoguard.policy.*",
            "ecoguard.events",
            "ecoguard.events.*",
            "ecoguard.monitor_events",
        ),
    ),
    ("rules", ("ecoguard.guardrails", "ecoguard.guardrails.*")),
    (
        "records and adapters",
        (
            "ecoguard.adapters",
            "ecoguard.adapters.*",
            "ecoguard.audit",
            "ecoguard.record_mac",
            "ecoguard.audit_batch",
            "ecoguard.attempts",
            "ecoguard.state",
            "ecoguard.reading",
            "ecoguard.deadline",
            "ecoguard.pacing",
            "ecoguard.overlap",
            "ecoguard.forwarding",
            "ecoguard.central",
            "ecoguard.report",
            "ecoguard.report.*",
            "ecoguard.report_serving",
            "ecoguard.report_commitments",
        ),
    ),
    ("contract", ("ecoguard.units", "ecoguard.summary", "ecoguard.confirm")),
    (
        "engine",
        (
            "ecoguard.records",
            "ecoguard.finals_behind",
            "ecoguard.pages_ahead",
            "ecoguard.listed_ahead",
            "ecoguard.claims",
            "ecoguard.batch",
            "ecoguard.last_look",
            "ecoguard.settle",
            "ecoguard.refusals",
            "ecoguard.executor",
            "ecoguard.sweep",
            "ecoguard.wiring",
            "ecoguard.runner",
        ),
    ),
    ("guardrails' AWS side", ("ecoguard.actions", "ecoguard.actions.*")),
    ("entry", ("ecoguard.invocation", "ecoguard.notify", "ecoguard.restore")),
)


def floor_of(module: str, layers: tuple[tuple[str, tuple[str, ...]], ...] = LAYERS) -> int | None:
    """The floor (0: the ground) whose names match ``module``; None if none does."""
    for number, (_, names) in enumerate(layers):
        for name in names:
            if module == name or (name.endswith(".*") and module.startswith(name[:-1])):
                return number
    return None


def upward_imports(
    graph: dict[str, set[str]], files: dict[str, Path], layers: tuple[tuple[str, tuple[str, ...]], ...]
) -> list[str]:
    """One line per import from a lower floor into a higher one, naming both files and both floors."""
    found = []
    for module, targets in sorted(graph.items()):
        low = floor_of(module, layers)
        for target in sorted(targets):
            high = floor_of(target, layers)
            if low is not None and high is not None and high > low:
                found.append(
                    f"{files[module].relative_to(ROOT)} ({layers[low][0]}) imports "
                    f"{files[target].relative_to(ROOT)} ({layers[high][0]})"
                )
    return found


def test_every_module_of_the_package_is_on_one_floor() -> None:
    modules = modules_under(PACKAGE, "ecoguard")
    unplaced = sorted(m for m in modules if floor_of(m) is None)
    assert unplaced == [], f"place these modules on a floor of LAYERS (and in docs/ARCHITECTURE.md): {unplaced}"
    for module in modules:
        floors = [name for name, names in LAYERS if floor_of(module, ((name, names),)) is not None]
        assert len(floors) == 1, f"{module} is on several floors: {floors}"


def test_no_module_of_the_package_imports_from_a_higher_floor() -> None:
    modules = modules_under(PACKAGE, "ecoguard")
    assert upward_imports(module_imports(modules), modules, LAYERS) == []


def test_nothing_below_the_actions_imports_a_guardrails_actions_module() -> None:
    modules = modules_under(PACKAGE, "ecoguard")
    actions = floor_of("ecoguard.actions.log_retention")
    assert actions is not None
    below = {m: t for m, t in module_imports(modules).items() if (floor_of(m) or 0) < actions}
    assert {m: sorted(t for t in ts if t.startswith("ecoguard.actions")) for m, ts in below.items()} == {
        m: [] for m in below
    }


def test_the_architecture_doc_lists_the_floors_in_this_order() -> None:
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    section = doc.split("## Layers", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\s*\d+\.\s+([^:]+):", section, re.MULTILINE)
    assert listed == [name for name, _ in reversed(LAYERS)]


def test_given_an_upward_import_then_the_check_names_both_files(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "ground.py").write_text("def helper() -> None:\n    from pkg import top  # lazy, still counted\n")
    (package / "top.py").write_text("from pkg.ground import helper\n")
    layers = (("ground", ("pkg", "pkg.ground")), ("top", ("pkg.top",)))
    modules = modules_under(package, "pkg")
    found = upward_imports(module_imports(modules), {m: ROOT / "x" / p.name for m, p in modules.items()}, layers)
    assert found == ["x/ground.py (ground) imports x/top.py (top)"]
