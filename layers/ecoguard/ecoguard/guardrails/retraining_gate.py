"""Retraining gate: start a model's retraining pipeline only on a confirmed KPI breach.

Rules, in order, for one observation (an alarm transition or a finished monitoring run):

1. Alarms that are not on Model Monitor metrics, or match no model in the policy, are ignored.
2. An observation already counted (same alarm transition or run, any event id) is a duplicate.
3. A KPI back within its threshold (alarm OK, clean run, or an ALARM whose datapoint the
   policy does not count as a breach) resets that KPI's streak.
4. Drift, and Model Monitor metrics that are not KPIs, only notify (a ``Finding``).
5. A KPI breach extends the streak; below ``confirm_breaches`` it is recorded, unconfirmed.
6. A confirmed breach is refused inside the cooldown, over the daily cap, when the pipeline is
   tagged ``ecoguard:exempt=true`` or when an execution of it is in flight. Otherwise: start it.

Everything here is pure: state, policy, observation and ``now`` in; a verdict or decision out.
``decide`` gives the one plan for an observation: its decision, and what becomes of the model's state (the
claim written before a start, and what settles it once the start is done or has failed).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ecoguard.decisions import (
    Decision,
    Finding,
    Outcome,
    Plan,
    PlannedAction,
    Put,
    Resource,
    Skip,
    StateChange,
    Unreadable,
)
from ecoguard.guardrails.tags import is_exempt
from ecoguard.impact import not_estimated
from ecoguard.monitor_events import AlarmChange, AlarmMetric, MonitoringRun, RunOutcome
from ecoguard.policy import (
    DATA_QUALITY_NAMESPACE,
    MODEL_QUALITY_NAMESPACE,
    KpiPolicy,
    ModelGate,
    RetrainingGatePolicy,
)

GUARDRAIL = "retraining-gate"
ACTION = "start-pipeline-execution"
MONITOR_NAMESPACES = (MODEL_QUALITY_NAMESPACE, DATA_QUALITY_NAMESPACE)
VIOLATIONS_METRIC = "monitoring-violations"
SEEN_KEPT = 50
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9-]{32,128}$")


class Signal(StrEnum):
    BREACH = "breach"
    WITHIN = "within"  # the KPI is within its threshold: the streak resets
    NOTICE = "notice"  # drift or a non-KPI metric: notify only


@dataclass(frozen=True)
class Observation:
    gate: ModelGate
    signal: Signal
    metric: str
    key: str  # identifies the transition or run, whichever event reports it
    source: Resource  # the alarm or the processing job
    value: float | None = None
    threshold: float | None = None
    breach_when: str | None = None
    schedule: str | None = None
    note: str = ""

    def describe(self) -> str:
        shown = f"{self.metric}={self.value:g}" if self.value is not None else self.metric
        if self.threshold is not None and self.breach_when:
            shown += f" ({self.breach_when} {self.threshold:g} is a breach)"
        return f"{shown} from {self.source.name}"


@dataclass(frozen=True)
class Ignored:
    reason: str


def _gate_for_metric(metric: AlarmMetric, policy: RetrainingGatePolicy) -> ModelGate | None:
    """Model quality matches on ``Endpoint`` and the model's ``monitoring_schedule``; data quality
    comes from a different (data-quality) schedule, so it matches on ``Endpoint`` alone."""
    endpoint, schedule = metric.dimension("Endpoint"), metric.dimension("MonitoringSchedule")
    for gate in policy.models:
        if metric.namespace == DATA_QUALITY_NAMESPACE:
            if gate.endpoint is not None and gate.endpoint == endpoint:
                return gate
            continue
        if gate.endpoint is None and gate.monitoring_schedule is None:
            continue
        if gate.endpoint is not None and gate.endpoint != endpoint:
            continue
        if gate.monitoring_schedule is not None and gate.monitoring_schedule != schedule:
            continue
        return gate
    return None


def _kpi(gate: ModelGate, metric: AlarmMetric) -> KpiPolicy | None:
    return next((k for k in gate.kpis if (k.namespace, k.metric) == (metric.namespace, metric.name)), None)


def is_breach(value: float, kpi: KpiPolicy) -> bool:
    return value < kpi.threshold if kpi.breach_when == "below" else value > kpi.threshold


def observe_alarm(change: AlarmChange, policy: RetrainingGatePolicy) -> Observation | Ignored:
    """What an alarm transition means for the gate, or why it is ignored."""
    if not policy.enabled:
        return Ignored("the retraining gate is disabled")
    if change.state not in ("ALARM", "OK"):
        return Ignored(f"alarm {change.alarm_name} is {change.state}: no datapoint to judge")
    source = Resource(change.alarm_arn, change.alarm_name, "AWS::CloudWatch::Alarm")
    named = next((g for g in policy.models if change.alarm_name in g.alarms), None)
    if named is not None:
        signal = Signal.BREACH if change.state == "ALARM" else Signal.WITHIN
        schedule = named.monitoring_schedule
        return Observation(named, signal, f"alarm:{change.alarm_name}", change.key, source, schedule=schedule)
    if change.composite:
        return Ignored(f"composite alarm {change.alarm_name} is not listed in any model's alarms")
    monitored = [m for m in change.metrics if m.namespace in MONITOR_NAMESPACES]
    if not monitored:
        return Ignored(f"alarm {change.alarm_name} is not on a Model Monitor metric")
    matched = [(m, g) for m in monitored if (g := _gate_for_metric(m, policy)) is not None]
    if not matched:
        first = monitored[0]
        return Ignored(
            f"alarm {change.alarm_name}: no model in the policy for endpoint {first.dimension('Endpoint')!r}, "
            f"schedule {first.dimension('MonitoringSchedule')!r}"
        )
    with_kpi = [(m, g, k) for m, g in matched if (k := _kpi(g, m)) is not None]
    if not with_kpi:
        metric, gate = matched[0]
        if change.state == "OK":
            return Ignored(f"alarm {change.alarm_name}: {metric.name} recovered; it is not a KPI")
        kind = "drift" if metric.namespace == DATA_QUALITY_NAMESPACE else "not a KPI"
        return Observation(
            gate,
            Signal.NOTICE,
            metric.name,
            change.key,
            source,
            value=change.value,
            schedule=metric.dimension("MonitoringSchedule") or gate.monitoring_schedule,
            note=kind,
        )
    metric, gate, kpi = with_kpi[0]
    schedule = metric.dimension("MonitoringSchedule") or gate.monitoring_schedule
    common: dict[str, Any] = {
        "value": change.value,
        "threshold": kpi.threshold,
        "breach_when": kpi.breach_when,
        "schedule": schedule,
    }
    if change.state == "OK":
        return Observation(gate, Signal.WITHIN, metric.name, change.key, source, **common)
    # Only a raw metric's datapoint can be held against the KPI; metric math and anomaly bands
    # report the expression's value, so there the alarm's own judgement stands.
    if change.value is not None and not change.has_expression and not is_breach(change.value, kpi):
        return Observation(
            gate, Signal.WITHIN, metric.name, change.key, source, note="the alarm fired inside the KPI", **common
        )
    return Observation(gate, Signal.BREACH, metric.name, change.key, source, **common)


def gate_for_run(run: MonitoringRun, policy: RetrainingGatePolicy) -> ModelGate | None:
    if not policy.enabled:
        return None
    return next((g for g in policy.models if g.monitoring_schedule == run.schedule_name), None)


def observe_run(run: MonitoringRun, outcome: RunOutcome, gate: ModelGate) -> Observation | Ignored:
    """A finished monitoring run of a model-quality schedule: violations are a KPI breach."""
    source = Resource(run.job_arn, run.job_name, "AWS::SageMaker::ProcessingJob")
    if not (outcome.violations_found or outcome.clean):
        return Ignored(f"monitoring run {run.job_name} ended {outcome.status}: nothing to judge")
    count = outcome.violation_count
    return Observation(
        gate,
        Signal.BREACH if outcome.violations_found else Signal.WITHIN,
        VIOLATIONS_METRIC,
        run.key,
        source,
        value=float(count) if count is not None else None,
        threshold=0.0,
        breach_when="above",
        schedule=run.schedule_name,
    )


@dataclass(frozen=True)
class GateState:
    """What the gate remembers about one model, between invocations."""

    streaks: Mapping[str, int] = field(default_factory=dict)
    seen: tuple[str, ...] = ()
    last_start: datetime | None = None
    starts: Mapping[str, int] = field(default_factory=dict)  # UTC date -> starts that day
    # The observation whose start is claimed but not yet recorded as done: a retry of that same
    # observation resumes the start (its ClientRequestToken keeps SageMaker from starting twice).
    pending: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "streaks": dict(self.streaks),
            "seen": list(self.seen),
            "last_start": self.last_start.isoformat() if self.last_start else None,
            "starts": dict(self.starts),
        }

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> GateState:
        last = value.get("last_start")
        return cls(
            streaks={str(k): int(v) for k, v in dict(value.get("streaks", {})).items()},
            seen=tuple(str(k) for k in value.get("seen", [])),
            last_start=datetime.fromisoformat(last) if last else None,
            starts={str(k): int(v) for k, v in dict(value.get("starts", {})).items()},
            pending=value.get("pending"),
        )


class Verdict(StrEnum):
    DUPLICATE = "duplicate"
    WITHIN = "within"
    NOTICE = "notice"
    UNCONFIRMED = "unconfirmed"
    COOLDOWN = "cooldown"
    CAP = "cap"
    CONFIRMED = "confirmed"
    RESUME = "resume"  # a start claimed for this observation never finished: do it again


@dataclass(frozen=True)
class Assessment:
    verdict: Verdict
    state: GateState  # to store, unless the start is claimed (see ``claim_start``)
    streak: int
    reason: str


def assess(state: GateState, observation: Observation, now: datetime) -> Assessment:
    """Count the observation against the model's state and say whether it confirms a retrain."""
    gate, metric = observation.gate, observation.metric
    current = state.streaks.get(metric, 0)
    if observation.key in state.seen:
        if state.pending == observation.key:
            why = f"resuming the start claimed for {observation.key}: {observation.describe()}"
            return Assessment(Verdict.RESUME, state, current, why)
        return Assessment(Verdict.DUPLICATE, state, current, f"duplicate: {observation.key} was already counted")
    seen = (*state.seen, observation.key)[-SEEN_KEPT:]
    if observation.signal is Signal.NOTICE:
        why = f"{observation.note}, only notified: {observation.describe()}"
        return Assessment(Verdict.NOTICE, replace(state, seen=seen), current, why)
    if observation.signal is Signal.WITHIN:
        streaks = {**state.streaks, metric: 0}
        why = f"{metric} within its KPI; streak reset"
        return Assessment(Verdict.WITHIN, replace(state, seen=seen, streaks=streaks), 0, why)

    streak = current + 1
    counted = replace(state, seen=seen, streaks={**state.streaks, metric: streak})
    progress = f"breach {streak} of {gate.confirm_breaches} consecutive: {observation.describe()}"
    if streak < gate.confirm_breaches:
        return Assessment(Verdict.UNCONFIRMED, counted, streak, f"unconfirmed {progress}")
    if state.last_start is not None:
        until = state.last_start + timedelta(days=gate.cooldown_days)
        if now < until:
            why = (
                f"confirmed {progress}; refused: inside the cooldown (last start {state.last_start.isoformat()}, "
                f"no new start before {until.isoformat()})"
            )
            return Assessment(Verdict.COOLDOWN, counted, streak, why)
    today = now.date().isoformat()
    if state.starts.get(today, 0) >= gate.max_starts_per_day:
        why = f"confirmed {progress}; refused: daily cap of {gate.max_starts_per_day} start(s) reached on {today}"
        return Assessment(Verdict.CAP, counted, streak, why)
    return Assessment(Verdict.CONFIRMED, counted, streak, f"confirmed {progress}")


