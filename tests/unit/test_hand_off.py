"""How an unfinished sweep carries on: injected into GuardrailApp, never switched by the environment."""

from __future__ import annotations

from typing import Any

import pytest

from ecoguard.actions.log_retention import LogRetentionRunner
from ecoguard.invocation import MAX_HOPS, Continuation, GuardrailApp, hand_off, invoke_own_function
from ecoguard.settings import Settings, load_settings
from ecoguard.summary import Trigger

BASE = {"ECOGUARD_MODE": "dry-run", "ECOGUARD_AUDIT_TABLE": "audit-table"}


def continuation(hop: int) -> Continuation:
    return Continuation("log-retention", Trigger("run-1", "Scheduled Event run-1"), hop)


def test_given_a_guardrail_app_then_by_default_it_hands_off_by_invoking_its_own_function() -> None:
    app: GuardrailApp[Any] = GuardrailApp(LogRetentionRunner)
    assert app.hand_off is invoke_own_function


def test_given_the_environment_then_it_cannot_switch_the_hand_off() -> None:
    settings = load_settings({**BASE, "ECOGUARD_CONTINUATION": "return"})
    assert not any("continuation" in name for name in Settings.model_fields)
    assert settings == load_settings(BASE)


def test_given_an_injected_hand_off_then_it_receives_the_next_continuation_and_its_answer_is_returned() -> None:
    received: list[Continuation] = []

    def keep(settings: Settings, next_step: Continuation) -> dict[str, Any]:
        received.append(next_step)
        return next_step.payload()

    payload = hand_off(load_settings(BASE), continuation(1), keep)
    assert received == [continuation(1)]
    assert payload == {
        "ecoguard-continuation": {
            "guardrail": "log-retention",
            "run_id": "run-1",
            "description": "Scheduled Event run-1",
            "hop": 1,
        }
    }


def test_given_a_sweep_handed_off_too_often_then_it_fails_whatever_the_hand_off() -> None:
    def never(settings: Settings, next_step: Continuation) -> None:
        raise AssertionError("past the hop limit, no hand-off may run")

    assert hand_off(load_settings(BASE), continuation(MAX_HOPS), lambda s, c: c.payload()) is not None
    with pytest.raises(RuntimeError, match=f"after {MAX_HOPS} invocations"):
        hand_off(load_settings(BASE), continuation(MAX_HOPS + 1), never)
