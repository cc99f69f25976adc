"""Training warm pools: end a pool left Available and unused past the policy's window. Part of idle-compute.

A warm pool keeps a finished job's instances for ``KeepAlivePeriodInSeconds`` (0 to 21,600 in botocore's
SageMaker model, ``KeepAlivePeriodInSeconds`` max 21600; older guides say 3,600), billed while
retained (``WarmPoolStatus.ResourceRetainedBillableTimeInSeconds``); ``UpdateTrainingJob`` with
``ResourceConfig.KeepAlivePeriodInSeconds=0`` ends it (Developer Guide, "Warm pools"; SageMaker API reference,
UpdateTrainingJob). An ended pool cannot be brought back, so it is never ended without a record first.

Rules, in order:

1. Not ``Available``: no decision (in use, reused or already ended).
2. ``ecoguard:exempt=true`` on the job: skipped.
3. Not yet noticed (no mark in this mode's state): a finding, ``warm-pool-notice``, says that ecoguard will end
   the pool once it is unused ``idle_minutes``, and that ending it cannot be undone; the mark is set once that
   record is written. Nothing is ended on the sweep that first sees a pool.
4. Noticed, and unused (since ``TrainingEndTime``) at least ``idle_minutes``: ended. Without an end time it is
   never counted as unused.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ecoguard.decisions import Finding, Outcome, Plan, PlannedAction, Put, Remove, Skip, StateChange
from ecoguard.guardrails.idle_compute import GUARDRAIL, ObservedPool, WarmPool
from ecoguard.guardrails.tags import is_exempt
from ecoguard.impact import CURRENT, HOURS_PER_DAY, compute_estimate, instances_cost, not_estimated, region_of
from ecoguard.policy import WarmPoolsPolicy
from ecoguard.policy.idle_compute import MAX_KEEP_ALIVE_SECONDS

END_POOL = "end-warm-pool"
NOTICE = "warm-pool-notice"
# A pool outlives its job by at most six hours (KeepAlivePeriodInSeconds <= 21,600); the mark outlives the
# longest pool, with the sweeps' margin.
MARK_TTL = timedelta(seconds=MAX_KEEP_ALIVE_SECONDS) + timedelta(hours=2)


def pool_key(job: str) -> str:
    return f"warm-pool/{job}"


def pool_state(pool: WarmPool) -> dict[str, Any]:
    return {
        "WarmPoolStatus": pool.status,
        "KeepAlivePeriodInSeconds": pool.keep_alive_seconds,
        "ResourceRetainedBillableTimeInSeconds": pool.retained_billable_seconds,
        "TrainingEndTime": None if pool.ended_at is None else pool.ended_at.isoformat(),
        "InstanceType": pool.instance_type,
        "InstanceCount": pool.instance_count,
    }


def remaining_impact(pool: WarmPool, now: datetime) -> dict[str, Any]:
    """What ending the pool avoids: its instances for the rest of their keep-alive period."""
    if pool.instance_type is None or pool.ended_at is None or pool.keep_alive_seconds is None:
        return not_estimated("until the keep-alive ends", f"warm pool of {pool.job}", "instance type or times unknown")
    left = max(pool.keep_alive_seconds - (now - pool.ended_at).total_seconds(), 0.0)
    region = region_of(pool.arn)
    estimate = compute_estimate(
        pool.instance_type,
        count=pool.instance_count,
        hours=left / 3600,
        region=region,
        utilization_pct=0.0,
        period="until the keep-alive ends",
    )
    # What the pool's instances cost a day while it is kept (``CURRENT``): the saving itself is not a rate.
    parts = [(pool.instance_type, pool.instance_count)]
    current = instances_cost(parts, hours=HOURS_PER_DAY, region=region, period="per day")
    return {**estimate.to_dict(), CURRENT: current.to_dict()}


def plan_warm_pool(observed: ObservedPool, policy: WarmPoolsPolicy, now: datetime) -> Plan:
    pool, mark = observed.pool, observed.mark
    if not policy.enabled or pool.status != "Available":
        return Plan()
    before = pool_state(pool)
    if is_exempt(pool.tags):
        return Plan((Skip(GUARDRAIL, pool.resource, "tagged ecoguard:exempt=true", before),))
    retained = pool.retained_billable_seconds
    billed = "unknown" if retained is None else f"{retained} s"
    if mark.since is None:
        notice = Finding(
            GUARDRAIL,
            pool.resource,
            NOTICE,
            f"warm pool Available (retained billable time {billed}); ecoguard ends it once unused "
            f"{policy.idle_minutes} min. Ending a warm pool cannot be undone: the next job provisions new instances",
            before,
            remaining_impact(pool, now),
        )
        put = Put({"since": now.isoformat()}, MARK_TTL)
        return Plan((notice,), StateChange(pool_key(pool.job), mark.version, settle={Outcome.FINDING: put}))
    if pool.ended_at is None:
        return Plan()
    unused = now - pool.ended_at
    if unused < timedelta(minutes=policy.idle_minutes):
        return Plan()
    end = PlannedAction(
        GUARDRAIL,
        pool.resource,
        END_POOL,
        before,
        {"KeepAlivePeriodInSeconds": 0},
        f"warm pool unused {unused.total_seconds() / 60:.0f} min (>= {policy.idle_minutes} min; noticed at "
        f"{mark.since.isoformat()}), retained billable time {billed}: ended",
        remaining_impact(pool, now),
    )
    return Plan((end,), StateChange(pool_key(pool.job), mark.version, settle={Outcome.APPLIED: Remove()}))
