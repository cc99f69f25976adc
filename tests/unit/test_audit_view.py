"""``ecoguard audit`` at any terminal width: no field is cut (issue 30: "audit at 80 columns cuts cells")."""

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console

from ecoguard.audit import action_id_of
from ecoguard_cli.audit_view import TABLE_MIN_WIDTH, audit_view
from ecoguard_cli.guardrails import GUARDRAILS

LONG_RESOURCE = "/aws/sagemaker/Endpoints/recommendations-two-tower-retrieval-production-eu-variant-blue"
LONG_REASON = (
    "idle for 7 days: no Invocations on any variant in 168 hourly periods (policy idle_endpoint.min_idle_hours 168)"
)


def rows() -> list[dict[str, Any]]:
    return [
        {
            "recorded_at": "2026-12-07T10:00:00+00:00",
            "guardrail": guardrail,
            "outcome": outcome,
            "mode": "enforce",
            "resource": LONG_RESOURCE,
            "reason": LONG_REASON,
            "error": None,
            "action_id": action_id_of(guardrail, outcome),
        }
        for guardrail in GUARDRAILS
        for outcome in ("would-apply", "applied")
    ]


def rendered(width: int) -> str:
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115 - closed with the console
    console.print(audit_view(rows(), "audit trail of t", console.width))
    text = console.export_text()
    console.file.close()
    return text


@pytest.mark.parametrize("width", [60, 80, TABLE_MIN_WIDTH - 1, TABLE_MIN_WIDTH, 200])
def test_given_any_width_then_no_field_is_cut_and_every_action_id_is_whole(width: int) -> None:
    text = rendered(width)
    assert "…" not in text
    assert all(len(line) <= width for line in text.splitlines())
    for row in rows():
        assert row["action_id"] in text
        assert row["guardrail"] in text
    if width >= TABLE_MIN_WIDTH:
        return  # a table's folded cells interleave across columns; rich marks a cut cell with "…"
    # Folded, not cut: the long resource and reason are all there once a block's folds are joined.
    joined = "".join(
        part.strip().removeprefix("resource:").removeprefix("reason:").strip() for part in text.splitlines()
    )
    assert LONG_RESOURCE.replace(" ", "") in joined.replace(" ", "")
    assert LONG_REASON.replace(" ", "") in joined.replace(" ", "")


def test_given_a_narrow_terminal_then_records_are_blocks_and_a_wide_one_a_table() -> None:
    assert "action_id" not in rendered(TABLE_MIN_WIDTH - 1)
    assert "  action: " in rendered(TABLE_MIN_WIDTH - 1)
    assert "action_id" in rendered(TABLE_MIN_WIDTH)
