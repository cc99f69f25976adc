"""Training right-sizing: advice on a completed training job, from its hosts' utilization over its run.

Utilization comes from ``/aws/sagemaker/TrainingJobs`` per host ``<job>/algo-<n>``, averaged over the run;
CPU, GPU and GPU memory are reported up to 100 x the vCPUs or GPUs, so each is divided by that count, then
averaged over the hosts. A figure some host did not report is unknown, and a rule that needs it does not
fire. Advice only (findings, recorded as the training guard's: ``guardrail`` is ``training-guard``): nothing
is changed.

1. Exempt (``ecoguard:exempt=true``): a ``Skip``. An instance type not in the table: no advice (its
   devices are unknown).
2. **Fewer or smaller instances** (``training-rightsizing``): on a GPU instance GPU, GPU memory and CPU, on
   a CPU instance CPU and memory, all stayed under ``serving_advisor.training_low_percent``. With several
   instances: as few as hold the busiest of those figures with ``headroom_percent`` to spare; with one (or
   when no fewer would do): the next size down in the family, if it holds them the same way.
3. **Managed Spot** (``training-managed-spot``): not on Spot, no warm pool and no training plan (which
   cannot use Spot), and either checkpointing to S3 or a run of at most an hour (an interruption then loses
   little): Managed Spot Training runs the same work on spare capacity (SageMaker Developer Guide, "Managed
   Spot Training").

Estimates are per run, for the run's duration, by ``ecoguard.impact`` (CCF): current against recommended.
A smaller configuration is assumed to take as long (it may take longer: a benchmark confirms). Spot uses
the same instances for as long, so no energy is saved; its price is not sourced, so the USD saved is
unknown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ecoguard.decisions import Finding, Resource, Skip
from ecoguard.guardrails.serving_advisor import monthly_impact, next_size_down
from ecoguard.guardrails.tags import is_exempt
from ecoguard.guardrails.training_guard import GUARDRAIL
from ecoguard.impact import Estimate, compute_estimate, region_of
from ecoguard.instances import InstanceType, lookup
from ecoguard.policy import ServingAdvisorPolicy

RIGHTSIZE = "training-rightsizing"
SPOT = "training-managed-spot"
KINDS = (RIGHTSIZE, SPOT)
SHORT_RUN_SECONDS = 3600


@dataclass(frozen=True)
class CompletedJob:
    name: str
    arn: str
    instance_type: str
    instance_count: int
    start: datetime
    end: datetime
    spot: bool = False
    checkpoint_s3: bool = False
    warm_pool: bool = False
    training_plan: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def resource(self) -> Resource:
        return Resource(arn=self.arn, name=self.name, kind="AWS::SageMaker::TrainingJob")

    @property
    def hours(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds() / 3600)


@dataclass(frozen=True)
class RunUtilization:
    """Per device (percent of one vCPU or GPU; memory as reported), averaged over the run and the hosts."""

    cpu: float | None
    memory: float | None
    gpu: float | None = None
    gpu_memory: float | None = None


def per_device(raw_by_host: list[float | None], devices: int) -> float | None:
    """The hosts' mean of each host's value divided by its devices; None if a host is missing or no devices."""
    if not raw_by_host or devices <= 0 or any(v is None for v in raw_by_host):
        return None
    return sum(v for v in raw_by_host if v is not None) / len(raw_by_host) / devices


def _judged(instance: InstanceType, used: RunUtilization) -> dict[str, float | None]:
    if instance.gpu_count:
        return {"gpu_percent": used.gpu, "gpu_memory_percent": used.gpu_memory, "cpu_percent": used.cpu}
    return {"cpu_percent": used.cpu, "memory_percent": used.memory}


def _estimate(job: CompletedJob, instance_type: str, count: int) -> Estimate:
    # Both configurations at CCF's default utilization: the same work, compared on the same footing.
    return compute_estimate(
        instance_type, count=count, hours=job.hours, region=region_of(job.arn), utilization_pct=None, period="per run"
    )


def _target(job: CompletedJob, instance: InstanceType, busiest: float, limit: float) -> tuple[str, int] | None:
    """(instance type, count) that holds ``busiest`` % of every device with ``limit`` of each usable."""
    needed = max(1, math.ceil(job.instance_count * busiest / 100 / limit))
    if needed < job.instance_count:
        return instance.name, needed
    smaller = next_size_down(instance)
    if smaller is None:
        return None
    ratio = min(
        smaller.vcpu / instance.vcpu,
        smaller.memory_gib / instance.memory_gib,
        smaller.gpu_count / instance.gpu_count if instance.gpu_count else 1.0,
    )
    return (smaller.name, job.instance_count) if busiest / 100 <= ratio * limit else None


def rightsize(job: CompletedJob, used: RunUtilization, policy: ServingAdvisorPolicy) -> list[Finding | Skip]:
    """Rules 1 to 3 for one completed job."""
    if not policy.enabled:
        return []
    if is_exempt(job.tags):
        return [Skip(GUARDRAIL, job.resource, "exempt (ecoguard:exempt=true): not advised")]
    instance = lookup(job.instance_type)
    if instance is None or job.instance_count < 1:
        return []
    out: list[Finding | Skip] = []
    judged = _judged(instance, used)
    current = _estimate(job, job.instance_type, job.instance_count)
    evidence: dict[str, Any] = {
        "rule": RIGHTSIZE,
        "figures": {**judged, "hours": job.hours, "instances": job.instance_count, "instance_type": job.instance_type},
        "threshold_percent": policy.training_low_percent,
        "window": f"{job.start.isoformat()} to {job.end.isoformat()}",
    }
    known = [v for v in judged.values() if v is not None]
    if len(known) == len(judged) and max(known) < policy.training_low_percent:
        target = _target(job, instance, max(known), (100 - policy.headroom_percent) / 100)
        if target is not None:
            kind_of, count = target
            later = _estimate(job, kind_of, count)
            impact = monthly_impact(current, later)
            impact["period"] = "per run"
            out.append(
                Finding(
                    GUARDRAIL,
                    job.resource,
                    RIGHTSIZE,
                    f"{', '.join(f'{k} {v:.3g}' for k, v in judged.items())} stayed under "
                    f"{policy.training_low_percent:g} %: {count} x {kind_of} would hold the busiest with "
                    f"{policy.headroom_percent} % headroom (assuming the same duration)",
                    {**evidence, "recommended": f"{count} x {kind_of}", "confidence": "medium"},
                    impact,
                )
            )
    eligible = not (job.warm_pool or job.training_plan) and (job.checkpoint_s3 or job.hours * 3600 <= SHORT_RUN_SECONDS)
    if not job.spot and eligible:
        same = Estimate(current.kwh, current.kg_co2e, None, "per run", current.basis, ("no sourced Spot price",))
        impact = monthly_impact(current, same)
        impact["period"] = "per run"
        why = "checkpoints to S3" if job.checkpoint_s3 else "ran at most an hour"
        out.append(
            Finding(
                GUARDRAIL,
                job.resource,
                SPOT,
                f"not on Managed Spot Training, and eligible: {why}, no warm pool, no training plan",
                {
                    "rule": SPOT,
                    "figures": {
                        "hours": job.hours,
                        "instances": job.instance_count,
                        "instance_type": job.instance_type,
                    },
                    "recommended": "EnableManagedSpotTraining with MaxWaitTimeInSeconds",
                    "confidence": "high",
                },
                impact,
            )
        )
    return out
