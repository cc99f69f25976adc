"""Every guardrail can undo what it does: each one under ecoguard/guardrails has its action units registered
under ecoguard/actions (and no registry names a guardrail that does not exist), and every unit applies,
reads and undoes its change and declares the IAM actions it needs."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest

import ecoguard.guardrails
from ecoguard.actions import ActionUnit, Registry, registries, registry

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
    assert found.units and found.function


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
