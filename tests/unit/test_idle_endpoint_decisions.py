"""Idle endpoint decisions: pure, no AWS."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoguard.decisions import Decision, Finding, Outcome, Plan, PlannedAction, Put, Remove, Skip, StateChange
from ecoguard.guardrails.idle_endpoint import (
    CLEAR,
    DELETE,
    IDLE_SINCE_TAG,
    MARK,
    SCALE_COPIES_TO_ZERO,
    SCALE_TO_ZERO,
    UNMARKED,
    Component,
    Endpoint,
    IdleMark,
    ScalingTarget,
    Variant,
    decide_endpoint,
    needs_usage,
    stored_mark,
)
from ecoguard.policy import IdleEndpointsPolicy
from tests.builders.endpoint_snapshots import ARN, endpoint
from tests.unit.fakes import NOW

POLICY = IdleEndpointsPolicy()
OLD = NOW - timedelta(days=3)
VERSION = 4  # the mark's item version as read: the plan's state change expects it


def marked(ago: timedelta) -> IdleMark:
    return IdleMark(NOW - ago, VERSION)


def only(plan: Plan) -> Decision:
    [decision] = plan.decisions
    return decision


CLEARED = StateChange(ARN, VERSION, otherwise=Remove())
"""The stored mark removed, whatever the outcome (a failed untag too: the state no longer marks it)."""


def test_given_no_invocations_for_the_window_and_no_mark_then_it_is_marked_not_deleted() -> None:
    plan = decide_endpoint(endpoint(), 0.0, UNMARKED, POLICY, NOW)
    decision = only(plan)
    assert isinstance(decision, PlannedAction)
    assert decision.action == MARK
    assert decision.after == {IDLE_SINCE_TAG: "2026-11-26T12:00:00Z"}
    # The mark is stored once the tag is applied, or would be (dry-run): never after a failure.
    stored = Put({"since": "2026-11-26T12:00:00+00:00"}, timedelta(days=30))
    assert plan.state_change == StateChange(ARN, 0, settle={Outcome.APPLIED: stored, Outcome.WOULD_APPLY: stored})
    assert plan.state_change.settled(Outcome.FAILED) is None
    assert "deleted after 6 h" in decision.reason


def test_given_a_mark_younger_than_the_grace_then_nothing_happens_and_the_mark_stays() -> None:
    plan = decide_endpoint(endpoint(), 0.0, marked(timedelta(hours=5, minutes=59)), POLICY, NOW)
    assert plan == Plan()


def test_given_a_mark_older_than_the_grace_and_still_idle_then_it_is_deleted_with_what_restores_it() -> None:
    tagged = endpoint(tags={"team": "ml", IDLE_SINCE_TAG: "2026-11-26T06:00:00Z"})
    plan = decide_endpoint(tagged, 0.0, marked(timedelta(hours=6)), POLICY, NOW)
    decision = only(plan)
    assert isinstance(decision, PlannedAction)
    assert decision.action == DELETE
    assert decision.before == {
        "EndpointName": "churn",
        "EndpointConfigName": "churn-config",
        "Tags": {"team": "ml"},
    }
    assert decision.after == {"exists": False}
    # The mark goes with the endpoint, once deleted: a dry-run (or failed) deletion keeps it, to report again.
    assert plan.state_change == StateChange(ARN, VERSION, settle={Outcome.APPLIED: Remove()})
    assert [plan.state_change.settled(o) for o in (Outcome.WOULD_APPLY, Outcome.FAILED)] == [None, None]


def test_given_traffic_after_the_mark_then_the_mark_is_cleared_and_the_tag_removed() -> None:
    tagged = endpoint(tags={IDLE_SINCE_TAG: "2026-11-26T06:00:00Z"})
    plan = decide_endpoint(tagged, 3.0, marked(timedelta(hours=7)), POLICY, NOW)
    decision = only(plan)
    assert isinstance(decision, PlannedAction)
    assert decision.action == CLEAR and "traffic resumed" in decision.reason
    assert plan.state_change == CLEARED


def test_given_traffic_after_a_dry_run_mark_without_tag_then_only_the_state_is_cleared() -> None:
    plan = decide_endpoint(endpoint(), 1.0, marked(timedelta(hours=7)), POLICY, NOW)
    assert plan == Plan((), CLEARED)
    assert plan.state_change is not None and plan.state_change.settled(None) == Remove()


def test_given_a_new_endpoint_with_no_data_then_it_is_not_idle() -> None:
    plan = decide_endpoint(endpoint(since=timedelta(hours=23, minutes=59)), 0.0, UNMARKED, POLICY, NOW)
    assert plan == Plan()


def test_given_unknown_usage_then_it_is_not_idle() -> None:
    assert decide_endpoint(endpoint(), None, UNMARKED, POLICY, NOW).decisions == ()


@given(invocations=st.floats(min_value=0.001, max_value=1e9), age_hours=st.integers(min_value=0, max_value=1000))
def test_property_an_endpoint_with_any_traffic_is_never_marked_or_deleted(invocations: float, age_hours: int) -> None:
    for mark in (UNMARKED, marked(timedelta(hours=100))):
        plan = decide_endpoint(endpoint(since=timedelta(hours=age_hours)), invocations, mark, POLICY, NOW)
        assert not any(a.action in (MARK, DELETE) for a in plan.actions)
        assert plan.state_change in (None, CLEARED), "never a mark set"


def test_given_a_serverless_variant_then_the_endpoint_is_left_alone() -> None:
    serverless = endpoint(variants=(Variant("AllTraffic", serverless=True),))
    assert decide_endpoint(serverless, 0.0, marked(timedelta(days=1)), POLICY, NOW).decisions == ()
    assert not needs_usage(serverless, POLICY)


def test_given_the_exempt_tag_on_an_idle_endpoint_then_it_is_skipped_and_any_mark_cleared() -> None:
    exempt = endpoint(tags={"ecoguard:exempt": " TRUE "})
    plan = decide_endpoint(exempt, 0.0, marked(timedelta(days=1)), POLICY, NOW)
    decision = only(plan)
    assert isinstance(decision, Skip) and decision.reason == "tagged ecoguard:exempt=true"
    assert decision.before["EndpointName"] == "churn"
    assert plan.state_change == CLEARED


def test_given_the_exempt_tag_on_a_busy_endpoint_then_nothing_is_recorded() -> None:
    exempt = endpoint(tags={"ecoguard:exempt": "true"})
    assert decide_endpoint(exempt, 5.0, UNMARKED, POLICY, NOW) == Plan()


def test_given_the_exempt_tag_and_our_own_stale_tag_then_even_that_tag_is_left_alone() -> None:
    exempt = endpoint(tags={"ecoguard:exempt": "true", IDLE_SINCE_TAG: "2026-11-26T00:00:00Z"})
    plan = decide_endpoint(exempt, 5.0, marked(timedelta(hours=12)), POLICY, NOW)
    assert plan == Plan((), CLEARED)


def test_given_an_idle_hours_tag_then_it_replaces_the_window() -> None:
    short = endpoint(since=timedelta(hours=3), tags={"ecoguard:idle-hours": "2"})
    decision = only(decide_endpoint(short, 0.0, UNMARKED, POLICY, NOW))
    assert isinstance(decision, PlannedAction) and "in 2 h" in decision.reason


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", "337", ""])
def test_given_an_invalid_idle_hours_tag_then_it_is_skipped_naming_the_tag(value: str) -> None:
    plan = decide_endpoint(endpoint(tags={"ecoguard:idle-hours": value}), 0.0, UNMARKED, POLICY, NOW)
    decision = only(plan)
    assert isinstance(decision, Skip) and "ecoguard:idle-hours" in decision.reason
    assert plan.state_change is None
    marked_plan = decide_endpoint(endpoint(tags={"ecoguard:idle-hours": value}), 0.0, marked(timedelta(1)), POLICY, NOW)
    assert marked_plan.state_change == CLEARED, "a mark goes once the tag makes the endpoint a skip"


def test_given_an_async_endpoint_without_a_zero_minimum_then_scale_to_zero_is_planned_not_deletion() -> None:
    two = (Variant("a", instance_count=2), Variant("b", instance_count=1))
    async_endpoint = endpoint(variants=two, asynchronous=True, scaling=(ScalingTarget("a", 1, 4),))
    plan = decide_endpoint(async_endpoint, 0.0, UNMARKED, POLICY, NOW)
    decision = only(plan)
    assert isinstance(decision, PlannedAction) and decision.action == SCALE_TO_ZERO
    assert decision.before == {
        "a": {"MinCapacity": 1, "MaxCapacity": 4},
        "b": {"MinCapacity": None, "MaxCapacity": None},
    }
    assert decision.after == {"a": {"MinCapacity": 0, "MaxCapacity": 4}, "b": {"MinCapacity": 0, "MaxCapacity": 1}}
    assert plan.state_change is None


def test_given_an_async_endpoint_already_at_zero_then_nothing_is_planned() -> None:
    async_endpoint = endpoint(asynchronous=True, scaling=(ScalingTarget("AllTraffic", 0, 2),))
    assert decide_endpoint(async_endpoint, 0.0, UNMARKED, POLICY, NOW) == Plan()


def test_given_inference_components_then_their_copies_get_a_zero_minimum_and_nothing_is_deleted() -> None:
    hosted = endpoint(
        inference_components=True,
        components=(Component("llama", 3), Component("mistral", 1), Component("tiny", 1)),
        component_scaling=(ScalingTarget("llama", 2, 6), ScalingTarget("tiny", 0, 2)),
    )
    plan = decide_endpoint(hosted, 0.0, marked(timedelta(days=1)), POLICY, NOW)
    decision = only(plan)
    assert isinstance(decision, PlannedAction) and decision.action == SCALE_COPIES_TO_ZERO
    assert decision.before == {
        "llama": {"MinCapacity": 2, "MaxCapacity": 6},
        "mistral": {"MinCapacity": None, "MaxCapacity": None},
    }
    assert decision.after == {
        "llama": {"MinCapacity": 0, "MaxCapacity": 6},
        "mistral": {"MinCapacity": 0, "MaxCapacity": 1},
    }


def test_given_a_new_target_then_its_maximum_is_never_below_the_current_count() -> None:
    hosted = endpoint(inference_components=True, components=(Component("llama", 4),))
    decision = only(decide_endpoint(hosted, 0.0, UNMARKED, POLICY, NOW))
    assert isinstance(decision, PlannedAction)
    assert decision.after == {"llama": {"MinCapacity": 0, "MaxCapacity": 4}}


def test_given_inference_components_and_the_scaling_turned_off_then_a_finding() -> None:
    hosted = endpoint(inference_components=True, components=(Component("llama", 1),))
    decision = only(decide_endpoint(hosted, 0.0, UNMARKED, IdleEndpointsPolicy(components_scale_to_zero=False), NOW))
    assert isinstance(decision, Finding) and decision.kind == "inference-components"


def test_given_the_guardrail_disabled_or_not_in_service_then_no_decision() -> None:
    assert decide_endpoint(endpoint(), 0.0, UNMARKED, IdleEndpointsPolicy(enabled=False), NOW) == Plan()
    updating = Endpoint(**{**endpoint().__dict__, "status": "Updating"})
    assert decide_endpoint(updating, 0.0, UNMARKED, POLICY, NOW) == Plan()


def test_a_stored_mark_is_read_from_its_since_and_an_unreadable_one_is_no_mark_at_its_version() -> None:
    assert stored_mark({"since": "2026-11-26T06:00:00+00:00"}, 2) == IdleMark(NOW - timedelta(hours=6), 2)
    assert stored_mark({}, 0) == UNMARKED
    assert stored_mark({"since": "yesterday"}, 3) == IdleMark(None, 3), "overwritten (at its version) when marked"


def test_given_an_idle_endpoint_on_an_ml_capacity_reservation_then_its_deletion_names_it_and_books_no_money() -> None:
    # DescribeEndpoint ProductionVariants[].CapacityReservationConfig.MlReservationArn (SageMaker API reference):
    # reserved capacity is paid for its term, so deleting the endpoint frees it and saves no money.
    reservation = "arn:aws:sagemaker:us-east-1:123456789012:reserved-capacity/rc-0123"
    reserved = endpoint(variants=(Variant("AllTraffic", instance_count=1, capacity_reservation=reservation),))
    on_demand = only(decide_endpoint(endpoint(), 0.0, marked(timedelta(hours=6)), POLICY, NOW))
    deletion = only(decide_endpoint(reserved, 0.0, marked(timedelta(hours=6)), POLICY, NOW))
    assert isinstance(deletion, PlannedAction) and isinstance(on_demand, PlannedAction)
    assert deletion.action == DELETE and "ML capacity reservation rc-0123, paid in advance" in deletion.reason
    assert deletion.impact is not None and on_demand.impact is not None
    assert deletion.impact["usd"] == 0.0 and deletion.impact["kwh"] == on_demand.impact["kwh"]
    assert "reservation" not in on_demand.reason
