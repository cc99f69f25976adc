"""Every guardrail can undo what it does: each one under ecoguard/guardrails has a registered restorer."""

from __future__ import annotations

import importlib
import pkgutil

import ecoguard.guardrails
from ecoguard.restorers import RESTORERS


def guardrail_names() -> set[str]:
    names = set()
    for module in pkgutil.iter_modules(ecoguard.guardrails.__path__):
        name = getattr(importlib.import_module(f"ecoguard.guardrails.{module.name}"), "GUARDRAIL", None)
        if isinstance(name, str):
            names.add(name)
    return names


def test_every_guardrail_has_a_registered_restorer_and_no_restorer_is_orphaned() -> None:
    found = guardrail_names()
    assert len(found) >= 7
    assert found == set(RESTORERS)
