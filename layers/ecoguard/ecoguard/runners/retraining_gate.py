"""Run the retraining gate for one alarm transition or one finished Model Monitor run.

Per observation: read the model's state, decide (pure), write the state back conditionally
(a concurrent invocation makes us re-read and re-decide), then hand the decision to the
Executor (audit first; enforce only: StartPipelineExecution). State is kept per mode, so a
dry-run rehearsal never puts an enforce deployment into cooldown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from ecoguard.adapters.pipelines import PipelinesAdapter
from ecoguard.audit import AuditRecord, AuditTrail
from ecoguard.decisions import Mode, Outcome, PlannedAction
from ecoguard.errors import AwsError
from ecoguard.events import EventBridgeEvent
from ecoguard.executor import Applier, Executor, RunSummary, Trigger
from ecoguard.guardrails.retraining_gate import (
    ACTION,
    GUARDRAIL,
    GateState,
    Ignored,
    Observation,
    Verdict,
    assess,
    claim_start,
    decide_gate,
    gate_for_run,
    observe_alarm,
    observe_run,
    pipeline_resource,
)
from ecoguard.monitor_events import parse_alarm_change, parse_monitoring_run
from ecoguard.policy import Policy
from ecoguard.runners.base import GuardrailRunner
from ecoguard.state import StateConflict, StateStore

logger = Logger(child=True)

# Concurrent invocations for the same model: re-read and re-decide this many times.
MAX_STATE_ATTEMPTS = 3


class RetrainingGateRunner(GuardrailRunner):
    guardrail = GUARDRAIL

    def __init__(
        self,
        *,
        pipelines: PipelinesAdapter,
        state: StateStore,
        audit: AuditTrail,
        policy: Policy,
        mode: Mode,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(audit=audit, policy=policy, mode=mode, clock=clock)
        self._pipelines = pipelines
        self._state = state

    def _appliers(self) -> Mapping[str, Applier]:
        return {ACTION: self._start}

    def _start(self, action: PlannedAction) -> None:
        after = action.after
        self._pipelines.start(
            str(after["pipeline"]),
            str(after["execution"]),
            str(after["clientRequestToken"]),
            dict(after["parameters"]),
            f"ecoguard: {action.reason}",
        )

    def on_alarm(self, event: EventBridgeEvent, trigger: Trigger) -> RunSummary:
        executor = self._executor(trigger)
        observed = observe_alarm(parse_alarm_change(event), self._policy.retraining_gate)
        return self._handle(observed, event, executor)

    def ignore(self, event: EventBridgeEvent, trigger: Trigger) -> RunSummary:
        return self._handle(Ignored(f"{event.detail_type} events are not judged"), event, self._executor(trigger))

    def on_processing_job(self, event: EventBridgeEvent, trigger: Trigger) -> RunSummary:
        executor = self._executor(trigger)
        run = parse_monitoring_run(event)
        if run is None:
            return self._handle(Ignored("a processing job that is not a Model Monitor run"), event, executor)
        if run.status != "Completed":
            return self._handle(Ignored(f"monitoring run {run.job_name} is {run.status}"), event, executor)
        gate = gate_for_run(run, self._policy.retraining_gate)
        if gate is None:
            return self._handle(Ignored(f"schedule {run.schedule_name} is in no model's policy"), event, executor)
        # The event is not trusted for the outcome: only DescribeProcessingJob has the ExitMessage.
        outcome = self._pipelines.run_outcome(run.job_name)
        return self._handle(observe_run(run, outcome, gate), event, executor)

    def _handle(self, observed: Observation | Ignored, event: EventBridgeEvent, executor: Executor) -> RunSummary:
        if isinstance(observed, Ignored):
            logger.info("ignored", extra={"reason": observed.reason, "event_id": event.id})
            return executor.summary
        executor.summary.evaluated += 1
        self._gate(observed, event, executor)
        return executor.summary

    def _key(self, observation: Observation) -> str:
        return f"{self._mode.value}/{observation.gate.name}"

    def _expires_at(self, now: datetime) -> int:
        return int((now + timedelta(days=self._policy.audit.ttl_days)).timestamp())

    def _gate(self, observation: Observation, event: EventBridgeEvent, executor: Executor) -> None:
        gate, key = observation.gate, self._key(observation)
        pipeline = pipeline_resource(gate, event.region, event.account)
        for _ in range(MAX_STATE_ATTEMPTS):
            now = self._clock()
            item = self._state.get(key)
            assessment = assess(GateState.from_dict(item.value), observation, now)
            tags: Mapping[str, str] = {}
            in_flight: tuple[str, ...] = ()
            if assessment.verdict is Verdict.CONFIRMED:
                try:
                    tags = self._pipelines.tags(self._pipelines.pipeline_arn(gate.pipeline.name))
                    in_flight = self._pipelines.in_flight(gate.pipeline.name)
                except AwsError as exc:
                    executor.fail(GUARDRAIL, pipeline, f"{assessment.reason}; could not inspect the pipeline: {exc}")
                    return
            decision = decide_gate(assessment, observation, pipeline, tags=tags, in_flight=in_flight)
            starting = isinstance(decision, PlannedAction)
            if assessment.verdict in (Verdict.DUPLICATE, Verdict.RESUME):
                version, stored = item.version, assessment.state
            else:
                stored = claim_start(assessment, observation, now) if starting else assessment.state
                try:
                    version = self._state.put(
                        key, stored.to_dict(), expected_version=item.version, expires_at=self._expires_at(now)
                    )
                except StateConflict:
                    logger.info("state changed under us; deciding again", extra={"model": gate.name})
                    continue
            break
        else:
            raise StateConflict(f"{key}: still contended after {MAX_STATE_ATTEMPTS} attempts")

        if decision is None:
            executor.summary.compliant += 1
            return
        outcome = executor.execute(decision)
        if not starting:
            return
        # Settle the claim: done (or already done) clears it; a failed start gives it back, so the
        # next breach may try again at once instead of waiting out a cooldown for nothing.
        settled = assessment.state if outcome is Outcome.FAILED else stored
        settled_state = GateState.from_dict({**settled.to_dict(), "pending": None})
        try:
            self._state.put(key, settled_state.to_dict(), expected_version=version, expires_at=self._expires_at(now))
        except StateConflict:
            logger.warning("could not settle the start claim; it stays pending", extra={"model": gate.name})


class RetrainingGateRestorer:
    """The honest undo of a started retraining: stop the execution if it is still running.

    A finished execution cannot be undone (its model artefacts and costs are spent); restore then
    reports the execution's status and changes nothing.
    """

    def __init__(self, pipelines: PipelinesAdapter) -> None:
        self._pipelines = pipelines

    def _execution(self, record: AuditRecord) -> tuple[str, str] | None:
        name, display = str(record.after.get("pipeline")), record.after.get("execution")
        for execution in self._pipelines.executions(name):
            if execution.display_name == display:
                return execution.arn, execution.status
        return None

    def current(self, record: AuditRecord) -> dict[str, Any] | None:
        found = self._execution(record)
        return None if found is None else {**record.after, "status": found[1]}

    def apply(self, record: AuditRecord, state: Mapping[str, Any]) -> None:
        found = self._execution(record)
        if found is None:
            raise ValueError(f"no execution {record.after.get('execution')} of {record.after.get('pipeline')}")
        token = f"{record.after['clientRequestToken']}"[:119] + "-stop"
        self._pipelines.stop(found[0], token)
