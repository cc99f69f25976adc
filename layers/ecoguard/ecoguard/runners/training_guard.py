"""Run the training guard: a resumable sweep of in-progress jobs, or one job named by an event.

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

Audit keys (``pk`` is the job's ARN, ``sk`` is ``<trigger id>#<action>``):

- a stop (or would-stop) is keyed by the event id or the sweep's run id, like every action;
- a finding is about the job's configuration, which does not change while it runs, so its
  trigger id is ``config``: each finding is recorded once per job (until the record expires),
  not on every 15-minute sweep;
- a skip (exempt, unknown instance type, invalid tag) is keyed by the UTC day
  (``skip-YYYY-MM-DD``): at most one record per job per day, since tags can change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ecoguard.adapters.host_metrics import MetricQuery, MetricsAdapter
from ecoguard.adapters.sagemaker_training import MAX_NAME, JobRef, SageMakerTrainingAdapter
from ecoguard.audit import AuditRecord, AuditTrail
from ecoguard.decisions import Mode, Outcome, PlannedAction, Resource, Skip
from ecoguard.errors import AwsError, NotFound, Throttled
from ecoguard.events import SAGEMAKER_NAME, AwsTime, EventBridgeEvent, EventError
from ecoguard.executor import Applier, Executor, RunSummary, Trigger
from ecoguard.guardrails.training_guard import (
    ACTION,
    GUARDRAIL,
    IN_PROGRESS,
    NAMESPACE,
    STOPPED_STATE,
    Observation,
    TrainingJob,
    TuningJob,
    advise,
    advise_tuning,
    decide_stop,
    plan_observation,
)
from ecoguard.policy import Policy
from ecoguard.runners.base import GuardrailRunner
from ecoguard.sweep import Page, Sweep, SweepResult

logger = Logger(child=True)

TRAINING_STATE_CHANGE = "SageMaker Training Job State Change"
# Debugger / profiler rules that report under-used GPUs: their IssuesFound means "look at this job now".
LOW_UTILIZATION_RULES = ("lowgpuutilization", "batchsize")
ISSUES_FOUND = "IssuesFound"


class RuleStatus(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    RuleConfigurationName: str = ""
    RuleEvaluationStatus: str = ""


class TrainingStateChangeDetail(BaseModel):
    """The ``detail`` of a ``SageMaker Training Job State Change`` event (timestamps in any AWS form)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    TrainingJobName: str = Field(min_length=1, max_length=MAX_NAME, pattern=SAGEMAKER_NAME)
    TrainingJobStatus: str = Field(min_length=1)
    SecondaryStatus: str | None = None
    TrainingStartTime: AwsTime | None = None
    LastModifiedTime: AwsTime | None = None
    DebugRuleEvaluationStatuses: tuple[RuleStatus, ...] = ()
    ProfilerRuleEvaluationStatuses: tuple[RuleStatus, ...] = ()

    def low_utilization_issues(self) -> list[str]:
        statuses = self.DebugRuleEvaluationStatuses + self.ProfilerRuleEvaluationStatuses
        return [
            s.RuleConfigurationName
            for s in statuses
            if s.RuleEvaluationStatus == ISSUES_FOUND
            and any(rule in s.RuleConfigurationName.lower() for rule in LOW_UTILIZATION_RULES)
        ]


def parse_training_event(event: EventBridgeEvent) -> TrainingStateChangeDetail:
    try:
        return TrainingStateChangeDetail.model_validate(event.detail)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise EventError(f"malformed training job state change: field detail.{field}: {first['msg']}") from exc


def worth_evaluating(detail: TrainingStateChangeDetail) -> bool:
    """InProgress events (the job started or changed phase), or a low-utilization rule that found issues.

    A rule's IssuesFound is a reason to look at the metrics now, never a reason to stop by itself.
    Events for finished jobs are ignored without a call: AWS may deliver them out of order.
    """
    return detail.TrainingJobStatus == IN_PROGRESS or bool(detail.low_utilization_issues())


Series = dict[str, dict[datetime, float]]


@dataclass(frozen=True)
class ObservedJob:
    """One job as observed: from its Search record or described (None: gone), planned, and measured if
    it is to be judged."""

    ref: JobRef
    job: TrainingJob | TuningJob | None
    now: datetime
    plan: Observation | Skip | None = None
    series: Series | None = None
    error: str | None = None  # it could not be described
    metric_error: str | None = None  # its utilization could not be read
    listed: bool = False  # from the Search index, which can lag: described and tags read before a stop