def claim_start(assessment: Assessment, observation: Observation, now: datetime) -> GateState:
    """The state once a start is decided: cooldown and cap begin, every streak restarts, and the
    start stays ``pending`` until it is recorded as done."""
    today = now.date().isoformat()
    state = assessment.state
    return replace(
        state,
        streaks=dict.fromkeys(state.streaks, 0),
        last_start=now,
        starts={today: state.starts.get(today, 0) + 1},
        pending=observation.key,
    )


def pipeline_resource(gate: ModelGate, region: str, account: str) -> Resource:
    # SageMaker lower-cases the pipeline name in its ARN.
    arn = f"arn:aws:sagemaker:{region}:{account}:pipeline/{gate.pipeline.name.lower()}"
    return Resource(arn, gate.pipeline.name, "AWS::SageMaker::Pipeline")


def _digest(gate: ModelGate, observation: Observation) -> str:
    return hashlib.sha256(f"{gate.name}\n{gate.pipeline.name}\n{observation.key}".encode()).hexdigest()


def client_request_token(gate: ModelGate, observation: Observation) -> str:
    """Idempotency token for StartPipelineExecution: the same breach always gives the same token.

    32 to 128 characters (SageMaker IdempotencyToken); letters, digits and hyphens only.
    """
    token = f"ecoguard-{_digest(gate, observation)}"
    assert TOKEN_PATTERN.match(token)
    return token


