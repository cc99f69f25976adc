"""Whether acting restarts or interrupts anything, shown beside each saving, so a reader knows what a figure
costs in disruption.

What an action interrupts is its action unit's own statement (``ecoguard.units.ActionUnit.interrupts``). The
report sits below the guardrails' action modules and imports none of them: the entry that builds the report
passes the statements in (``ecoguard.actions.interruptions``). Advice (findings), skips and restores change
nothing, whatever the action.
"""

from __future__ import annotations

from collections.abc import Mapping

from ecoguard.decisions import Outcome

NOTHING = "nothing restarts"
NOT_STATED = "not stated for this action"
ADVICE = "nothing: advice only, nothing is changed"
SKIPPED = "nothing: skipped, nothing is changed"
RESTORED = "nothing: restored to how it was before ecoguard acted"
RESTORE_PREFIX = "restore:"


def interrupts(action: str, outcome: Outcome, stated: Mapping[str, str | None]) -> str:
    """What acting (``action``, in its latest ``outcome``) stops or restarts, as its unit states it in
    ``stated`` (action name -> the statement; None: nothing restarts)."""
    if outcome is Outcome.FINDING:
        return ADVICE
    if action.startswith(RESTORE_PREFIX):
        return RESTORED
    if outcome is Outcome.SKIPPED:
        return SKIPPED
    if action not in stated:
        return NOT_STATED
    return stated[action] or NOTHING
