"""The retraining gate's one action: start the model's retraining pipeline.

Its honest undo stops the execution while it still runs. A finished execution cannot be undone (its model
artefacts and costs are spent): the restore then reports the execution's status and changes nothing.

The runner: the retraining gate for one alarm transition or one finished Model Monitor run.

Per observation: read the model's state (and, for a confirmed breach, the pipeline's tags and executions
in flight), let the guardrail decide one plan, and hand it to the Executor, which claims the state
conditionally (a concurrent invocation makes us read and decide again), carries out the decision (audit
first; enforce only: StartPipelineExecution), then settles the claim. State is kept per mode
(``ecoguard.state``), so a dry-run rehearsal never puts an enforce deployment into cooldown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger

from ecoguard.adapters.alarm_history import AlarmHistoryAdapter
from ecoguard.adapters.pipelines import PipelinesAdapter
from ecoguard.audit import AuditRecord
from ecoguard.decisions import Outcome, Plan, PlannedAction, Unreadable
from ecoguard.errors import Throttled
from ecoguard.events import EventBridgeEvent
from ecoguard.executor import Executor
from ecoguard.guardrails.retraining_gate import (
    ACTION,
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
from ecoguard.reading import GONE, read
from ecoguard.runner import GuardrailRunner
from ecoguard.settle import SETTLE_AFTER
from ecoguard.state import StateStore
from ecoguard.summary import RunSummary, Trigger
from ecoguard.units import NOTHING_RESTARTS, ActionUnit, Clients, Registry
from ecoguard.wiring import Wiring

MAX_TOKEN = 119  # StopPipelineExecution's ClientRequestToken is at most 128 characters


class StartPipelineExecution(ActionUnit[PipelinesAdapter]):
    name = ACTION
    permissions = frozenset({"sagemaker:StartPipelineExecution"})
    unrepeatable = True  # a second start is a second run (unless its ClientRequestToken is still remembered)
    restore_permissions = frozenset(
        {"sagemaker:ListPipelineExecutions", "sagemaker:StopPipelineExecution", "sagemaker:ListTags"}
    )
    irreversible = "a retraining that has finished cannot be undone; a running one is stopped"
    interrupts = NOTHING_RESTARTS  # a pipeline run starts; nothing running is stopped

    def apply(self, action: PlannedAction) -> None:
        after = action.after
        self.ports.start(
            str(after["pipeline"]),
            str(after["execution"]),
            str(after["clientRequestToken"]),
            dict(after["parameters"]),
            f"ecoguard: {action.reason}",
        )

    def _execution(self, record: AuditRecord) -> tuple[str, str] | None:
        name, display = str(record.after.get("pipeline")), record.after.get("execution")
        for execution in self.ports.executions(name):
            if execution.display_name == display:
                return execution.arn, execution.status
        return None

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        # The pipeline is the resource: without an execution of the record's display name, it shows no
        # start (ListPipelineExecutions lists every execution, all pages read), not a resource gone.
        found = self._execution(record)
        if found is None:
            return {**record.after, "execution": None, "status": None}
        return {**record.after, "status": found[1]}

    def took_effect(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # An execution under the record's display name was started, whatever its status now.
        return current.get("execution") == record.after.get("execution")

    def restored(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # Stopped by an earlier attempt whose answer was lost (PipelineExecutionStatus Stopping, then Stopped).
        return current.get("status") in ("Stopping", "Stopped")

    def undo(self, record: AuditRecord) -> None:
        found = self._execution(record)
        if found is None:
            raise ValueError(f"no execution {record.after.get('execution')} of {record.after.get('pipeline')}")
        token = f"{record.after['clientRequestToken']}"[:MAX_TOKEN] + "-stop"
        self.ports.stop(found[0], token)


def connect(clients: Clients) -> PipelinesAdapter:
    return PipelinesAdapter(clients("sagemaker"))


REGISTRY = Registry(GUARDRAIL, "RetrainingGateFunction", (StartPipelineExecution,), connect)


logger = Logger(child=True)

# Concurrent invocations for the same model: read and decide again this many times.
MAX_STATE_ATTEMPTS = 3


class RetrainingGateRunner(GuardrailRunner):
    guardrail = GUARDRAIL

    def __init__(
        self, wiring: Wiring, pipelines: PipelinesAdapter, state: StateStore, alarms: AlarmHistoryAdapter
    ) -> None:
        super().__init__(wiring, REGISTRY.bind(pipelines), state)
        self._pipelines = pipelines
        self._store = state
        self._alarms = alarms

    @classmethod
    def build(cls, wiring: Wiring) -> RetrainingGateRunner:
        alarms = AlarmHistoryAdapter(wiring.clients("cloudwatch"))
        return cls(wiring, connect(wiring.clients), wiring.state(GUARDRAIL), alarms)

    def on_alarm(self, event: EventBridgeEvent, trigger: Trigger) -> RunSummary:
        change = parse_alarm_change(event)
        observed = observe_alarm(change, self._policy.retraining_gate)
        if not isinstance(observed, Ignored):
            # The event is not trusted for the transition: CloudWatch must report it (adapters/alarm_history.py).
            why = self._alarms.unconfirmed(change)
            if why is not None:
                logger.warning("alarm event not confirmed by CloudWatch", extra={"event_id": event.id, "reason": why})
                observed = Ignored(f"not confirmed by CloudWatch: {why}")
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