def display_name(gate: ModelGate, observation: Observation) -> str:
    """PipelineExecutionDisplayName (at most 82 characters): how a restore finds the execution."""
    return f"ecoguard-{_digest(gate, observation)[:32]}"


def pipeline_parameters(gate: ModelGate, observation: Observation) -> dict[str, str]:
    names = gate.pipeline.breach_parameters
    context = {
        names.metric: observation.metric,
        names.value: "" if observation.value is None else f"{observation.value:g}",
        names.threshold: "" if observation.threshold is None else f"{observation.threshold:g}",
        names.schedule: observation.schedule or "",
    }
    return {**gate.pipeline.parameters, **{k: v for k, v in context.items() if k is not None}}


def _decision(
    assessment: Assessment,
    observation: Observation,
    pipeline: Resource,
    *,
    tags: Mapping[str, str],
    in_flight: tuple[str, ...],
) -> Decision | None:
    """The audited decision. ``tags`` and ``in_flight`` are only read for a confirmed breach."""
    gate = observation.gate
    verdict, reason = assessment.verdict, assessment.reason
    if verdict is Verdict.WITHIN:
        return None
    if verdict is Verdict.NOTICE:
        evidence = {"metric": observation.metric, "value": observation.value, "schedule": observation.schedule}
        kind = "drift-only" if observation.note == "drift" else "non-kpi-metric"
        return Finding(GUARDRAIL, observation.source, kind, reason, evidence)
    if verdict is Verdict.UNCONFIRMED:
        evidence = {"metric": observation.metric, "value": observation.value, "streak": assessment.streak}
        return Finding(GUARDRAIL, observation.source, "kpi-breach-unconfirmed", reason, evidence)
    before = {"pipeline": gate.pipeline.name, "execution": None}
    if verdict not in (Verdict.CONFIRMED, Verdict.RESUME):
        return Skip(GUARDRAIL, pipeline, reason, before)
    if verdict is Verdict.CONFIRMED and is_exempt(tags):
        return Skip(GUARDRAIL, pipeline, f"{reason}; refused: pipeline tagged ecoguard:exempt=true", before)
    if verdict is Verdict.CONFIRMED and in_flight:
        return Skip(GUARDRAIL, pipeline, f"{reason}; refused: execution in flight: {', '.join(in_flight)}", before)
    after = {
        "pipeline": gate.pipeline.name,
        "execution": display_name(gate, observation),
        "status": "Executing",
        "clientRequestToken": client_request_token(gate, observation),
        "parameters": pipeline_parameters(gate, observation),
    }
    impact = not_estimated(
        "the retraining run",
        f"pipeline {gate.pipeline.name}",
        "a run's energy is known when its training job completes (recorded in the model card by ecoguard); "
        "starting it is a cost, each refused start a saving of one run",
    )
    return PlannedAction(GUARDRAIL, pipeline, ACTION, before, after, f"{reason}: start {gate.pipeline.name}", impact)


