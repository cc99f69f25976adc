"""The demo's short form (``make demo``; ``VERBOSE=1`` prints every scene's tables instead): per guardrail and
mode, what would change or changed, what was skipped and why, and the findings, from the audit records, in
whole words. A scene's own sentences are kept; its tables and its per-record lines are the verbose form."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome

EXAMPLES = 2
GROUPS = 3
# The words of each outcome, in the tense of its mode.
CHANGE_WORDS = {Mode.DRY_RUN: "would-apply", Mode.ENFORCE: "applied"}


class SummaryConsole(Console):
    """A console that prints a scene's sentences and drops its tables and its indented per-record lines."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        if objects and all(isinstance(o, str) and not o.startswith(" ") for o in objects):
            super().print(*objects, **kwargs)


def names(records: Sequence[AuditRecord]) -> str:
    unique = sorted({r.resource.name for r in records})
    shown = ", ".join(unique[:EXAMPLES])
    return shown if len(unique) <= EXAMPLES else f"{shown} and {len(unique) - EXAMPLES} more"


def grouped(records: Iterable[AuditRecord], key: str) -> list[tuple[str, list[AuditRecord]]]:
    groups: dict[str, list[AuditRecord]] = defaultdict(list)
    for record in records:
        groups[record.action if key == "action" else record.reason].append(record)
    return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))


def lines_of(label: str, groups: list[tuple[str, list[AuditRecord]]], *, with_names: bool = True) -> list[str]:
    lines = []
    for what, records in groups[:GROUPS]:
        tail = f": {names(records)}" if with_names else ""
        lines.append(f"  {label} {len(records)} x {what}{tail}")
    rest = sum(len(records) for _, records in groups[GROUPS:])
    if rest:
        lines.append(f"  {label} {rest} more, for {len(groups) - GROUPS} other reason(s) (VERBOSE=1 lists them)")
    return lines


def digest(records: Sequence[AuditRecord], mode: Mode, earlier: Sequence[AuditRecord] = ()) -> list[str]:
    """The lines for one guardrail's ``records`` of one ``mode``; ``earlier``: its dry-run records, so that
    findings repeated in enforce mode are counted, not printed twice."""
    by_outcome: dict[Outcome, list[AuditRecord]] = defaultdict(list)
    for record in records:
        by_outcome[record.outcome].append(record)
    changes = by_outcome[Outcome.WOULD_APPLY] + by_outcome[Outcome.APPLIED]
    lines = lines_of(f"{CHANGE_WORDS[mode]}:", grouped(changes, "action")) if changes else []
    if not changes:
        lines.append(f"  {CHANGE_WORDS[mode]}: nothing to change")
    lines += lines_of("skipped:", grouped(by_outcome[Outcome.SKIPPED], "reason"))
    findings = by_outcome[Outcome.FINDING]
    seen = {(r.resource.name, r.reason) for r in earlier if r.outcome is Outcome.FINDING}
    if findings and seen and {(r.resource.name, r.reason) for r in findings} <= seen:
        lines.append(f"  findings: the same {len(findings)} as in dry-run (advice, never acted on)")
    else:
        lines += lines_of("finding:", grouped(findings, "reason"))
    lines += lines_of("failed:", grouped(by_outcome[Outcome.FAILED], "reason"))
    return lines


def print_digest(console: Console, records: Sequence[AuditRecord], mode: Mode, earlier: Sequence[AuditRecord]) -> None:
    for line in digest(records, mode, earlier):
        console.print(escape(line), highlight=False)
