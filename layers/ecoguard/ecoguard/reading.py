"""The one way a runner reads one resource: throttling pauses the run, a resource gone since it was
listed is ``GONE``, and any other AWS error makes the resource ``Unreadable`` (recorded as failed, never
acted on) while the run goes on."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Literal

from ecoguard.decisions import Resource, Unreadable
from ecoguard.errors import AwsError, NotFound, Throttled


class _Gone(Enum):
    GONE = "gone"


GONE: Literal[_Gone.GONE] = _Gone.GONE
type Gone = Literal[_Gone.GONE]


def read[T](guardrail: str, resource: Resource, reader: Callable[[], T]) -> T | Gone | Unreadable:
    try:
        return reader()
    except Throttled:
        raise
    except NotFound:
        return GONE
    except AwsError as exc:
        return Unreadable(guardrail, resource, str(exc))
