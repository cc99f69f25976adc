"""Idle endpoint decisions: pure, no AWS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoguard.decisions import Finding, PlannedAction, Skip
from ecoguard.guardrails.idle_endpoint import (
    CLEAR,
    DELETE,
    IDLE_SINCE_TAG,
    MARK,
    SCALE_COPIES_TO_ZERO,
    SCALE_TO_ZERO,
    Component,
    Endpoint,
    EndpointPlan,
    MarkChange,
    ScalingTarget,
    Variant,
    decide_endpoint,
    needs_usage,
)
from ecoguard.policy import IdleEndpointsPolicy
from tests.unit.fakes import NOW

POLICY = IdleEndpointsPolicy()
OLD = NOW - timedelta(days=3)


def endpoint(
    *,
    since: timedelta = timedelta(days=3),
    tags: dict[str, str] | None = None,
    variants: tuple[Variant, ...] = (Variant("AllTraffic", instance_count=1),),
    **kwargs: object,
) -> Endpoint:
    return Endpoint(
        name="churn",
        arn="arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn",
        status="InService",
        config_name="churn-config",
        in_service_since=NOW - since,
        variants=variants,
        tags=tags or {},
        **kwargs,  # type: ignore[arg-type]
    )


def test_given_no_invocations_for_the_window_and_no_mark_then_it_is_marked_not_deleted() -> None:
    plan = decide_endpoint(endpoint(), 0.0, None, POLICY, NOW)
    assert isinstance(plan.decision, PlannedAction)
    assert plan.decision.action == MARK
    assert plan.decision.after == {IDLE_SINCE_TAG: "2026-11-26T12:00:00Z"}
    assert plan.mark is MarkChange.SET
    assert "deleted after 6 h" in plan.decision.reason


def test_given_a_mark_younger_than_the_grace_then_nothing_happens_and_the_mark_stays() -> None:
    plan = decide_endpoint(endpoint(), 0.0, NOW - timedelta(hours=5, minutes=59), POLICY, NOW)
    assert plan.decision is None and plan.mark is MarkChange.KEEP


def test_given_a_mark_older_than_the_grace_and_still_idle_then_it_is_deleted_with_what_restores_it() -> None:
    tagged = endpoint(tags={"team": "ml", IDLE_SINCE_TAG: "2026-11-26T06:00:00Z"})
    plan = decide_endpoint(tagged, 0.0, NOW - timedelta(hours=6), POLICY, NOW)
    assert isinstance(plan.decision, PlannedAction)
    assert plan.decision.action == DELETE
    assert plan.decision.before == {
        "EndpointName": "churn",
        "EndpointConfigName": "churn-config",
        "Tags": {"team": "ml"},
    }
    assert plan.decision.after == {"exists": False}
    assert plan.mark is MarkChange.CLEAR


def test_given_traffic_after_the_mark_then_the_mark_is_cleared_and_the_tag_removed() -> None:
    tagged = endpoint(tags={IDLE_SINCE_TAG: "2026-11-26T06:00:00Z"})
    plan = decide_endpoint(tagged, 3.0, NOW - timedelta(hours=7), POLICY, NOW)
    assert isinstance(plan.decision, PlannedAction)
    assert plan.decision.action == CLEAR and "traffic resumed" in plan.decision.reason
    assert plan.mark is MarkChange.CLEAR


def test_given_traffic_after_a_dry_run_mark_without_tag_then_only_the_state_is_cleared() -> None:
    plan = decide_endpoint(endpoint(), 1.0, NOW - timedelta(hours=7), POLICY, NOW)
    assert plan.decision is None and plan.mark is MarkChange.CLEAR


def test_given_a_new_endpoint_with_no_data_then_it_is_not_idle() -> None:
    plan = decide_endpoint(endpoint(since=timedelta(hours=23, minutes=59)), 0.0, None, POLICY, NOW)
    assert plan.decision is None and plan.mark is MarkChange.KEEP


def test_given_unknown_usage_then_it_is_not_idle() -> None:
    assert decide_endpoint(endpoint(), None, None, POLICY, NOW).decision is None


@given(invocations=st.floats(min_value=0.001, max_value=1e9), age_hours=st.integers(min_value=0, max_value=1000))
def test_property_an_endpoint_with_any_traffic_is_never_marked_or_deleted(invocations: float, age_hours: int) -> None:
    for marked in (None, NOW - timedelta(hours=100)):
        plan = decide_endpoint(endpoint(since=timedelta(hours=age_hours)), invocations, marked, POLICY, NOW)
        assert not (isinstance(plan.decision, PlannedAction) and plan.decision.action in (MARK, DELETE))


def test_given_a_serverless_variant_then_the_endpoint_is_left_alone() -> None:
    serverless = endpoint(variants=(Variant("AllTraffic", serverless=True),))
    assert decide_endpoint(serverless, 0.0, NOW - timedelta(days=1), POLICY, NOW).decision is None
    assert not needs_usage(serverless, POLICY)


def test_given_the_exempt_tag_on_an_idle_endpoint_then_it_is_skipped_and_any_mark_cleared() -> None:
    exempt = endpoint(tags={"ecoguard:exempt": " TRUE "})
    plan = decide_endpoint(exempt, 0.0, NOW - timedelta(days=1), POLICY, NOW)
    assert isinstance(plan.decision, Skip) and plan.decision.reason == "tagged ecoguard:exempt=true"
    assert plan.decision.before["EndpointName"] == "churn"
    assert plan.mark is MarkChange.CLEAR


def test_given_the_exempt_tag_on_a_busy_endpoint_then_nothing_is_recorded() -> None:
    exempt = endpoint(tags={"ecoguard:exempt": "true"})
    assert decide_endpoint(exempt, 5.0, None, POLICY, NOW) == EndpointPlan(None)


def test_given_the_exempt_tag_and_our_own_stale_tag_then_even_that_tag_is_left_alone() -> None:
    exempt = endpoint(tags={"ecoguard:exempt": "true", IDLE_SINCE_TAG: "2026-11-26T00:00:00Z"})
    plan = decide_endpoint(exempt, 5.0, NOW - timedelta(hours=12), POLICY, NOW)
    assert plan == EndpointPlan(None, MarkChange.CLEAR)


def test_given_an_idle_hours_tag_then_it_replaces_the_window() -> None:
    short = endpoint(since=timedelta(hours=3), tags={"ecoguard:idle-hours": "2"})
    plan = decide_endpoint(short, 0.0, None, POLICY, NOW)
    assert isinstance(plan.decision, PlannedAction) and "in 2 h" in plan.decision.reason


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", "337", ""])
def test_given_an_invalid_idle_hours_tag_then_it_is_skipped_naming_the_tag(value: str) -> None:
    plan = decide_endpoint(endpoint(tags={"ecoguard:idle-hours": value}), 0.0, None, POLICY, NOW)
    assert isinstance(plan.decision, Skip) and "ecoguard:idle-hours" in plan.decision.reason


def test_given_an_async_endpoint_without_a_zero_minimum_then_scale_to_zero_is_planned_not_deletion() -> None:
    two = (Variant("a", instance_count=2), Variant("b", instance_count=1))
    async_endpoint = endpoint(variants=two, asynchronous=True, scaling=(ScalingTarget("a", 1, 4),))
    plan = decide_endpoint(async_endpoint, 0.0, None, POLICY, NOW)
    assert isinstance(plan.decision, PlannedAction) and plan.decision.action == SCALE_TO_ZERO
    assert plan.decision.before == {
        "a": {"MinCapacity": 1, "MaxCapacity": 4},
        "b": {"MinCapacity": None, "MaxCapacity": None},
    }
    assert plan.decision.after == {"a": {"MinCapacity": 0, "MaxCapacity": 4}, "b": {"MinCapacity": 0, "MaxCapacity": 1}}


def test_given_an_async_endpoint_already_at_zero_then_nothing_is_planned() -> None:
    async_endpoint = endpoint(asynchronous=True, scaling=(ScalingTarget("AllTraffic", 0, 2),))
    assert decide_endpoint(async_endpoint, 0.0, None, POLICY, NOW).decision is None


def test_given_inference_components_then_their_copies_get_a_zero_minimum_and_nothing_is_deleted() -> None:
    hosted = endpoint(
        inference_components=True,
        components=(Component("llama", 3), Component("mistral", 1), Component("tiny", 1)),
        component_scaling=(ScalingTarget("llama", 2, 6), ScalingTarget("tiny", 0, 2)),
    )
    plan = decide_endpoint(hosted, 0.0, NOW - timedelta(days=1), POLICY, NOW)
    assert isinstance(plan.decision, PlannedAction) and plan.decision.action == SCALE_COPIES_TO_ZERO
    assert plan.decision.before == {
        "llama": {"MinCapacity": 2, "MaxCapacity": 6},
        "mistral": {"MinCapacity": None, "MaxCapacity": None},
    }
    assert plan.decision.after == {
        "llama": {"MinCapacity": 0, "MaxCapacity": 6},
        "mistral": {"MinCapacity": 0, "MaxCapacity": 1},
    }


def test_given_a_new_target_then_its_maximum_is_never_below_the_current_count() -> None:
    hosted = endpoint(inference_components=True, components=(Component("llama", 4),))
    plan = decide_endpoint(hosted, 0.0, None, POLICY, NOW)
    assert isinstance(plan.decision, PlannedAction)
    assert plan.decision.after == {"llama": {"MinCapacity": 0, "MaxCapacity": 4}}


def test_given_inference_components_and_the_scaling_turned_off_then_a_finding() -> None:
    hosted = endpoint(inference_components=True, components=(Component("llama", 1),))
    plan = decide_endpoint(hosted, 0.0, None, IdleEndpointsPolicy(components_scale_to_zero=False), NOW)
    assert isinstance(plan.decision, Finding) and plan.decision.kind == "inference-components"


def test_given_the_guardrail_disabled_or_not_in_service_then_no_decision() -> None:
    assert decide_endpoint(endpoint(), 0.0, None, IdleEndpointsPolicy(enabled=False), NOW).decision is None
    updating = Endpoint(**{**endpoint().__dict__, "status": "Updating"})
    assert decide_endpoint(updating, 0.0, None, POLICY, NOW).decision is None
