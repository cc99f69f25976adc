"""Run the retraining gate for one alarm transition or one finished Model Monitor run.

Per observation: read the model's state (and, for a confirmed breach, the pipeline's tags and executions
in flight), let the guardrail decide one plan, and hand it to the Executor, which claims the state
conditionally (a concurrent invocation makes us read and decide again), carries out the decision (audit
first; enforce only: StartPipelineExecution), then settles the claim. State is kept per mode
(``ecoguard.state``), so a dry-run rehearsal never puts an enforce deployment into cooldown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from ecoguard.actions.retraining_gate import REGISTRY
from ecoguard.adapters.pipelines import PipelinesAdapter
from ecoguard.audit import AuditTrail
from ecoguard.decisions import Mode, Outcome, Plan, Unreadable
from ecoguard.errors import Throttled
from ecoguard.events import EventBridgeEvent
from ecoguard.executor import Executor, RunSummary, Trigger
from ecoguard.guardrails.retraining_gate import (
    GUARDRAIL,
    GateState,
    Ignored,
    Inspection,
    Observation,
    Observed,
    decide,
    gate_for_run,
    inspects_pipeline,
    observe_alarm,
    observe_run,
    pipeline_resource,
    state_key,
)
from ecoguard.monitor_events import parse_alarm_change, parse_monitoring_run
from ecoguard.policy import Policy
from ecoguard.reading import GONE, read
from ecoguard.runner import GuardrailRunner
from ecoguard.settle import SETTLE_AFTER
from ecoguard.state import StateStore

logger = Logger(child=True)

# Concurrent invocations for the same model: read and decide again this many times.
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
        super().__init__(
            audit=audit, policy=policy, mode=mode, clock=clock, units=REGISTRY.bind(pipelines), state=state
        )
        self._pipelines = pipelines
        self._store = state

    def on_alarm(self, event: EventBridgeEvent, trigger: Trigger) -> RunSummary:
        observed = observe_alarm(parse_alarm_change(event), self._policy.retraining_gate)
        return self._handle(observed, event, self._executor(trigger))

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
        # A start left pending by an invocation that ended (a Lambda timeout) is settled first, from the
        # pipeline's executions: the gate has no sweep to do it.
        executor.settle_pending(SETTLE_AFTER)
        pipeline = pipeline_resource(observed.gate, event.region, event.account)
        keep_state = timedelta(days=self._policy.audit.ttl_days)

        def decided() -> Plan:
            now = self._clock()
            item = self._store.get(state_key(observed.gate))
            state = GateState.from_dict(item.value)
            inspection: Inspection | Unreadable | None = None
            if inspects_pipeline(state, observed, now):
                name = observed.gate.pipeline.name
                found = read(GUARDRAIL, pipeline, lambda: self._inspect(name))
                inspection = Unreadable(GUARDRAIL, pipeline, f"no pipeline {name}") if found is GONE else found
            return decide(Observed(observed, state, item.version, pipeline, inspection), now, keep_state)

        if executor.run_claimed(decided, MAX_STATE_ATTEMPTS) is Outcome.DEFERRED:
            # The claim stays pending: Lambda's retry of this event resumes the start (same token).
            raise Throttled("StartPipelineExecution", "Throttling", f"deferred {pipeline.name}")
        return executor.summary

    def _inspect(self, name: str) -> Inspection:
        return Inspection(self._pipelines.tags(self._pipelines.pipeline_arn(name)), self._pipelines.in_flight(name))
