"""Every guardrail can undo what it does: each one under ecoguard/guardrails has its action units registered
under ecoguard/actions (and no registry names a guardrail that does not exist), and every unit applies,
reads and undoes its change and declares the IAM actions it needs."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest

import ecoguard.guardrails
from ecoguard.actions import registries, registry
from ecoguard.units import ActionUnit, Registry
from tools.simulator.template import load_template

# Guardrails that only advise (findings): nothing to undo, so no action units.
ADVICE_ONLY = frozenset({"serving-advisor", "reserved-capacity"})
BOOKKEEPING = frozenset({"dynamodb", "sns", "kms", "ssm", "lambda"})
READ_VERBS = ("List", "Describe", "Get", "Search")
REGISTRIES = sorted(registries(), key=lambda r: r.guardrail)
UNITS = [(r.guardrail, unit) for r in REGISTRIES for unit in r.units]


def guardrail_names() -> set[str]:
    names = set()
    for module in pkgutil.iter_modules(ecoguard.guardrails.__path__):
        name = getattr(importlib.import_module(f"ecoguard.guardrails.{module.name}"), "GUARDRAIL", None)
        if isinstance(name, str):
            names.add(name)
    return names


def test_every_guardrail_has_a_registry_of_action_units_and_no_registry_is_orphaned() -> None:
    found = guardrail_names()
    assert len(found) >= 7
    assert found == {r.guardrail for r in REGISTRIES}
    assert len(REGISTRIES) == len(found), "one registry per guardrail"


@pytest.mark.parametrize("found", REGISTRIES, ids=lambda r: r.guardrail)
def test_each_registry_is_found_by_its_guardrail_name_and_holds_units(found: Registry[Any]) -> None:
    assert registry(found.guardrail) is found
    assert found.function
    assert found.units or found.guardrail in ADVICE_ONLY, f"{found.guardrail}: no action units"


@pytest.mark.parametrize("guardrail", sorted(ADVICE_ONLY))
def test_a_guardrail_without_units_is_advice_only_its_function_granted_no_write(guardrail: str) -> None:
    """A registry may hold no unit only when its guardrail changes nothing: its function's role is granted
    no write outside the bookkeeping every function has (audit table, notices, the policy, its continuation)."""
    found = registry(guardrail)
    assert not found.units
    statements = [
        statement
        for policy in load_template()["Resources"][found.function]["Properties"]["Policies"]
        for statement in policy["Statement"]
        if statement["Effect"] == "Allow"
    ]
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions, f"{found.function} has no grants"
    governed = {a for a in actions if a.split(":")[0] not in BOOKKEEPING}
    writes = {a for a in governed if not a.split(":")[1].startswith(READ_VERBS)}
    assert writes == set(), f"{found.function} is advice-only but is granted {sorted(writes)}"


@pytest.mark.parametrize(("guardrail", "unit"), UNITS, ids=lambda u: getattr(u, "name", str(u)))
def test_every_unit_implements_apply_current_and_undo_and_declares_its_permissions(
    guardrail: str, unit: type[ActionUnit[Any]]
) -> None:
    for method in ("apply", "current", "undo"):
        assert getattr(unit, method) is not getattr(ActionUnit, method), f"{guardrail}/{unit.name}: no {method}"
    assert unit.name, f"{guardrail}: a unit without a name"
    assert unit.permissions, f"{guardrail}/{unit.name}: no permissions for apply"
    assert unit.restore_permissions, f"{guardrail}/{unit.name}: no permissions for current and undo"
    assert all(":" in action for action in unit.permissions | unit.restore_permissions)


@pytest.mark.parametrize(("guardrail", "unit"), UNITS, ids=lambda u: getattr(u, "name", str(u)))
def test_every_unit_states_what_a_restore_cannot_bring_back(guardrail: str, unit: type[ActionUnit[Any]]) -> None:
    """``irreversible`` has no default: a unit states a reason, or ``FULLY_REVERSIBLE`` (None) on purpose."""
    stated = next((vars(c)["irreversible"] for c in unit.__mro__ if "irreversible" in vars(c)), "unstated")
    assert stated != "unstated", f"{guardrail}/{unit.name}: does not state what cannot be undone"
    assert stated is None or len(stated) > 20, f"{guardrail}/{unit.name}: say what is lost, in words"
    if not unit.restorable:
        assert stated, f"{guardrail}/{unit.name}: a unit restore refuses must say why"
