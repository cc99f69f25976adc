"""``ecoguard audit``'s table: one row per record, the fields an operator reads first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

OUTCOME_STYLES = {"applied": "green", "would-apply": "cyan", "skipped": "yellow", "failed": "red"}


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
            Text(datetime.fromisoformat(str(row["recorded_at"])).strftime("%Y-%m-%d %H:%M:%S")),
            Text(str(row["guardrail"])),
            Text(outcome, style=OUTCOME_STYLES.get(outcome, "")),
            Text(str(row["mode"])),
            Text(str(row["resource"])),
            Text(reason_of(row)),
            Text(str(row["action_id"])),
        )
    return table


def reason_of(row: Mapping[str, Any]) -> str:
    reason = str(row["reason"] or "")
    if not row.get("error"):
        return reason
    return f"{reason} (error: {row['error']})" if reason else f"error: {row['error']}"