@dataclass(frozen=True)
class Inspection:
    """The pipeline as read for a confirmed breach: its tags and its executions in flight."""

    tags: Mapping[str, str]
    in_flight: tuple[str, ...]


@dataclass(frozen=True)
class Observed:
    """One observation, with the model's state as stored (``version`` 0: none yet), the pipeline a start
    would run and, for a confirmed breach only (``inspects_pipeline``), that pipeline as read."""

    observation: Observation
    state: GateState
    version: int
    pipeline: Resource
    inspection: Inspection | Unreadable | None = None


def inspects_pipeline(state: GateState, observation: Observation, now: datetime) -> bool:
    """Whether the pipeline's tags and executions are read: only a confirmed breach looks at them."""
    return assess(state, observation, now).verdict is Verdict.CONFIRMED


def state_key(gate: ModelGate) -> str:
    return gate.name


def decide(observed: Observed, now: datetime, keep_state: timedelta) -> Plan:
    """The observation's decision, and its state change on the model's state (kept ``keep_state``):

    - a duplicate writes nothing;
    - a start resumed (``RESUME``) claims nothing again; once done, or failed, it is no longer pending;
    - a start decided claims the start (cooldown and cap begin, ``pending``) before it is made; once
      done it is no longer pending; failed, the claim is given back (the state as assessed), so the next
      breach may try again at once instead of waiting out a cooldown for nothing;
    - anything else claims the state as assessed (the observation counted).

    A pipeline that could not be inspected is recorded as failed, and the state is left as it is.
    """
    observation, pipeline = observed.observation, observed.pipeline
    assessment = assess(observed.state, observation, now)
    inspection = observed.inspection
    if assessment.verdict is Verdict.CONFIRMED and isinstance(inspection, Unreadable):
        error = f"{assessment.reason}; could not inspect the pipeline: {inspection.error}"
        return Plan(unreadable=Unreadable(GUARDRAIL, pipeline, error))
    inspected = inspection if isinstance(inspection, Inspection) else Inspection({}, ())
    decision = _decision(assessment, observation, pipeline, tags=inspected.tags, in_flight=inspected.in_flight)
    decisions: tuple[Decision, ...] = () if decision is None else (decision,)
    key, version = state_key(observation.gate), observed.version
    if assessment.verdict is Verdict.DUPLICATE:
        return Plan(decisions)
    if not isinstance(decision, PlannedAction):
        return Plan(decisions, StateChange(key, version, claim=Put(assessment.state.to_dict(), keep_state)))
    if assessment.verdict is Verdict.RESUME:
        claimed = assessment.state
        claim = None
    else:
        claimed = claim_start(assessment, observation, now)
        claim = Put(claimed.to_dict(), keep_state)
    given_back = replace(assessment.state, pending=None)
    done = replace(claimed, pending=None)
    return Plan(
        decisions,
        StateChange(
            key,
            version,
            claim=claim,
            settle={Outcome.FAILED: Put(given_back.to_dict(), keep_state)},
            otherwise=Put(done.to_dict(), keep_state),
        ),
    )
