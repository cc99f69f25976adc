"""Retraining gate: alarm and monitoring-run parsing, and the pure gate decision (no AWS)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecoguard.decisions import Finding, Outcome, Plan, PlannedAction, Put, Skip, Unreadable
from ecoguard.events import EventError, parse_event
from ecoguard.guardrails.retraining_gate import (
    GUARDRAIL,
    GateState,
    Ignored,
    Inspection,
    Observation,
    Observed,
    Signal,
    Verdict,
    assess,
    claim_start,
    client_request_token,
    decide,
    display_name,
    gate_for_run,
    inspects_pipeline,
    observe_alarm,
    observe_run,
    pipeline_resource,
)
from ecoguard.monitor_events import RunOutcome, parse_alarm_change, parse_monitoring_run
from ecoguard.policy import PolicyError, RetrainingGatePolicy, build_policy
from tests.conftest import EVENTS, REFERENCE_EVENTS
from tests.unit.fakes import NOW

POLICY = RetrainingGatePolicy.model_validate(
    {
        "models": [
            {
                "name": "churn",
                "endpoint": "churn-prod",
                "monitoring_schedule": "churn-model-quality",
                "alarms": ["ServiceAggregatedAlarm"],
                "kpis": [
                    {"metric": "f1", "threshold": 0.8, "breach_when": "below"},
                    {"metric": "accuracy", "threshold": 0.85, "breach_when": "below"},
                ],
                "pipeline": {"name": "churn-retrain", "parameters": {"TrainingInstanceType": "ml.m5.xlarge"}},
            }
        ]
    }
)
GATE = POLICY.models[0]
PIPELINE = pipeline_resource(GATE, "us-east-1", "123456789012")
KEEP = timedelta(days=400)
NOTHING_IN_FLIGHT = Inspection({}, ())
ALARM_SHAPES = sorted(REFERENCE_EVENTS.glob("cloudwatch-alarm-state-change-*.json"))


def event(relative: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / "retraining_gate" / relative).read_text())
    return loaded


def observed(relative: str, policy: RetrainingGatePolicy = POLICY) -> Observation | Ignored:
    return observe_alarm(parse_alarm_change(parse_event(event(relative))), policy)


def breach(key: str = "alarm:churn-prod-f1:1", value: float = 0.71) -> Observation:
    obs = observed("model-quality-kpi-alarm.json")
    assert isinstance(obs, Observation)
    return Observation(**{**obs.__dict__, "key": key, "value": value})


def within(key: str) -> Observation:
    return Observation(**{**breach(key).__dict__, "signal": Signal.WITHIN})


def plan_for(
    state: GateState,
    obs: Observation,
    *,
    version: int = 4,
    inspection: Inspection | Unreadable | None = None,
    now: datetime = NOW,
) -> Plan:
    return decide(Observed(obs, state, version, PIPELINE, inspection), now, KEEP)


def only(plan: Plan) -> Any:
    [decision] = plan.decisions
    return decision


def confirming_state() -> GateState:
    """One breach counted: the next one confirms."""
    return assess(GateState(), breach("a"), NOW).state


def run_sequence(observations: list[Observation], step: timedelta = timedelta(hours=1)) -> list[Verdict]:
    state, verdicts, now = GateState(), [], NOW
    for obs in observations:
        result = assess(state, obs, now)
        verdicts.append(result.verdict)
        state = claim_start(result, obs, now) if result.verdict is Verdict.CONFIRMED else result.state
        now += step
    return verdicts


@pytest.mark.parametrize("path", ALARM_SHAPES, ids=lambda p: p.name)
def test_given_every_documented_alarm_shape_when_parsed_then_state_time_and_metrics_are_read(path: Path) -> None:
    change = parse_alarm_change(parse_event(json.loads(path.read_text())))
    assert change.state == "ALARM" and change.changed_at.tzinfo is not None
    assert change.composite is ("composite" in path.name)
    assert bool(change.metrics) is not change.composite
    assert change.has_expression is (("metric-math" in path.name) or ("anomaly" in path.name))
    if change.composite:
        assert change.triggering_alarms == ("arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh",)
    else:
        assert change.value is not None


@pytest.mark.parametrize("path", ALARM_SHAPES, ids=lambda p: p.name)
def test_given_the_aws_alarm_examples_on_ec2_when_observed_then_they_are_ignored(path: Path) -> None:
    policy = RetrainingGatePolicy.model_validate({"models": [{**GATE.model_dump(), "alarms": []}]})
    result = observe_alarm(parse_alarm_change(parse_event(json.loads(path.read_text()))), policy)
    assert isinstance(result, Ignored)


def test_given_a_state_timestamp_with_a_colonless_offset_then_it_is_parsed_to_the_millisecond() -> None:
    change = parse_alarm_change(parse_event(event("model-quality-kpi-alarm.json")))
    assert change.changed_at.isoformat() == "2019-10-02T17:04:40.989000+00:00"
    assert change.key == "alarm:churn-prod-f1:2019-10-02T17:04:40.989000+00:00"


def test_given_reason_data_that_is_not_json_then_the_error_names_the_field() -> None:
    raw = event("model-quality-kpi-alarm.json")
    raw["detail"]["state"]["reasonData"] = "{not json"
    with pytest.raises(EventError, match=re.escape("detail.state.reasonData")):
        parse_alarm_change(parse_event(raw))


def test_given_an_alarm_without_a_state_then_the_error_names_the_field() -> None:
    raw = event("model-quality-kpi-alarm.json")
    del raw["detail"]["state"]
    with pytest.raises(EventError, match=re.escape("detail.state")):
        parse_alarm_change(parse_event(raw))


def test_given_a_model_quality_kpi_alarm_then_it_is_a_breach_with_the_policy_threshold() -> None:
    obs = observed("model-quality-kpi-alarm.json")
    assert isinstance(obs, Observation)
    assert (obs.signal, obs.metric, obs.value, obs.threshold, obs.schedule) == (
        Signal.BREACH,
        "f1",
        0.71,
        0.8,
        "churn-model-quality",
    )


def test_given_a_metric_math_alarm_on_a_kpi_then_the_alarms_judgement_stands() -> None:
    obs = observed("model-quality-metric-math-alarm.json")
    assert isinstance(obs, Observation)
    # 81.0 is the expression's value (percent), not accuracy; it is not held against 0.85.
    assert (obs.signal, obs.metric, obs.value) == (Signal.BREACH, "accuracy", 81.0)


def test_given_a_raw_kpi_datapoint_inside_the_policy_threshold_then_it_is_not_a_breach() -> None:
    raw = event("model-quality-kpi-alarm.json")
    reason = json.loads(raw["detail"]["state"]["reasonData"]) | {"recentDatapoints": [0.83]}
    raw["detail"]["state"]["reasonData"] = json.dumps(reason)
    obs = observe_alarm(parse_alarm_change(parse_event(raw)), POLICY)
    assert isinstance(obs, Observation) and obs.signal is Signal.WITHIN


def test_given_a_drift_alarm_from_the_data_quality_schedule_when_drift_is_no_kpi_then_it_only_notifies() -> None:
    obs = observed("data-drift-alarm.json")
    assert isinstance(obs, Observation) and obs.signal is Signal.NOTICE and obs.note == "drift"
    plan = plan_for(GateState(), obs)
    decision = only(plan)
    assert isinstance(decision, Finding) and decision.kind == "drift-only"
    assert plan.state_change is not None and plan.state_change.claim is not None
    assert plan.state_change.claim.value["seen"] == [obs.key], "counted as seen, nothing else"
    assert "drift, only notified: feature_baseline_drift_tenure=0.34" in decision.reason


def test_given_a_drift_metric_made_a_kpi_then_it_is_a_breach() -> None:
    kpi = {
        "metric": "feature_baseline_drift_tenure",
        "namespace": "aws/sagemaker/Endpoints/data-metrics",
        "threshold": 0.2,
        "breach_when": "above",
    }
    policy = RetrainingGatePolicy.model_validate({"models": [{**GATE.model_dump(), "kpis": [kpi]}]})
    obs = observed("data-drift-alarm.json", policy)
    assert isinstance(obs, Observation) and obs.signal is Signal.BREACH


def test_given_a_composite_alarm_listed_by_a_model_then_it_is_a_breach_and_unlisted_it_is_ignored() -> None:
    obs = observed("alarm-composite.json")
    assert isinstance(obs, Observation) and obs.signal is Signal.BREACH
    assert obs.metric == "alarm:ServiceAggregatedAlarm"
    unlisted = RetrainingGatePolicy.model_validate({"models": [{**GATE.model_dump(), "alarms": []}]})
    assert isinstance(observed("alarm-composite.json", unlisted), Ignored)


def test_given_an_alarm_for_another_endpoint_then_it_is_ignored_with_the_reason() -> None:
    raw = event("model-quality-kpi-alarm.json")
    raw["detail"]["configuration"]["metrics"][0]["metricStat"]["metric"]["dimensions"]["Endpoint"] = "other"
    result = observe_alarm(parse_alarm_change(parse_event(raw)), POLICY)
    assert isinstance(result, Ignored) and "no model in the policy for endpoint 'other'" in result.reason


def test_given_insufficient_data_or_a_disabled_gate_then_the_alarm_is_ignored() -> None:
    raw = event("model-quality-kpi-alarm.json")
    raw["detail"]["state"]["value"] = "INSUFFICIENT_DATA"
    assert isinstance(observe_alarm(parse_alarm_change(parse_event(raw)), POLICY), Ignored)
    disabled = RetrainingGatePolicy.model_validate({**POLICY.model_dump(), "enabled": False})
    assert isinstance(observed("model-quality-kpi-alarm.json", disabled), Ignored)


def test_given_a_monitoring_run_then_violations_are_a_breach_and_a_clean_run_resets() -> None:
    run = parse_monitoring_run(parse_event(event("monitoring-run-completed-with-violations.json")))
    assert run is not None and run.schedule_name == "churn-model-quality"
    assert gate_for_run(run, POLICY) is GATE
    violated = observe_run(
        run, RunOutcome("Completed", "CompletedWithViolations: Job completed with 2 violations."), GATE
    )
    assert isinstance(violated, Observation) and (violated.signal, violated.value) == (Signal.BREACH, 2.0)
    clean = observe_run(run, RunOutcome("Completed", "Completed: Job completed successfully with no violations."), GATE)
    assert isinstance(clean, Observation) and clean.signal is Signal.WITHIN
    assert isinstance(observe_run(run, RunOutcome("Failed", "Algorithm error"), GATE), Ignored)


def test_given_an_ordinary_processing_job_then_it_is_not_a_monitoring_run() -> None:
    assert parse_monitoring_run(parse_event(event("processing-job-failed.json"))) is None


def test_given_two_consecutive_breaches_then_the_second_confirms() -> None:
    assert run_sequence([breach("a"), breach("b")]) == [Verdict.UNCONFIRMED, Verdict.CONFIRMED]


def test_given_a_breach_a_recovery_and_a_breach_then_nothing_is_confirmed() -> None:
    assert run_sequence([breach("a"), within("b"), breach("c")]) == [
        Verdict.UNCONFIRMED,
        Verdict.WITHIN,
        Verdict.UNCONFIRMED,
    ]


def test_given_a_start_then_a_confirmed_breach_inside_the_cooldown_is_refused_with_its_reason() -> None:
    verdicts = run_sequence([breach("a"), breach("b"), breach("c"), breach("d")])
    assert verdicts == [Verdict.UNCONFIRMED, Verdict.CONFIRMED, Verdict.UNCONFIRMED, Verdict.COOLDOWN]
    state = claim_start(assess(GateState(), breach("x"), NOW), breach("x"), NOW)
    state = assess(state, breach("y"), NOW).state
    refused = assess(state, breach("z"), NOW + timedelta(days=6, hours=23))
    assert refused.verdict is Verdict.COOLDOWN and "no new start before 2026-12-03T12:00:00+00:00" in refused.reason


def test_given_the_cooldown_has_passed_then_a_confirmed_breach_starts_again() -> None:
    state = claim_start(assess(GateState(), breach("x"), NOW), breach("x"), NOW)
    state = assess(state, breach("y"), NOW).state
    assert assess(state, breach("z"), NOW + timedelta(days=7)).verdict is Verdict.CONFIRMED


def test_given_no_cooldown_then_the_daily_cap_refuses_the_extra_start() -> None:
    gate = GATE.model_copy(update={"cooldown_days": 0, "confirm_breaches": 1, "max_starts_per_day": 2})
    state, verdicts = GateState(), []
    for n in range(3):
        obs = Observation(**{**breach(f"k{n}").__dict__, "gate": gate})
        result = assess(state, obs, NOW + timedelta(minutes=n))
        verdicts.append(result.verdict)
        state = claim_start(result, obs, NOW) if result.verdict is Verdict.CONFIRMED else result.state
    assert verdicts == [Verdict.CONFIRMED, Verdict.CONFIRMED, Verdict.CAP]
    tomorrow = Observation(**{**breach("k9").__dict__, "gate": gate})
    assert assess(state, tomorrow, NOW + timedelta(days=1)).verdict is Verdict.CONFIRMED


def test_given_the_same_transition_twice_then_the_second_is_a_duplicate_and_counts_nothing() -> None:
    first = assess(GateState(), breach("same"), NOW)
    again = assess(first.state, breach("same"), NOW)
    assert again.verdict is Verdict.DUPLICATE and again.state == first.state and again.streak == 1


def test_given_a_start_claimed_but_not_settled_then_the_same_breach_resumes_it_with_the_same_token() -> None:
    first = assess(confirming_state(), breach("b"), NOW)
    claimed = claim_start(first, breach("b"), NOW)
    resumed = assess(claimed, breach("b"), NOW)
    assert resumed.verdict is Verdict.RESUME
    assert not inspects_pipeline(claimed, breach("b"), NOW), "a resumed start does not look at the pipeline again"
    original = only(plan_for(confirming_state(), breach("b"), inspection=NOTHING_IN_FLIGHT))
    again_plan = plan_for(claimed, breach("b"), inspection=Inspection({}, ("arn:running",)))
    again = only(again_plan)
    assert isinstance(original, PlannedAction) and isinstance(again, PlannedAction)
    assert again.after == original.after
    # Nothing is claimed again; once done (or failed) the start is no longer pending.
    change = again_plan.state_change
    assert change is not None and change.claim is None and change.version == 4
    done = Put({**claimed.to_dict(), "pending": None}, KEEP)
    assert change.settled(Outcome.APPLIED) == change.settled(Outcome.FAILED) == done


def test_given_a_confirmed_breach_then_the_plan_starts_the_pipeline_with_the_breach_context() -> None:
    assert inspects_pipeline(confirming_state(), breach("b"), NOW)
    decision = only(plan_for(confirming_state(), breach("b"), inspection=NOTHING_IN_FLIGHT))
    assert isinstance(decision, PlannedAction)
    assert decision.resource.arn == "arn:aws:sagemaker:us-east-1:123456789012:pipeline/churn-retrain"
    assert decision.after["parameters"] == {
        "TrainingInstanceType": "ml.m5.xlarge",
        "EcoguardBreachMetric": "f1",
        "EcoguardBreachValue": "0.71",
        "EcoguardBreachThreshold": "0.8",
        "EcoguardMonitoringSchedule": "churn-model-quality",
    }
    assert decision.before == {"pipeline": "churn-retrain", "execution": None}
    assert "breach 2 of 2 consecutive" in decision.reason


def test_given_an_execution_in_flight_or_an_exempt_pipeline_then_the_confirmed_breach_is_refused() -> None:
    in_flight = Inspection({}, ("arn:aws:sagemaker:x:pipeline/p/execution/1",))
    busy_plan = plan_for(confirming_state(), breach("b"), inspection=in_flight)
    busy = only(busy_plan)
    assert isinstance(busy, Skip) and "execution in flight: arn:aws:sagemaker:x:pipeline/p/execution/1" in busy.reason
    exempt = only(plan_for(confirming_state(), breach("b"), inspection=Inspection({"ecoguard:exempt": "True "}, ())))
    assert isinstance(exempt, Skip) and "ecoguard:exempt=true" in exempt.reason
    # Refused: the breach is counted, no start is claimed (no cooldown begins).
    change = busy_plan.state_change
    assert change is not None and change.claim is not None and not change.settle and change.otherwise is None
    assert change.claim.value == assess(confirming_state(), breach("b"), NOW).state.to_dict()
    assert change.claim.value["last_start"] is None and change.claim.value["pending"] is None


def test_given_the_same_breach_then_the_token_is_the_same_and_another_breach_gets_another() -> None:
    assert client_request_token(GATE, breach("a")) == client_request_token(GATE, breach("a"))
    assert client_request_token(GATE, breach("a")) != client_request_token(GATE, breach("b"))
    other_model = GATE.model_copy(update={"name": "fraud"})
    assert client_request_token(other_model, breach("a")) != client_request_token(GATE, breach("a"))


@given(st.text(min_size=1, max_size=2000))
def test_given_any_breach_key_then_the_token_and_display_name_satisfy_sagemakers_constraints(key: str) -> None:
    obs = breach(key)
    token, name = client_request_token(GATE, obs), display_name(GATE, obs)
    assert 32 <= len(token) <= 128 and all(c.isalnum() or c == "-" for c in token)
    assert len(name) <= 82 and name[0].isalnum() and all(c.isalnum() or c == "-" for c in name)


def test_given_state_when_round_tripped_through_a_dict_then_it_is_unchanged() -> None:
    state = claim_start(assess(GateState(), breach("a"), NOW), breach("a"), NOW)
    assert GateState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


@pytest.mark.parametrize(
    ("model", "field"),
    [
        ({"pipeline": {"name": "bad name"}}, ".pipeline.name"),
        ({"pipeline": {"name": "p", "parameters": {"bad key": "v"}}}, ".pipeline.parameters.bad key.[key]"),
        ({"pipeline": {"name": "p", "parameters": {"EcoguardBreachMetric": "v"}}}, ".pipeline"),
        ({"pipeline": {"name": "p", "parameters": {"K": "x" * 1025}}}, ".pipeline"),
        ({"confirm_breaches": 0}, ".confirm_breaches"),
        ({"cooldown_days": -1}, ".cooldown_days"),
        ({"kpis": [{"metric": "f1", "threshold": 0.8, "breach_when": "lower"}]}, ".kpis.0.breach_when"),
        ({"endpoint": None, "monitoring_schedule": None, "alarms": []}, ""),
    ],
)
def test_given_an_invalid_model_gate_then_the_policy_error_names_the_field(model: dict[str, Any], field: str) -> None:
    base: dict[str, Any] = {
        "name": "m",
        "endpoint": "e",
        "kpis": [{"metric": "f1", "threshold": 0.8, "breach_when": "below"}],
    }
    base["pipeline"] = {"name": "p"}
    document = {"retraining_gate": {"models": [{**base, **model}]}}
    with pytest.raises(PolicyError, match=f"invalid policy field retraining_gate.models.0{re.escape(field)}:"):
        build_policy(override_text=json.dumps(document))


def test_given_a_confirmed_start_then_the_plan_claims_it_first_and_a_failure_gives_the_claim_back() -> None:
    assessed = assess(confirming_state(), breach("b"), NOW)
    plan = plan_for(confirming_state(), breach("b"), version=7, inspection=NOTHING_IN_FLIGHT)
    change = plan.state_change
    assert change is not None and (change.key, change.version) == ("churn", 7)
    claimed = claim_start(assessed, breach("b"), NOW)
    assert change.claim == Put(claimed.to_dict(), KEEP)
    assert claimed.pending == breach("b").key and claimed.last_start == NOW
    # Done (or would-apply, or anything but a failure): the start is recorded, no longer pending.
    for outcome in (Outcome.APPLIED, Outcome.WOULD_APPLY, Outcome.DUPLICATE):
        assert change.settled(outcome) == Put({**claimed.to_dict(), "pending": None}, KEEP)
    # Failed: the state as assessed, without the claim's cooldown and cap.
    given_back = change.settled(Outcome.FAILED)
    assert given_back == Put({**assessed.state.to_dict(), "pending": None}, KEEP)
    assert isinstance(given_back, Put) and given_back.value["last_start"] is None


def test_given_the_same_observation_again_then_the_plan_writes_no_state() -> None:
    state = assess(GateState(), breach("same"), NOW).state
    plan = plan_for(state, breach("same"))
    assert plan.state_change is None
    assert isinstance(only(plan), Skip) and "duplicate" in only(plan).reason


@pytest.mark.parametrize(
    ("observation", "kind"),
    [(breach("a"), "kpi-breach-unconfirmed"), (within("a"), None)],
    ids=["unconfirmed", "within"],
)
def test_given_an_observation_that_starts_nothing_then_the_plan_claims_the_state_as_assessed(
    observation: Observation, kind: str | None
) -> None:
    plan = plan_for(GateState(), observation, version=0)
    assert [getattr(d, "kind", None) for d in plan.decisions] == ([kind] if kind else [])
    assert plan.compliant, "advice at most"
    change = plan.state_change
    assert change is not None and change.version == 0 and not change.settle and change.otherwise is None
    assert change.claim == Put(assess(GateState(), observation, NOW).state.to_dict(), KEEP)
    assert not inspects_pipeline(GateState(), observation, NOW)


def test_given_a_pipeline_that_could_not_be_inspected_then_the_plan_is_unreadable_and_writes_no_state() -> None:
    failure = Unreadable(GUARDRAIL, PIPELINE, "ListTags: AccessDeniedException: no")
    plan = plan_for(confirming_state(), breach("b"), inspection=failure)
    assert plan.decisions == () and plan.state_change is None
    assert plan.unreadable is not None and plan.unreadable.resource == PIPELINE
    assert plan.unreadable.error.endswith("could not inspect the pipeline: ListTags: AccessDeniedException: no")
    assert "confirmed breach 2 of 2" in plan.unreadable.error