class TrainingGuardRunner(GuardrailRunner):
    guardrail = GUARDRAIL

    def __init__(
        self,
        *,
        jobs: SageMakerTrainingAdapter,
        metrics: MetricsAdapter,
        audit: AuditTrail,
        policy: Policy,
        mode: Mode,
        clock: Callable[[], datetime],
        remaining_ms: Callable[[], int],
    ) -> None:
        super().__init__(audit=audit, policy=policy, mode=mode, clock=clock)
        self._jobs = jobs
        self._metrics = metrics
        self._guard = policy.training_guard
        self._sweep = Sweep[ObservedJob](GUARDRAIL, audit, clock, remaining_ms)

    def _appliers(self) -> Mapping[str, Applier]:
        return {ACTION: self._apply}

    def _apply(self, action: PlannedAction) -> None:
        self._jobs.stop(action.resource.name)

    def sweep(self, trigger: Trigger) -> SweepResult:
        executor = self._executor(trigger, RunSummary(GUARDRAIL, self._mode))
        return self._sweep.run(
            trigger, executor, self._observed_page, lambda item, ex: self._evaluate(item, ex, trigger.description)
        )

    def _observed_page(self, token: str | None) -> Page[ObservedJob]:
        page = self._jobs.page(token)
        return Page(self.observe(page.items), page.next_token)

    def on_state_change(self, event: EventBridgeEvent, trigger: Trigger) -> RunSummary:
        detail = parse_training_event(event)
        executor = self._executor(trigger, RunSummary(GUARDRAIL, self._mode))
        if not worth_evaluating(detail):
            logger.info(
                "ignoring training job event",
                extra={"job": detail.TrainingJobName, "status": detail.TrainingJobStatus},
            )
            return executor.summary
        issues = detail.low_utilization_issues()
        if issues:
            logger.info("low-utilization rule found issues; evaluating", extra={"rules": issues})
        [observed] = self.observe([JobRef("training", detail.TrainingJobName)])
        outcome = self._evaluate(observed, executor, trigger.description)
        if outcome is Outcome.DEFERRED:
            raise Throttled("StopTrainingJob", "Throttling", f"deferred {detail.TrainingJobName}")
        return executor.summary

    # --- observe ------------------------------------------------------------------------------

    def observe(self, items: Iterable[TrainingJob | JobRef]) -> list[ObservedJob]:
        """Plan what to measure for each job, then fetch every planned host's series together. A
        ``TrainingJob`` comes from the sweep's Search listing and is taken as listed; a ``JobRef`` is
        described (a training job with its tags). Throttling is raised (the sweep pauses at this page);
        other errors are kept per job."""
        now = self._clock()
        observed: list[ObservedJob] = []
        for item in items:
            if isinstance(item, TrainingJob):
                plan = plan_observation(item, self._guard, now)
                observed.append(ObservedJob(JobRef("training", item.name), item, now, plan, listed=True))
                continue
            try:
                if item.kind == "tuning":
                    job: TrainingJob | TuningJob | None = self._jobs.tuning_job(item.name)
                else:
                    job = self._jobs.training_job(item.name)
            except Throttled:
                raise
            except NotFound:
                job = None
            except AwsError as exc:
                observed.append(ObservedJob(item, None, now, error=str(exc)))
                continue
            plan = plan_observation(job, self._guard, now) if isinstance(job, TrainingJob) else None
            observed.append(ObservedJob(item, job, now, plan))
        return self._measured(observed)

    def _measured(self, observed: list[ObservedJob]) -> list[ObservedJob]:
        windows: dict[tuple[datetime, datetime, int, str], list[int]] = {}
        for index, item in enumerate(observed):
            if isinstance(item.plan, Observation):
                key = (item.plan.start, item.plan.end, item.plan.period_seconds, item.plan.metric)
                windows.setdefault(key, []).append(index)
        measured = list(observed)
        for (start, end, period, metric), indexes in windows.items():
            plans = [observed[i].plan for i in indexes]
            hosts = [host for plan in plans if isinstance(plan, Observation) for host in plan.hosts]
            queries = [MetricQuery(NAMESPACE, metric, (("Host", host),)) for host in hosts]
            try:
                results = dict(zip(hosts, self._metrics.series(queries, start, end, period), strict=True))
            except Throttled:
                raise
            except AwsError as exc:
                for i in indexes:
                    measured[i] = replace(observed[i], metric_error=str(exc))
                continue
            for i in indexes:
                plan = observed[i].plan
                assert isinstance(plan, Observation)
                measured[i] = replace(observed[i], series={host: results[host] for host in plan.hosts})
        return measured

    # --- decide and act -----------------------------------------------------------------------

    def _evaluate(self, item: ObservedJob, executor: Executor, cause: str) -> Outcome | None:
        executor.summary.evaluated += 1
        ref, job = item.ref, item.job
        config_exec = self._executor(Trigger("config", f"configuration review ({cause})"), executor.summary)
        if item.error is not None:
            # The ARN is unknown when the description failed; the name keys the record.
            kind = (
                "AWS::SageMaker::TrainingJob" if ref.kind == "training" else "AWS::SageMaker::HyperParameterTuningJob"
            )
            resource = Resource(f"{ref.kind}-job/{ref.name}", ref.name, kind)
            return executor.fail(GUARDRAIL, resource, item.error)
        if isinstance(job, TuningJob):
            for finding in advise_tuning(job, self._guard):
                config_exec.execute(finding)
            return None
        if job is None or job.status != IN_PROGRESS:
            # A finished job is never acted on, whatever the event said (confirmed by DescribeTrainingJob)
            # or the Search index showed (a job to stop is described again first).
            return None
        for finding in advise(job, self._guard, item.now):
            config_exec.execute(finding)
        return self._judge(item, job, executor, cause)

    def _judge(self, item: ObservedJob, job: TrainingJob, executor: Executor, cause: str) -> Outcome | None:
        plan = item.plan
        if plan is None:
            executor.summary.compliant += 1
            return None
        if isinstance(plan, Skip):
            return self._skip_executor(plan, executor, cause, item.now)
        if item.metric_error is not None or item.series is None:
            return executor.fail(GUARDRAIL, job.resource, item.metric_error or "utilization not read")
        decision = decide_stop(job, plan, item.series)
        if isinstance(decision, PlannedAction) and item.listed:
            return self._judge_on_fresh_state(item, job, executor, cause)
        if decision is None:
            executor.summary.compliant += 1
            return None
        if isinstance(decision, Skip):
            return self._skip_executor(decision, executor, cause, item.now)
        return executor.execute(decision)

    def _judge_on_fresh_state(
        self, item: ObservedJob, job: TrainingJob, executor: Executor, cause: str
    ) -> Outcome | None:
        """Describe the job and read all its tags now (Search's index can lag a status or tag change, and
        the restore re-creates the job from the description, with its tags), then decide again on them: a
        job finished since is left alone, an exemption or threshold set a moment ago counts, and the audit
        record's ``before`` holds the job as it is when it is stopped. The series measured stays: the
        window and hosts do not change while a job runs."""
        try:
            fresh = self._jobs.training_job(job.name)
        except Throttled:
            raise
        except AwsError as exc:
            return executor.fail(GUARDRAIL, job.resource, str(exc))
        if fresh is None or fresh.status != IN_PROGRESS:
            logger.info(
                "the Search index showed the job in progress; it is not now, so it is not stopped",
                extra={"job": job.name, "status": fresh.status if fresh else "gone"},
            )
            return None
        if fresh.governing_tags() != job.governing_tags():
            logger.info(
                "governing tags changed since the Search index; deciding on the tags read now",
                extra={"job": job.name, "listed": job.governing_tags(), "now": fresh.governing_tags()},
            )
        plan = plan_observation(fresh, self._guard, item.now)
        return self._judge(replace(item, job=fresh, plan=plan, listed=False), fresh, executor, cause)

    def _skip_executor(self, skip: Skip, executor: Executor, cause: str, now: datetime) -> Outcome:
        day = self._executor(Trigger(f"skip-{now.date().isoformat()}", cause), executor.summary)
        return day.execute(skip)


class TrainingGuardRestorer:
    """A stopped training job cannot be resumed: restoring re-creates it from its recorded
    configuration under a new name, ``<name>-restored-<n>``, and leaves the stopped job as it is."""

    def __init__(self, jobs: SageMakerTrainingAdapter) -> None:
        self._jobs = jobs

    def current(self, record: AuditRecord) -> dict[str, str] | None:
        status = self._jobs.status(record.resource.name)
        if status is None:
            return None
        # Stopping becomes Stopped without anyone's intervention.
        return dict(STOPPED_STATE) if status in ("Stopping", "Stopped") else {"TrainingJobStatus": status}

    def apply(self, record: AuditRecord, state: Mapping[str, Any]) -> None:
        config = state.get("config")
        if not isinstance(config, Mapping) or not config:
            raise ValueError("the audit record holds no job configuration to re-create the job from")
        self._jobs.create(self.new_name(record.resource.name), config)

    def new_name(self, name: str) -> str:
        for n in range(1, 100):
            suffix = f"-restored-{n}"
            candidate = f"{name[: MAX_NAME - len(suffix)].rstrip('-')}{suffix}"
            if self._jobs.status(candidate) is None:
                return candidate
        raise ValueError(f"{name} has been restored 99 times already")
