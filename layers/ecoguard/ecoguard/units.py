"""Action units: every kind of change ecoguard makes, each in one place.

A unit names its action and holds everything about it:

- ``apply``: make the change a ``PlannedAction`` describes;
- ``current``: read the resource's live state, in the shape of its audit record's ``after``;
- ``reached``: whether that state is the one the change left (the restore acts only then);
- ``undo``: put the record's ``before`` back (a step that must wait, such as an endpoint's autoscaling until
  it is InService, is returned as what is still pending, and ``follow_up`` finishes it on a later restore);
- ``irreversible``: what the change destroys that no restore brings back (deleted log events, a notebook's
  kernels), or ``FULLY_REVERSIBLE``; every unit states it (``Registry`` refuses a unit that does not);
- ``interrupts``: what acting stops or restarts for whoever uses the resource (a notebook's kernels, an
  endpoint's next request), or ``NOTHING_RESTARTS``; the impact report shows it beside each saving;
- ``permissions`` (for ``apply``) and ``restore_permissions`` (for ``current`` and ``undo``): the IAM
  actions each needs, which the least-privilege tests hold against template.yaml and the calls made.

This module is the contract only: it imports no guardrail, runner or executor, so that the executor below
the guardrails and the guardrails' own modules (``ecoguard/actions/<guardrail module>.py``, each defining
``REGISTRY``: its units, the function that runs them, and ``connect``, which builds the ports the units use
from a boto3 client factory) both import it. ``ecoguard.actions`` finds a guardrail's registry by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Plan, PlannedAction

type Clients = Callable[[str], Any]
"""A boto3 client factory: service name -> client."""

# The IAM action of each service's own tag read (``ecoguard.adapters.resource_tags``), by the service in a
# resource's ARN: a restorable unit declares its service's in ``restore_permissions``.
TAG_READS = {
    "sagemaker": "sagemaker:ListTags",
    "logs": "logs:ListTagsForResource",
    "s3": "s3:GetBucketTagging",
    "ec2": "ec2:DescribeTags",
    "bedrock": "bedrock:ListTagsForResource",
}
TAG_READ_ACTIONS = frozenset(TAG_READS.values())

FULLY_REVERSIBLE: str | None = None
"""``ActionUnit.irreversible`` of a change a restore undoes entirely."""

NOTHING_RESTARTS: str | None = None
"""``ActionUnit.interrupts`` of a change that stops or restarts nothing anyone uses (a retention, a tag)."""


class Phase(StrEnum):
    APPLY = "apply"  # ``apply``: needs ``permissions``
    RESTORE = "restore"  # ``current`` and ``undo``: need ``restore_permissions``


ACTING: ContextVar[tuple[str, Phase] | None] = ContextVar("ecoguard_acting", default=None)
"""The action unit (name, phase) whose calls are being made, for whoever observes the calls (the tests'
least-privilege check holds them against the unit's declared permissions)."""


@contextmanager
def acting(action: str, phase: Phase) -> Iterator[None]:
    token = ACTING.set((action, phase))
    try:
        yield
    finally:
        ACTING.reset(token)


class ActionUnit[P]:
    """One kind of change, bound to the ports ``P`` it acts through."""

    name: ClassVar[str]
    permissions: ClassVar[frozenset[str]]
    restore_permissions: ClassVar[frozenset[str]]
    # A destructive change is made only after the resource is read and decided again (``ecoguard.confirm``).
    confirm_first: ClassVar[bool] = False
    # Said before it happens, in the audit record's reason, and in the restore's answer: what a restore cannot
    # bring back. No default: every unit states it, ``FULLY_REVERSIBLE`` (None) when nothing is lost.
    irreversible: ClassVar[str | None]
    # What acting stops or restarts for whoever uses the resource, said beside the saving in the impact report
    # (which gets it from the entry that builds the report: ``ecoguard.actions.interruptions``), or
    # ``NOTHING_RESTARTS`` (None). No default: a unit that does not state it reads "not stated" there, and a
    # test holds every registered unit to it.
    interrupts: ClassVar[str | None]
    # False: nothing a restore could do brings the resource back; restore refuses, saying ``irreversible``.
    restorable: ClassVar[bool] = True
    # Cannot be made twice (a second DeleteEndpoint fails, a second StartPipelineExecution starts a second
    # run): after an error or a timeout, the resource is read again (``current``), and a change that took
    # effect (``took_effect``) is recorded as applied rather than failed (``ecoguard.settle``).
    unrepeatable: ClassVar[bool] = False

    def __init__(self, ports: P) -> None:
        self.ports = ports

    def apply(self, action: PlannedAction) -> None:
        raise NotImplementedError

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        """The resource's state now, in the shape of ``record.after``; None if it no longer exists."""
        raise NotImplementedError

    def reached(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        """Whether ``current`` is the state the change left."""
        return dict(current) == dict(record.after)

    def took_effect(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        """Whether ``current`` shows the change was made (its target state, or on its way there)."""
        return self.reached(record, current)

    def undo(self, record: AuditRecord) -> str | None:
        """Put ``record.before`` back; None once done, else what is still pending (``follow_up`` finishes it).

        A retried restore calls it again over a partial undo (``resumable``), so each step is skipped when it
        is already done."""
        raise NotImplementedError

    def restored(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        """Whether ``current`` shows an earlier restore attempt's undo took effect (its answer lost: an error or
        a timeout after the call), so a retry records it restored without calling again (only asked then)."""
        return dict(current) == dict(record.before)

    def resumable(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        """Whether ``current`` is what an earlier, interrupted restore attempt left part-way (an endpoint
        re-created, its autoscaling not yet), so a retry calls ``undo`` again to carry on from it."""
        return False

    def follow_up(self, record: AuditRecord) -> str | None:
        """Finish what ``undo`` left pending; None once done, else what is still pending."""
        return None

    def follow_up_due(self, record: AuditRecord) -> bool:
        """Whether the step ``undo`` left can be taken now (read, nothing changed): RestoreFunction's schedule
        finishes a step only when it is due, so a step still waiting writes no attempt."""
        return True

    def undo_steps(self, record: AuditRecord) -> tuple[str, ...]:
        """What ``undo`` would do, step by step, for the dry-run preview."""
        return (f"{_short(dict(record.after))} -> {_short(dict(record.before))}",)

    def exemption_arns(self, record: AuditRecord, current: Mapping[str, Any]) -> tuple[str, ...]:
        """The resources whose ``ecoguard:exempt`` tag a restore honours, read just before it writes (``current``:
        the resource as read): the resource itself, unless the change removed it (then its owner's, or none)."""
        return (record.resource.arn,)

    def refused_write(self, record: AuditRecord, floor_days: int) -> str | None:
        """Why ``undo`` would write what a new write is refused (a rule of ecoguard's that deletes data sooner
        than the policy's floor, ``floor_days``); None when it may go ahead. Pure: reads nothing."""
        return None


@dataclass(frozen=True)
class Registry[P]:
    """One guardrail's action units, the function that applies them, and how their ports are built."""

    guardrail: str
    function: str  # the template's logical id of the function that applies them
    units: tuple[type[ActionUnit[P]], ...]
    connect: Callable[[Clients], P]

    def __post_init__(self) -> None:
        names = [unit.name for unit in self.units]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.guardrail}: action names repeat: {names}")
        silent = [unit.__name__ for unit in self.units if not hasattr(unit, "irreversible")]
        if silent:
            raise TypeError(f"{self.guardrail}: {silent} do not state what cannot be undone (irreversible)")
        # A restore reads the exemption tag again before it writes (ecoguard.restore): its read is declared.
        untagged = [u.__name__ for u in self.units if u.restorable and not u.restore_permissions & TAG_READ_ACTIONS]
        if untagged:
            raise TypeError(f"{self.guardrail}: {untagged} declare no tag read in restore_permissions ({TAG_READS})")

    def unit_class(self, action: str) -> type[ActionUnit[P]]:
        for unit in self.units:
            if unit.name == action:
                return unit
        raise LookupError(f"the {self.guardrail} guardrail has no action {action!r}")

    def bind(self, ports: P) -> dict[str, ActionUnit[P]]:
        return {unit.name: unit(ports) for unit in self.units}

    def unit(self, action: str, clients: Clients) -> ActionUnit[P]:
        return self.unit_class(action)(self.connect(clients))


def confirms_first(units: Mapping[str, ActionUnit[Any]], plan: Plan) -> bool:
    """Whether ``plan`` makes a change that is made only after its resource is read and decided again."""
    return any(units[action.action].confirm_first for action in plan.actions)


def _short(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
