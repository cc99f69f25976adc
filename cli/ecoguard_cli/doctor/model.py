"""What a doctor check returns, and the registry that holds the checks.

A check is a function ``(Deployment) -> list[Row]`` registered with ``@check(name, order)``; every module in
``ecoguard_cli/doctor/checks/`` is imported when the doctor runs, so a new check is one new module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ecoguard_cli.doctor.deployment import Deployment


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"  # works, but not as well as it could (a safeguard that does not hold, a gap)
    FAIL = "fail"  # ecoguard will not work as designed until this is fixed
    UNKNOWN = "unknown"  # cannot be told from here (no permission to read it, an API the SDK lacks, ...)


@dataclass(frozen=True)
class Row:
    check: str
    result: Status
    detail: str
    todo: str = ""


type Check = Callable[["Deployment"], list[Row]]


@dataclass(frozen=True)
class Registered:
    name: str
    order: int
    run: Check


CHECKS: dict[str, Registered] = {}


def check(name: str, order: int) -> Callable[[Check], Check]:
    """Register a check; ``order`` places its rows in the table (lower first)."""

    def register(run: Check) -> Check:
        if name in CHECKS and CHECKS[name].run is not run:
            raise ValueError(f"two doctor checks are named {name!r}")
        CHECKS[name] = Registered(name, order, run)
        return run

    return register
