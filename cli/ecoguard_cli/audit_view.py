"""``ecoguard audit``'s view: one row per record, the fields an operator reads first.

A table where the terminal is wide enough for its short fields whole; below that, one short block per record,
so that no field is ever cut (an action id cut short cannot be restored).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

OUTCOME_STYLES = {"applied": "green", "would-apply": "cyan", "skipped": "yellow", "failed": "red"}
# recorded (19) + guardrail (up to 17) + outcome (11) + mode (7) + action id (16) and two columns' padding
# each make 84; below this many columns the resource and the reason would be folded a few letters a line.
TABLE_MIN_WIDTH = 120


def audit_view(rows: Sequence[Mapping[str, Any]], title: str, width: int) -> RenderableType:
    """The table at ``width`` columns or more, else the blocks."""
    return audit_table(rows, title) if width >= TABLE_MIN_WIDTH else audit_blocks(rows, title)


def audit_table(rows: Sequence[Mapping[str, Any]], title: str) -> Table:
    """Short fields never wrap; the resource and the reason share what width is left.

    Cells are plain ``Text``: a reason or a resource name is never read as rich markup.
    """
    table = Table(title=f"{title} ({len(rows):,} records)", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("recorded (UTC)", "guardrail", "outcome", "mode"):
        table.add_column(column, no_wrap=True)
    table.add_column("resource", overflow="fold", ratio=1)
    table.add_column("reason", overflow="fold", ratio=2)
    table.add_column("action_id", no_wrap=True)
    for row in rows:
        outcome = str(row["outcome"])
        table.add_row(
            Text(recorded(row)),
            Text(str(row["guardrail"])),
            Text(outcome, style=OUTCOME_STYLES.get(outcome, "")),
            Text(str(row["mode"])),
            Text(str(row["resource"])),
            Text(reason_of(row)),
            Text(str(row["action_id"])),
        )
    return table


def audit_blocks(rows: Sequence[Mapping[str, Any]], title: str) -> Group:
    """Per record: when, which guardrail, the outcome in its mode; then the resource, the reason and the id,
    each on its own indented line, folded where long (never cut). Plain ``Text``, never markup."""
    parts: list[RenderableType] = [Text(f"{title} ({len(rows):,} records)", style="italic")]
    for row in rows:
        outcome = str(row["outcome"])
        head = Text(f"{recorded(row)}  {row['guardrail']}  ")
        head.append(outcome, style=OUTCOME_STYLES.get(outcome, ""))
        head.append(f" ({row['mode']})")
        parts.append(Text(""))
        parts.append(head)
        for label, value in (("resource", row["resource"]), ("reason", reason_of(row)), ("action", row["action_id"])):
            parts.append(Text(f"  {label}: {value}", overflow="fold"))
    return Group(*parts)


def recorded(row: Mapping[str, Any]) -> str:
    return datetime.fromisoformat(str(row["recorded_at"])).strftime("%Y-%m-%d %H:%M:%S")


def reason_of(row: Mapping[str, Any]) -> str:
    reason = str(row["reason"] or "")
    if not row.get("error"):
        return reason
    return f"{reason} (error: {row['error']})" if reason else f"error: {row['error']}"
