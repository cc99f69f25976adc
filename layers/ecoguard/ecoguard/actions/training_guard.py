"""The training guard's AWS side: its one action, stop a training job whose accelerators stay idle, and its
runner.

A stopped job cannot be resumed. Its undo re-creates the job from the recorded configuration under a new
name, ``<name>-restored-<n>``, and leaves the stopped job as it is.

The runner: a resumable sweep of in-progress jobs, or one job named by an event.

A sweep lists in-progress training jobs with the SageMaker Search API (100 a page, filtered on status
server-side; see ``adapters/sagemaker_training.py`` for why not ListTrainingJobs), and decides from the
Search records: each holds the job's description (instance type and count, start time, status) and its
tags, so no job is described and no tag is read for a job the sweep does not act on. The utilization of
every host of every job to judge on a page is fetched together, in as few GetMetricData calls as the
500-query limit allows (jobs observed at the same moment share one window).

Search's index is eventually consistent. A job the sweep would stop (or would stop, in dry-run) is
described (DescribeTrainingJob) and its tags read (ListTags) first, and decided again on that state: a job
that has finished since, or was exempted or given its own threshold since, is not stopped; the audit
record's before-state (the configuration a restore re-creates the job from) is that fresh state. A job
so new that Search does not show it yet is caught by the next sweep, or at once by its state-change
event. The IAM Deny on ``aws:ResourceTag/ecoguard:exempt`` is the backstop. An event about one job
describes it and reads its tags directly. Tuning jobs are advice only: no tags are read.

A stopped job cannot be resumed, so two sweeps must agree (``guardrails/training_guard.py``, rule 5b): for each
job judged, the sighting an earlier sweep left is read from the guard's state (``ecoguard.state``, one GetItem);
the plan writes the first sighting, or clears one, with a Put (no item is ever deleted).

Audit keys (``pk`` is the job's ARN, ``sk`` is ``<trigger id>#<action>``):

- a stop (or would-stop) is keyed by the event id or the sweep's run id, like every action;
- a finding is about the job's configuration, which does not change while it runs, so its
  trigger id is ``config``: each finding is recorded once per job (until the record expires),
  not on every 15-minute sweep;
- a skip (exempt, unknown instance type, invalid tag) is keyed by the UTC day
  (``skip-YYYY-MM-DD``): at most one record per job per day, since tags can change.

``TrainingRunners`` is what TrainingGuardFunction runs: a running job goes to the training guard, a completed
one to the model-card impact record and the right-sizing advice (one EventBridge rule).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any, ClassVar, Protocol

from aws_lambda_powertools import Logger

from ecoguard import confirm, overlap
from ecoguard.actions.model_card_impact import ModelCardImpactRunner
from ecoguard.actions.training_rightsizing import TrainingRightsizingRunner
from ecoguard.adapters.host_metrics import MetricQuery, MetricsAdapter
from ecoguard.adapters.sagemaker_training import MAX_NAME, JobRef, SageMakerTrainingAdapter
from ecoguard.audit import AuditRecord
from ecoguard.confirm import Confirmation, Fresh
from ecoguard.decisions import OUT_OF_SCOPE, Decision, Finding, Outcome, Plan, PlannedAction, Resource, Skip, Unreadable
from ecoguard.errors import Throttled
from ecoguard.events import EventBridgeEvent, status_key
from ecoguard.events.sagemaker import parse_training_event, worth_evaluating
from ecoguard.executor import Executor
from ecoguard.guardrails.training_guard import (
    ACTION,
    COUNT_STAT,
    EVIDENCE_STAT,
    GUARDRAIL,
    IN_PROGRESS,
    NAMESPACE,
    NOT_SIGHTED,
    STOPPED_STATE,
    Observation,
    ObservedJob,
    Sighting,
    TrainingJob,
    TuningJob,
    decide,
    plan_observation,
    sighting_key,
)
from ecoguard.paging import Page
from ecoguard.reading import GONE, Gone, read
from ecoguard.runner import GuardrailRunner
from ecoguard.state import StateItem, StateStore
from ecoguard.summary import RunSummary, Trigger
from ecoguard.sweep import Overlapped, Sweep, SweepResult
from ecoguard.units import ActionUnit, Clients, Registry, confirms_first
from ecoguard.wiring import Wiring

MAX_RESTORES = 99


class TrainingJobs(Protocol):
    """What stopping a job and re-creating it need (``SageMakerTrainingAdapter``)."""

    def stop(self, name: str) -> None: ...

    def status(self, name: str) -> str | None: ...

    def role(self, name: str) -> str | None: ...

    def create(self, name: str, request: Mapping[str, Any]) -> str: ...


class StopTrainingJob(ActionUnit[TrainingJobs]):
    name = ACTION
    permissions = frozenset({"sagemaker:StopTrainingJob"})
    unrepeatable = True  # a second StopTrainingJob of a Stopping or Stopped job: ValidationException
    restore_permissions = frozenset(
        {
            "sagemaker:DescribeTrainingJob",
            "sagemaker:CreateTrainingJob",
            "sagemaker:AddTags",
            "sagemaker:ListTags",
            "iam:PassRole",
        }
    )
    # The Search index can lag: the job is described and its tags read, and it is decided again, first.
    confirm_first = True
    irreversible = "a stopped training job cannot be resumed; a restore re-creates it under a new name"
    interrupts = "the training job ends; a rerun starts over unless it checkpointed"

    def apply(self, action: PlannedAction) -> None:
        self.ports.stop(action.resource.name)

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        status = self.ports.status(record.resource.name)
        return None if status is None else {"TrainingJobStatus": status}

    def reached(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # Stopping becomes Stopped without anyone's intervention.
        return current.get("TrainingJobStatus") in ("Stopping", STOPPED_STATE["TrainingJobStatus"])

    def restored(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # A job's name is never reused and a job is stopped once, so a re-creation of this one exists only through
        # a restore of this record: an earlier attempt created it and lost the answer. A second CreateTrainingJob
        # would train twice.
        return self.ports.status(candidate_name(record.resource.name, 1)) is not None

    def undo(self, record: AuditRecord) -> None:
        config = record.before.get("config")
        if not isinstance(config, Mapping) or not config:
            raise ValueError("the audit record holds no job configuration to re-create the job from")
        # iam:PassRole passes only the role the stopped job ran with: SageMaker keeps a stopped job's description,
        # and its RoleArn is read now, not taken from the record alone.
        ran_with = self.ports.role(record.resource.name)
        if ran_with is None or config.get("RoleArn") != ran_with:
            raise ValueError(
                f"the recorded role {config.get('RoleArn')!r} is not the role {record.resource.name} ran with "
                f"({ran_with or 'the job no longer exists'}); not re-created"
            )
        self.ports.create(self.new_name(record.resource.name), config)

    def new_name(self, name: str) -> str:
        for n in range(1, MAX_RESTORES + 1):
            candidate = candidate_name(name, n)
            if self.ports.status(candidate) is None:
                return candidate
        raise ValueError(f"{name} has been restored {MAX_RESTORES} times already")


def candidate_name(name: str, n: int) -> str:
    """The name of the ``n``-th re-creation of job ``name`` (within CreateTrainingJob's name length)."""
    suffix = f"-restored-{n}"
    return f"{name[: MAX_NAME - len(suffix)].rstrip('-')}{suffix}"


def connect(clients: Clients) -> SageMakerTrainingAdapter:
    return SageMakerTrainingAdapter(clients("sagemaker"))


REGISTRY = Registry(GUARDRAIL, "TrainingGuardFunction", (StopTrainingJob,), connect)


logger = Logger(child=True)

# A listed job's plan and the confirmation it rests on, made on a read thread (``TrainingGuardRunner.sweep``).
type Decided = tuple[Plan, Confirmation[ObservedJob]]


@dataclass(frozen=True)
class Collected:
    """One job as collected at ``now``: observed (with its series, if it is to be judged), gone, or
    unreadable. ``listed``: from the Search index, which can lag, so a stop is confirmed on fresh state."""

    observed: ObservedJob | TuningJob | Gone | Unreadable
    now: datetime
    listed: bool = False


class TrainingGuardRunner(GuardrailRunner):
    guardrail = GUARDRAIL
    # Each StopTrainingJob is of its own job alone; each sighting claimed and settled is its own key.
    side_by_side = True

    def __init__(
        self, wiring: Wiring, jobs: SageMakerTrainingAdapter, metrics: MetricsAdapter, sightings: StateStore
    ) -> None:
        super().__init__(wiring, REGISTRY.bind(jobs), sightings)
        self._jobs = jobs
        self._metrics = metrics
        self._sightings = sightings
        self._guard = wiring.policy.training_guard

    @classmethod
    def build(cls, wiring: Wiring) -> TrainingGuardRunner:
        return cls(
            wiring, connect(wiring.clients), MetricsAdapter(wiring.clients("cloudwatch")), wiring.state(GUARDRAIL)
        )

    def _sightings_of(self, jobs: list[TrainingJob]) -> list[Sighting]:
        """What an earlier sweep recorded of each job (rule 5b): read only for the jobs about to be judged, together
        (``StateStore.get_many``: BatchGetItem)."""
        items = self._sightings.get_many([sighting_key(job) for job in jobs])
        return [_sighting(items[sighting_key(job)]) for job in jobs]

    def sweep(self, trigger: Trigger) -> SweepResult:
        """Each page's jobs decided, and a stop confirmed on a fresh read (DescribeTrainingJob, ListTags), on the
        read threads ahead of the sweep's turn (``confirm.ahead``); recorded and acted on in listing order."""
        sweep: Sweep[Collected] = self._make_sweep()

        def decided(item: Collected, made: Decided | None, executor: Executor) -> Outcome | None:
            return self._run(item, executor, trigger, made)

        overlapped = Overlapped(self._decided, decided, overlap.READ_WORKERS)
        return sweep.run(trigger, self._executor(trigger), self._collected_page, overlapped)

    def _decided(self, item: Collected) -> Decided | None:
        """A listed job's plan, with its stop (if any) confirmed now; None for anything else (decided in turn)."""
        observed = item.observed
        if not (item.listed and isinstance(observed, ObservedJob)):
            return None
        plan = decide(observed, self._guard, item.now)
        confirmation = self._confirmation(observed, item.now)
        if not confirms_first(self._units, plan):
            return plan, confirmation
        return confirm.ahead(plan, confirmation, self._wiring.read_clock)

    def _confirmation(self, observed: ObservedJob, now: datetime) -> Confirmation[ObservedJob]:
        return Confirmation(GUARDRAIL, observed, self._reread, lambda fresh: decide(fresh, self._guard, now))

    def _collected_page(self, token: str | None) -> Page[Collected]:
        page = self._jobs.page(token)
        return Page(self.collect(page.items), page.next_token)

    def on_state_change(self, event: EventBridgeEvent, trigger: Trigger) -> RunSummary:
        detail = parse_training_event(event)
        executor = self._executor(trigger)
        if not worth_evaluating(detail):
            logger.info(
                "ignoring training job event",
                extra={"job": detail.TrainingJobName, "status": detail.TrainingJobStatus},
            )
            return executor.summary
        issues = detail.low_utilization_issues()
        if issues:
            logger.info("low-utilization rule found issues; evaluating", extra={"rules": issues})
        [collected] = self.collect([JobRef("training", detail.TrainingJobName)])
        if self._run(collected, executor, trigger) is Outcome.DEFERRED:
            raise Throttled("StopTrainingJob", "Throttling", f"deferred {detail.TrainingJobName}")
        return executor.summary

    # --- collect ------------------------------------------------------------------------------

    def collect(self, items: Iterable[TrainingJob | JobRef]) -> list[Collected]:
        """Each job as listed (a ``TrainingJob`` from the sweep's Search page) or described (a ``JobRef``: a
        training job with its tags, or a tuning job), then the series of every host of every job to judge,
        fetched together. Throttling is raised (the sweep pauses at this page); other errors are kept per
        job."""
        now = self._clock()
        collected: list[Collected] = []
        for item in items:
            if isinstance(item, TrainingJob):
                collected.append(Collected(ObservedJob(item), now, listed=True))
                continue
            job = read(GUARDRAIL, _unnamed(item), partial(self._describe, item))
            collected.append(Collected(GONE if job is None else job, now))
        return self._measured(collected)

    def _describe(self, ref: JobRef) -> ObservedJob | TuningJob | None:
        if ref.kind == "tuning":
            return self._jobs.tuning_job(ref.name)
        job = self._jobs.training_job(ref.name)
        return None if job is None else ObservedJob(job)

    def _measured(self, collected: list[Collected]) -> list[Collected]:
        """Every planned host's series, in one GetMetricData call (or as few as its 500-query limit allows)
        per window and metric: jobs observed at the same moment share one window."""
        windows: dict[tuple[datetime, datetime, int, str], list[tuple[int, Observation]]] = {}
        for index, item in enumerate(collected):
            if isinstance(item.observed, ObservedJob):
                plan = plan_observation(item.observed.job, self._guard, item.now)
                if isinstance(plan, Observation):
                    key = (plan.start, plan.end, plan.period_seconds, plan.metric)
                    windows.setdefault(key, []).append((index, plan))
        measured = list(collected)
        for (start, end, period, metric), planned in windows.items():
            jobs = [(i, collected[i].observed, plan) for i, plan in planned]
            hosts = [host for _, _, plan in jobs for host in plan.hosts]
            # Each host's Maximum, then its SampleCount (guardrails/training_guard.py, rule 5a).
            queries = [
                MetricQuery(NAMESPACE, metric, (("Host", host),), stat)
                for stat in (EVIDENCE_STAT, COUNT_STAT)
                for host in hosts
            ]
            first = jobs[0][1]
            assert isinstance(first, ObservedJob)
            results = read(GUARDRAIL, first.job.resource, partial(self._metrics.series, queries, start, end, period))
            # Each judged job's sighting is its own item: read together, in the jobs' order.
            judged = [observed.job for _, observed, _ in jobs if isinstance(observed, ObservedJob)]
            sightings = iter(self._sightings_of(judged) if isinstance(results, list) else ())
            for i, observed, plan in jobs:
                assert isinstance(observed, ObservedJob)
                counts: dict[str, dict[datetime, float]] | None = None
                if isinstance(results, list):
                    by_host = dict(zip(hosts, results[: len(hosts)], strict=True))
                    samples = dict(zip(hosts, results[len(hosts) :], strict=True))
                    series: dict[str, dict[datetime, float]] | Unreadable = {h: by_host[h] for h in plan.hosts}
                    counts = {h: samples[h] for h in plan.hosts}
                else:
                    error = results.error if isinstance(results, Unreadable) else "utilization not read"
                    series = Unreadable(GUARDRAIL, observed.job.resource, error)
                sighting = next(sightings) if isinstance(results, list) else NOT_SIGHTED
                measured[i] = replace(
                    collected[i], observed=replace(observed, series=series, counts=counts, sighting=sighting)
                )
        return measured

    # --- decide and act -----------------------------------------------------------------------

    def _run(
        self, item: Collected, executor: Executor, trigger: Trigger, made: Decided | None = None
    ) -> Outcome | None:
        observed, now = item.observed, item.now
        if observed is GONE:
            return executor.run(OUT_OF_SCOPE)
        if isinstance(observed, Unreadable):
            return executor.run(Plan(unreadable=observed))
        confirmation: Confirmation[ObservedJob] | None
        if made is not None:
            plan, confirmation = made
        else:
            plan = decide(observed, self._guard, now)
            confirmation = (
                self._confirmation(observed, now) if item.listed and isinstance(observed, ObservedJob) else None
            )
        return executor.routed(_routes(now, trigger.description)).run(plan, confirmation)

    def _reread(self, observed: ObservedJob) -> Fresh[ObservedJob]:
        """The job described and all its tags read now (Search's index can lag a status or tag change, and
        the restore re-creates the job from the description, with its tags). The series measured stays:
        the window and hosts do not change while a job runs."""
        listed = observed.job
        fresh = self._jobs.training_job(listed.name)
        if fresh is None or fresh.status != IN_PROGRESS:
            logger.info(
                "the Search index showed the job in progress; it is not now, so it is not stopped",
                extra={"job": listed.name, "status": fresh.status if fresh else "gone"},
            )
            return Fresh(None, changed=True)
        changed = fresh.governing_tags() != listed.governing_tags() or fresh.status != listed.status
        if changed:
            logger.info(
                "governing tags changed since the Search index; deciding on the tags read now",
                extra={"job": listed.name, "listed": listed.governing_tags(), "now": fresh.governing_tags()},
            )
        return Fresh(replace(observed, job=fresh), changed)


def _routes(now: datetime, cause: str) -> Callable[[Decision], Trigger | None]:
    """Advice is about a job's configuration, which does not change while it runs: recorded once per job.
    A skip is recorded at most once per job per UTC day, since tags can change."""
    config = Trigger("config", f"configuration review ({cause})")
    day = Trigger(f"skip-{now.date().isoformat()}", cause)

    def route(decision: Decision) -> Trigger | None:
        if isinstance(decision, Finding):
            return config
        return day if isinstance(decision, Skip) else None

    return route


def _unnamed(ref: JobRef) -> Resource:
    """The job's resource before it is described: its ARN is unknown, so its name keys a failure record."""
    kind = "AWS::SageMaker::TrainingJob" if ref.kind == "training" else "AWS::SageMaker::HyperParameterTuningJob"
    return Resource(f"{ref.kind}-job/{ref.name}", ref.name, kind)


@dataclass(frozen=True)
class TrainingRunners:
    """Training job state changes go to two places: a running job to the training guard, a completed one to
    the model-card impact record and the right-sizing advice. One function receives both (one EventBridge
    rule)."""

    guardrail: ClassVar[str] = GUARDRAIL

    guard: TrainingGuardRunner
    impact: ModelCardImpactRunner
    rightsizing: TrainingRightsizingRunner | None = None  # advice on a completed job (serving_advisor policy)

    @classmethod
    def build(cls, wiring: Wiring) -> TrainingRunners:
        return cls(
            TrainingGuardRunner.build(wiring),
            ModelCardImpactRunner.build(wiring),
            TrainingRightsizingRunner.build(wiring),
        )

    def on_state_change(self, event: EventBridgeEvent, trigger: Trigger) -> RunSummary:
        detail = parse_training_event(event)
        if status_key(detail.TrainingJobStatus) == "completed":
            if self.rightsizing is not None:
                self.rightsizing.on_training_completed(detail.TrainingJobName, trigger)
            return self.impact.on_training_completed(detail.TrainingJobName, trigger)
        return self.guard.on_state_change(event, trigger)

    def sweep(self, trigger: Trigger) -> SweepResult:
        return self.guard.sweep(trigger)


def _sighting(item: StateItem) -> Sighting:
    raw = item.value.get("window_end")
    return Sighting(datetime.fromisoformat(raw) if isinstance(raw, str) else None, item.version)
