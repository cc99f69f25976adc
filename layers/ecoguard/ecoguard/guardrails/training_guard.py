"""Training guard: stop SageMaker training jobs whose accelerators stay idle; advise on waste.

``decide(observed, policy, now) -> Plan``: a job's advice, then its stop (or skip). What to measure comes
from ``plan_observation`` (the runner reads that series), whether to stop from ``decide_stop``:

1. Only ``InProgress`` jobs; anything else (finished, stopping) gets no decision.
2. Unknown instance types, heterogeneous clusters and Neuron (Trainium/Inferentia) jobs cannot
   be measured from ``GPUUtilization``: they are skipped with the reason, never stopped.
3. No judgement before ``TrainingStartTime + warmup + window``: the window starts after warm-up.
4. Utilization comes from ``/aws/sagemaker/TrainingJobs`` per host ``<job>/algo-<n>``. CloudWatch
   reports it up to 100 x the GPUs (or vCPUs) of the instance, so each value is divided by that
   count. For every period in the window the normalized values are **averaged over the hosts**:
   one idle host among busy ones does not make the job idle (a straggler is not a wasted
   cluster), and one busy host among idle ones keeps it running only if it lifts the average
   over the threshold.
5. The job is idle only when every period of the window has a datapoint from every host and
   every period's average is below the threshold. Missing datapoints never count as idle.
5a. Evidence others cannot fake: ``/aws/sagemaker/TrainingJobs`` is not reserved (PutMetricData reserves
   only ``AWS/``), so any principal allowed ``cloudwatch:PutMetricData`` can add datapoints to a host's
   series. Each period is read as its **Maximum** (added low datapoints cannot hide the real busy ones,
   which cannot be removed) with its **SampleCount**: SageMaker publishes one datapoint per host per minute
   (``SAGEMAKER_CADENCE_SECONDS``), so a period holding more than ``period / 60`` samples was written to by
   someone else. That is an ``evidence-anomaly`` finding naming the hosts and periods, never a stop.
5b. Two sweeps that agree: a stopped job cannot be resumed, so one window's evidence never stops it. The first
   sweep that finds the job idle records an ``idle-first-sighting`` finding and its window's end (the guard's
   state, ``ecoguard.state``, keyed by the job's ARN); only a later sweep whose window ends at least one period
   after that one, while the two windows still overlap, and that finds the job idle again, stops it. A sweep
   that does not find it idle clears the sighting. An event about one job is judged the same way.
6. ``ecoguard:min-gpu-util=N`` (0 < N <= 100) replaces the GPU threshold; ``ecoguard:exempt=true``
   turns the stop into a recorded skip. These two are the ``GOVERNING_TAGS``: no other tag changes a
   decision (a sweep reads them from the Search record; a job about to be stopped is decided again on
   its tags read then).

Advice (``advise``, ``advise_tuning``) never acts; see docs/GUARDRAILS.md for each finding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ecoguard.decisions import (
    OUT_OF_SCOPE,
    Finding,
    Plan,
    PlannedAction,
    Put,
    Resource,
    Skip,
    StateChange,
    Unreadable,
)
from ecoguard.guardrails.tags import EXEMPT_TAG, is_exempt, settable_tags
from ecoguard.impact import CURRENT, HOURS_PER_DAY, compute_estimate, instances_cost, region_of
from ecoguard.instances import InstanceType, lookup
from ecoguard.policy import TrainingGuardPolicy

GUARDRAIL = "training-guard"
ACTION = "stop-training-job"
MIN_UTIL_TAG = "ecoguard:min-gpu-util"
# Every tag a decision reads.
GOVERNING_TAGS = (EXEMPT_TAG, MIN_UTIL_TAG)
NAMESPACE = "/aws/sagemaker/TrainingJobs"
IN_PROGRESS = "InProgress"
STOPPED_STATE = {"TrainingJobStatus": "Stopped"}
# The window ends this long before now, so the last period's datapoints have reached CloudWatch.
INGESTION_LAG = timedelta(minutes=2)
# SageMaker publishes training job instance metrics at a 1-minute frequency (SageMaker Developer Guide,
# "Amazon SageMaker AI metrics in Amazon CloudWatch": "Training jobs ... metrics are available at a 1-minute
# frequency"): at most one datapoint per host per minute.
SAGEMAKER_CADENCE_SECONDS = 60
# Per period: the highest value (a datapoint added later cannot lower it) and how many datapoints it holds.
EVIDENCE_STAT = "Maximum"
COUNT_STAT = "SampleCount"
ANOMALY = "evidence-anomaly"
FIRST_SIGHTING = "idle-first-sighting"
# How long a sighting is kept (its state item's TTL); whether it still counts is decided from its window's end.
SIGHTING_TTL = timedelta(days=1)

# CreateTrainingJob request fields that DescribeTrainingJob also returns: everything else in
# the description (status, times, artifacts, billable seconds, ...) is read-only.
CREATE_FIELDS = (
    "HyperParameters",
    "AlgorithmSpecification",
    "RoleArn",
    "InputDataConfig",
    "OutputDataConfig",
    "ResourceConfig",
    "VpcConfig",
    "StoppingCondition",
    "EnableNetworkIsolation",
    "EnableInterContainerTrafficEncryption",
    "EnableManagedSpotTraining",
    "CheckpointConfig",
    "DebugHookConfig",
    "DebugRuleConfigurations",
    "TensorBoardOutputConfig",
    "ExperimentConfig",
    "ProfilerConfig",
    "ProfilerRuleConfigurations",
    "Environment",
    "RetryStrategy",
    "RemoteDebugConfig",
    "InfraCheckConfig",
    "SessionChainingConfig",
)

# Where a Trainium instance would serve a GPU training family. Source: AWS Well-Architected
# Machine Learning Lens, MLSUS-12 "Use efficient silicon" (trn1: "up to 50% cost-to-train
# savings", and about 25% less energy to train BERT Large than comparable accelerated instances).
TRAINIUM_SOURCE = (
    "AWS Well-Architected Machine Learning Lens, MLSUS-12 Use efficient silicon "
    "(docs.aws.amazon.com/wellarchitected/latest/machine-learning-lens/mlsus-12.html)"
)
TRAINIUM_FAMILIES = frozenset({"p3", "p3dn", "p4d", "p4de", "p5", "p5e"})


def creation_request(described: Mapping[str, Any], tags: Mapping[str, str]) -> dict[str, Any]:
    """The CreateTrainingJob request that re-creates a described job (minus its name)."""
    request = {key: described[key] for key in CREATE_FIELDS if described.get(key) not in (None, {}, [])}
    return _tagged_request(request, tags)


def _tagged_request(request: Mapping[str, Any], tags: Mapping[str, str]) -> dict[str, Any]:
    tagged = {k: v for k, v in request.items() if k != "Tags"}
    user_tags = [{"Key": k, "Value": v} for k, v in sorted(settable_tags(tags).items())]
    if user_tags:
        tagged["Tags"] = user_tags
    return tagged


@dataclass(frozen=True)
class TrainingJob:
    name: str
    arn: str
    status: str
    secondary_status: str | None
    training_start: datetime | None
    tags: Mapping[str, str]
    config: Mapping[str, Any]  # see ``creation_request``

    @property
    def resource(self) -> Resource:
        return Resource(arn=self.arn, name=self.name, kind="AWS::SageMaker::TrainingJob", tags=self.tags)

    @property
    def resource_config(self) -> Mapping[str, Any]:
        value = self.config.get("ResourceConfig") or {}
        return value if isinstance(value, Mapping) else {}

    @property
    def instance_type(self) -> str | None:
        value = self.resource_config.get("InstanceType")
        return value if isinstance(value, str) else None

    @property
    def instance_count(self) -> int:
        return int(self.resource_config.get("InstanceCount") or 0)

    @property
    def training_plan(self) -> str | None:
        """The training plan it runs on: ``ResourceConfig.TrainingPlanArn`` (DescribeTrainingJob); None: on demand."""
        value = self.resource_config.get("TrainingPlanArn")
        return value if isinstance(value, str) and value else None

    @property
    def max_runtime_seconds(self) -> int | None:
        value = (self.config.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds")
        return int(value) if value is not None else None

    def governing_tags(self) -> dict[str, str]:
        return {k: v for k, v in self.tags.items() if k in GOVERNING_TAGS}


@dataclass(frozen=True)
class Observation:
    """What to fetch to judge a job: one metric, one series per host, over one window."""

    metric: str
    hosts: tuple[str, ...]
    start: datetime
    end: datetime
    period_seconds: int
    per_instance: int  # GPUs or vCPUs per instance: CloudWatch's value is up to 100 x this
    threshold: float
    threshold_source: str

    @property
    def expected_samples(self) -> int:
        """The most datapoints SageMaker itself puts in one period of one host."""
        return max(1, self.period_seconds // SAGEMAKER_CADENCE_SECONDS)

    @property
    def buckets(self) -> tuple[datetime, ...]:
        count = int((self.end - self.start).total_seconds()) // self.period_seconds
        return tuple(self.start + timedelta(seconds=i * self.period_seconds) for i in range(count))


# host -> period start -> the CloudWatch value (un-normalized)
Series = Mapping[str, Mapping[datetime, float]]


def _skip(job: TrainingJob, reason: str) -> Skip:
    return Skip(GUARDRAIL, job.resource, reason, {"TrainingJobStatus": job.status})


def parse_threshold_tag(raw: str) -> float | None:
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 < value <= 100 else None


def plan_observation(
    job: TrainingJob, policy: TrainingGuardPolicy, now: datetime, instance: InstanceType | None = None
) -> Observation | Skip | None:
    """What to measure for ``job`` now; a Skip when it cannot be measured; None when not yet, or never."""
    if not policy.enabled or job.status != IN_PROGRESS:
        return None
    if job.instance_type is None:
        return _skip(job, "no single InstanceType (heterogeneous cluster): utilization not evaluated; not stopped")
    instance = instance or lookup(job.instance_type)
    if instance is None:
        return _skip(job, f"unknown instance type {job.instance_type!r}: cannot normalize utilization; not stopped")
    if instance.is_neuron:
        return _skip(job, f"{job.instance_type} has Neuron accelerators, which publish no GPUUtilization; not stopped")
    if job.instance_count < 1:
        return _skip(job, f"InstanceCount {job.instance_count} names no hosts; not stopped")
    if instance.is_gpu:
        metric, per_instance = "GPUUtilization", instance.gpu_count
        threshold, source = policy.min_gpu_util_percent, "policy training_guard.min_gpu_util_percent"
        if MIN_UTIL_TAG in job.tags:
            parsed = parse_threshold_tag(job.tags[MIN_UTIL_TAG])
            if parsed is None:
                return _skip(job, f"tag {MIN_UTIL_TAG}={job.tags[MIN_UTIL_TAG]!r} is not a percentage in (0, 100]")
            threshold, source = parsed, f"tag {MIN_UTIL_TAG}"
    else:
        metric, per_instance = "CPUUtilization", instance.vcpu
        threshold, source = policy.min_cpu_util_percent, "policy training_guard.min_cpu_util_percent"
    if job.training_start is None:
        return None
    period = policy.period_seconds
    lagged = (now - INGESTION_LAG).timestamp()
    end = datetime.fromtimestamp(lagged // period * period, tz=now.tzinfo)
    start = end - timedelta(minutes=policy.window_minutes)
    if start < job.training_start + timedelta(minutes=policy.warmup_minutes):
        return None  # still in warm-up, or not yet a whole window after it
    hosts = tuple(f"{job.name}/algo-{n}" for n in range(1, job.instance_count + 1))
    return Observation(metric, hosts, start, end, period, per_instance, threshold, source)


def host_averages(observation: Observation, series: Series) -> list[float] | None:
    """Normalized utilization per period, averaged over hosts; None if any host misses any period."""
    averages = []
    for bucket in observation.buckets:
        values = [series.get(host, {}).get(bucket) for host in observation.hosts]
        if any(v is None for v in values):
            return None
        normalized = [float(v) / observation.per_instance for v in values if v is not None]
        averages.append(sum(normalized) / len(normalized))
    return averages or None


def evidence_anomaly(job: TrainingJob, observation: Observation, counts: Series) -> Finding | None:
    """A finding naming each host's periods holding more datapoints than SageMaker publishes (someone else
    wrote to the series), or None."""
    limit = observation.expected_samples
    excess: dict[str, dict[str, int]] = {}
    for host in observation.hosts:
        for bucket in observation.buckets:
            samples = counts.get(host, {}).get(bucket, 0.0)
            if samples > limit:
                excess.setdefault(host, {})[bucket.isoformat()] = int(samples)
    if not excess:
        return None
    reason = (
        f"{observation.metric} in {NAMESPACE} holds more datapoints than SageMaker publishes (at most "
        f"{observation.expected_samples} per host per {observation.period_seconds} s) on {', '.join(sorted(excess))}: "
        "another principal wrote to the series; the job is not judged on it and not stopped"
    )
    evidence = {"namespace": NAMESPACE, "metric": observation.metric, "expected_samples": observation.expected_samples}
    return Finding(GUARDRAIL, job.resource, ANOMALY, reason, {**evidence, "excess_samples": excess})


def decide_stop(
    job: TrainingJob, observation: Observation, series: Series, counts: Series | None = None
) -> PlannedAction | Skip | Finding | None:
    """Stop the job if it stayed below the threshold through the whole window (``series``: each period's
    Maximum). With ``counts`` (each period's SampleCount), a series others wrote to is a finding, never a stop."""
    if counts is not None and (anomaly := evidence_anomaly(job, observation, counts)) is not None:
        return anomaly
    averages = host_averages(observation, series)
    if averages is None or max(averages) >= observation.threshold:
        return None
    unit = "GPU" if observation.metric == "GPUUtilization" else "vCPU"
    minutes = int((observation.end - observation.start).total_seconds() // 60)
    evidence = {
        "namespace": NAMESPACE,
        "metric": observation.metric,
        "hosts": list(observation.hosts),
        "per_instance": observation.per_instance,
        "unit": f"percent per {unit}, each period's {EVIDENCE_STAT}, averaged over hosts",
        "window_start": observation.start.isoformat(),
        "window_end": observation.end.isoformat(),
        "period_seconds": observation.period_seconds,
        "threshold": observation.threshold,
        "threshold_source": observation.threshold_source,
        "peak": round(max(averages), 2),
        "mean": round(sum(averages) / len(averages), 2),
        "series": [round(a, 2) for a in averages],
        "host_means": {
            host: round(sum(series[host][b] for b in observation.buckets) / len(averages) / observation.per_instance, 2)
            for host in observation.hosts
        },
    }
    reason = (
        f"{observation.metric} at most {max(averages):.1f}% per {unit} (host average) for {minutes} min "
        f"after warm-up, below {observation.threshold:g}% ({observation.threshold_source})"
    )
    impact = stop_impact(job, sum(averages) / len(averages))
    if job.training_plan is not None:
        # A training plan is paid upfront (CreateTrainingPlan): stopping frees its reserved instances for other
        # jobs on the plan, and saves no money.
        plan_name = job.training_plan.rsplit("/", 1)[-1]
        reason += (
            f"; it runs on training plan {plan_name}, paid in advance: stopping frees its reserved instances for "
            "other jobs and saves no money"
        )
        evidence["training_plan"] = job.training_plan
        basis = f"{impact['basis']}; no money saved: paid in advance (training plan {plan_name})"
        impact = {**impact, "usd": 0.0, "basis": basis}
    if is_exempt(job.tags):
        return Skip(GUARDRAIL, job.resource, f"tagged ecoguard:exempt=true; would stop: {reason}", evidence)
    before = {"TrainingJobStatus": job.status, "config": dict(job.config), "utilization": evidence}
    return PlannedAction(GUARDRAIL, job.resource, ACTION, before, dict(STOPPED_STATE), reason, impact)


@dataclass(frozen=True)
class Sighting:
    """What an earlier sweep recorded of the job (rule 5b): the end of the window in which it found the job
    idle (None: none, or cleared since), and the state item's version (0: never written)."""

    window_end: datetime | None = None
    version: int = 0

    def agrees(self, observation: Observation) -> bool:
        """An earlier idle window at least one period before this one, and still overlapping it."""
        if self.window_end is None:
            return False
        return observation.start <= self.window_end <= observation.end - timedelta(seconds=observation.period_seconds)

    def recent(self, observation: Observation) -> bool:
        """A sighting less than one period before this window's end: the same look, not a second one."""
        period = timedelta(seconds=observation.period_seconds)
        return self.window_end is not None and self.window_end > observation.end - period


NOT_SIGHTED = Sighting()


def sighting_key(job: TrainingJob) -> str:
    return job.arn


def _sighted(job: TrainingJob, observation: Observation, earlier: Sighting, reason: str) -> tuple[Finding, StateChange]:
    """The first sweep's notice and the state the next one checks."""
    finding = Finding(
        GUARDRAIL,
        job.resource,
        FIRST_SIGHTING,
        f"{reason}; not stopped yet: a sweep at least {observation.period_seconds} s later must find it idle too",
        {"window_end": observation.end.isoformat(), "period_seconds": observation.period_seconds},
    )
    mark = Put({"window_end": observation.end.isoformat()}, SIGHTING_TTL)
    return finding, StateChange(sighting_key(job), earlier.version, claim=mark)


def _cleared(job: TrainingJob, earlier: Sighting) -> StateChange | None:
    """A sweep that does not find the job idle clears an earlier sighting (a Put: no delete needed)."""
    if earlier.window_end is None:
        return None
    return StateChange(sighting_key(job), earlier.version, claim=Put({"window_end": None}, SIGHTING_TTL))


@dataclass(frozen=True)
class ObservedJob:
    """A training job as read (its Search record, or described with its tags), with the utilization of its
    hosts over the window ``plan_observation`` names: None when there is nothing to measure (yet),
    ``Unreadable`` when it could not be read."""

    job: TrainingJob
    series: Series | Unreadable | None = None
    counts: Series | None = None  # each period's SampleCount per host, read with ``series``
    sighting: Sighting = NOT_SIGHTED  # what an earlier sweep recorded (rule 5b)


def decide(observed: ObservedJob | TuningJob, policy: TrainingGuardPolicy, now: datetime) -> Plan:
    """Everything the guard decides about one job: its advice, then at most one stop or skip. A job not
    in progress is not governed. ``now`` is the moment the series was measured for."""
    if isinstance(observed, TuningJob):
        return Plan(tuple(advise_tuning(observed, policy)), in_scope=False)
    job = observed.job
    if job.status != IN_PROGRESS:
        return OUT_OF_SCOPE
    findings = tuple(advise(job, policy, now))
    observation = plan_observation(job, policy, now)
    if observation is None:
        return Plan(findings)
    if isinstance(observation, Skip):
        return Plan((*findings, observation))
    series = observed.series
    if series is None:
        return Plan(findings, unreadable=Unreadable(GUARDRAIL, job.resource, "utilization not read"))
    if isinstance(series, Unreadable):
        return Plan(findings, unreadable=series)
    decision = decide_stop(job, observation, series, observed.counts)
    earlier = observed.sighting
    if isinstance(decision, PlannedAction) and not earlier.agrees(observation):
        finding, mark = _sighted(job, observation, earlier, decision.reason)
        # A sighting of this same window (an event right after a sweep) is not a second look: kept as it is.
        return Plan((*findings, finding), None if earlier.recent(observation) else mark)
    if decision is None or isinstance(decision, Finding):
        return Plan(findings if decision is None else (*findings, decision), _cleared(job, earlier))
    return Plan((*findings, decision))


def stop_impact(job: TrainingJob, utilization_pct: float) -> dict[str, Any]:
    """A day of the job's instances at the utilization it showed (capped at its MaxRuntime in the basis)."""
    config = job.resource_config
    instance_type, count = str(config.get("InstanceType", "unknown")), int(config.get("InstanceCount", 1) or 1)
    estimate = compute_estimate(
        instance_type,
        count=count,
        hours=HOURS_PER_DAY,
        region=region_of(job.arn),
        utilization_pct=utilization_pct,
        period="per day the job would have run at that utilization",
    )
    current = instances_cost([(instance_type, count)], hours=HOURS_PER_DAY, region=region_of(job.arn), period="per day")
    # The saving lasts until SageMaker itself would have stopped the job: TrainingStartTime + MaxRuntimeInSeconds.
    runtime = job.max_runtime_seconds
    ends = None if job.training_start is None or runtime is None else job.training_start + timedelta(seconds=runtime)
    return {
        **estimate.to_dict(),
        "horizon_ends_at": None if ends is None else ends.isoformat(),
        CURRENT: current.to_dict(),
    }


def family(instance_type: str) -> str:
    parts = instance_type.split(".")
    return parts[1] if len(parts) == 3 else ""


def advise(job: TrainingJob, policy: TrainingGuardPolicy, now: datetime) -> list[Finding]:
    """Advice about a job's configuration. Never acted on."""
    if not policy.enabled or not policy.findings:
        return []
    findings: list[Finding] = []
    config, resources = job.config, job.resource_config

    def note(kind: str, reason: str, **evidence: Any) -> None:
        findings.append(Finding(GUARDRAIL, job.resource, kind, reason, evidence))

    spot = bool(config.get("EnableManagedSpotTraining"))
    # Warm pools (KeepAlivePeriodInSeconds) and training plans (reserved capacity) cannot use Spot.
    if not spot and not resources.get("KeepAlivePeriodInSeconds") and not resources.get("TrainingPlanArn"):
        note(
            "no-managed-spot",
            "not using Managed Spot Training (EnableManagedSpotTraining); spare capacity at a lower cost",
            instance_type=job.instance_type,
        )
    max_runtime = job.max_runtime_seconds
    if max_runtime is None:
        note("no-max-runtime", "no StoppingCondition.MaxRuntimeInSeconds: a hung job runs until stopped")
    long_limit = policy.long_job_hours * 3600
    running = (now - job.training_start).total_seconds() if job.training_start else 0.0
    is_long = max_runtime is None or max_runtime > long_limit or running > long_limit
    if is_long and not (config.get("CheckpointConfig") or {}).get("S3Uri"):
        note(
            "no-checkpointing",
            f"may run longer than {policy.long_job_hours:g} h without CheckpointConfig: "
            "an interruption or a stop loses the work done",
            max_runtime_seconds=max_runtime,
        )
    instance = lookup(job.instance_type) if job.instance_type else None
    if instance is not None and instance.is_gpu and family(instance.name) in TRAINIUM_FAMILIES:
        suggested = "ml.trn1.32xlarge" if instance.gpu_count >= 8 else "ml.trn1.2xlarge"
        note(
            "trainium-alternative",
            f"{instance.name} ({instance.gpu_count} x {instance.accelerator_model}): consider {suggested} "
            "(AWS Trainium) if the framework runs on the Neuron SDK",
            suggested=suggested,
            source=TRAINIUM_SOURCE,
        )
    return findings


@dataclass(frozen=True)
class TuningJob:
    name: str
    arn: str
    strategy: str
    early_stopping: str | None

    @property
    def resource(self) -> Resource:
        return Resource(arn=self.arn, name=self.name, kind="AWS::SageMaker::HyperParameterTuningJob")


def advise_tuning(job: TuningJob, policy: TrainingGuardPolicy) -> list[Finding]:
    """Advice about a hyperparameter tuning job. Never acted on."""
    if not policy.enabled or not policy.findings:
        return []
    findings = []
    if job.strategy in ("Random", "Grid"):
        findings.append(
            Finding(
                GUARDRAIL,
                job.resource,
                "tuning-not-bayesian",
                f"{job.strategy} search: Bayesian (or Hyperband) usually needs fewer training jobs",
                {"strategy": job.strategy},
            )
        )
    if job.strategy in ("Bayesian", "Random") and job.early_stopping != "Auto":
        findings.append(
            Finding(
                GUARDRAIL,
                job.resource,
                "tuning-no-early-stopping",
                "TrainingJobEarlyStoppingType is not Auto: unpromising training jobs run to the end",
                {"strategy": job.strategy, "early_stopping": job.early_stopping},
            )
        )
    return findings
