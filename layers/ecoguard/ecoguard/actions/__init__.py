"""Every guardrail's action units, found by guardrail name.

A guardrail's AWS side lives in ``ecoguard/actions/<guardrail module>.py``: its port, its runner, its action
units (``ecoguard.units``) and their ``REGISTRY``. The restore and the tests find a unit by guardrail and
action name; importing one guardrail's module imports nothing of the others.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

from ecoguard.units import Registry


def module_name(guardrail: str) -> str:
    return f"{__name__}.{guardrail.replace('-', '_')}"


def registry(guardrail: str) -> Registry[Any]:
    """The units of one guardrail (importing only its module)."""
    try:
        module = importlib.import_module(module_name(guardrail))
    except ModuleNotFoundError:
        raise LookupError(f"no actions registered for guardrail {guardrail!r}") from None
    found = getattr(module, "REGISTRY", None)
    if not isinstance(found, Registry) or found.guardrail != guardrail:
        raise LookupError(f"{module.__name__} does not register the {guardrail!r} guardrail")
    return found


def registries() -> Iterator[Registry[Any]]:
    """Every guardrail's registry (imports every module under ecoguard/actions)."""
    for info in pkgutil.iter_modules(__path__):
        found = getattr(importlib.import_module(f"{__name__}.{info.name}"), "REGISTRY", None)
        if isinstance(found, Registry):
            yield found


def interruptions() -> dict[str, str | None]:
    """Action name -> what acting stops or restarts (``ActionUnit.interrupts``; None: nothing), for every unit
    that states it: the impact report shows it beside each saving (a unit that does not is "not stated")."""
    return {unit.name: unit.interrupts for found in registries() for unit in found.units if hasattr(unit, "interrupts")}
