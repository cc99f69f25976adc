"""From the measured figures to the table: API calls against the issue's lower bound, memory against
MemorySize, the throttled sweep against the timeout, and the tool's own monthly cost."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tools.bench.sweep import BOOKKEEPING, WRITE_PREFIXES
from tools.simulator.template import FunctionSpec

# Maximum page sizes (each API's reference): DescribeLogGroups 50, ListBuckets 10,000, ListEndpoints /
# ListNotebookInstances / ListHyperParameterTuningJobs / SageMaker Search 100, GetResources 100.
LOGS_PAGE, BUCKETS_PAGE, SAGEMAKER_PAGE, TAGGING_PAGE = 50, 10_000, 100, 100
METRIC_QUERIES_PER_CALL = 500

# Lambda arm64 duration and request prices, us-east-1, first tier. Source: /work/shared/reference/carbon/
# CARBON.md (row "Lambda price arm vs x86"), a third-party transcription of the AWS Lambda pricing page,
# not verified against the AWS Price List here.
USD_PER_GB_S_ARM64 = 0.0000133334
USD_PER_MILLION_REQUESTS = 0.20
HOURS_PER_MONTH = 730.0


def pages(n: int, size: int) -> int:
    """Calls to list ``n`` items: an empty listing still takes one call."""
    return max(1, math.ceil(n / size))


def governed(calls: Mapping[str, int]) -> dict[str, int]:
    return {k: v for k, v in calls.items() if k.split(":", 1)[0] not in BOOKKEEPING}


def writes(calls: Mapping[str, int]) -> int:
    return sum(v for k, v in governed(calls).items() if k.split(":", 1)[1].startswith(WRITE_PREFIXES))


def attribution_listings(truth: Mapping[str, Any]) -> int:
    """One tagging listing per cost-allocation key the policy attributes by (``report.attribution_tags``): the
    truth's ``attribution_tagged:<key>`` (``seed.ATTRIBUTION_TAGGED``), the resources seeded with that key."""
    return sum(pages(n, TAGGING_PAGE) for key, n in truth.items() if key.startswith("attribution_tagged:"))


def listings(function: str, sweep: Mapping[str, Any]) -> int:
    truth, evaluated = sweep["truth"], sweep["outcomes"]["evaluated"]
    if function == "LogRetentionFunction":
        # Every group in the account (the stack's own too), then one tagging listing per governing key and
        # per attribution key.
        return (
            pages(evaluated, LOGS_PAGE)
            + pages(truth.get("exempt_tagged", 0), TAGGING_PAGE)
            + pages(truth.get("retention_tagged", 0), TAGGING_PAGE)
            + attribution_listings(truth)
        )
    if function == "StorageLifecycleFunction":
        return pages(evaluated, BUCKETS_PAGE)
    if function == "TrainingGuardFunction":
        # Search pages of in-progress training jobs (filtered on status server-side, each record with the
        # job's description and tags), plus the (empty) in-progress tuning jobs listing.
        return pages(truth["listed"], SAGEMAKER_PAGE) + 1
    if function == "IdleNotebookFunction":  # then one tagging listing per governing key and per attribution key
        return (
            pages(truth["listed"], SAGEMAKER_PAGE)
            + pages(truth.get("exempt_tagged", 0), TAGGING_PAGE)
            + pages(truth.get("idle_hours_tagged", 0), TAGGING_PAGE)
            + attribution_listings(truth)
        )
    if function == "ServingAdvisorFunction":  # then one listing of every tagged endpoint
        return pages(truth["listed"], SAGEMAKER_PAGE) + pages(truth.get("exempt_tagged", 0), TAGGING_PAGE)
    if function == "IdleEndpointFunction":  # then one listing of every tagged endpoint
        tagged = truth.get("exempt_tagged", 0) + truth.get("idle_hours_tagged", 0)
        return pages(truth["listed"], SAGEMAKER_PAGE) + pages(tagged, TAGGING_PAGE)
    return pages(truth["listed"], SAGEMAKER_PAGE)


def lower_bound(function: str, sweep: Mapping[str, Any]) -> dict[str, int]:
    metric_calls = math.ceil(sweep["metric_queries"] / METRIC_QUERIES_PER_CALL)
    bound = listings(function, sweep) + metric_calls + writes(sweep["calls"])
    return {
        "listings": listings(function, sweep),
        "metric_calls": metric_calls,
        "writes": writes(sweep["calls"]),
        "bound": bound,
    }


# ListMetrics and the account-wide ListInferenceComponents (the endpoint sweep's busy check) are listings
# too, though not in the bound: their pages count against the ratio. (An endpoint hosting
# components also lists its own, EndpointNameEquals; the bench seeds none.)
LISTING_OPS = re.compile(
    r":(List(Buckets|Endpoints|NotebookInstances|TrainingJobs|HyperParameterTuningJobs|Metrics|InferenceComponents)|"
    r"DescribeLogGroups|GetResources|GetMetricData|Search)$"
)
METRICS_PAGE = 500  # ListMetrics

# The reads beyond the issue's lower bound that the APIs' shape or a safety rule makes necessary, per
# sweep: (operation, why, how many the seeded account justifies). The floor is the lower bound plus
# these; a sweep at the floor makes no read it could avoid. The counts come from the seeded truth and
# the sweep's outcomes and writes, never from the reads it made.
Justified = Callable[[Mapping[str, Any]], int]


def _not_exempt(sweep: Mapping[str, Any]) -> int:
    return int(sweep["truth"]["listed"] - sweep["truth"].get("exempt_tagged", 0))


def _written(sweep: Mapping[str, Any]) -> int:
    outcomes = sweep.get("outcomes", {})
    return int(outcomes.get("applied", 0) + outcomes.get("would-apply", 0))


def _without_traffic(sweep: Mapping[str, Any]) -> int:
    return int(sweep["truth"].get("without_traffic", 0))


REQUIRED_READS: dict[str, list[tuple[str, str, Justified]]] = {
    "StorageLifecycleFunction": [
        (
            "s3:GetBucketTagging",
            "each bucket written: decided first on the tagging API's listing (one per tag key), it is decided "
            "again on its own tags, read last, since the listing may lag and no IAM Deny backs the exempt tag "
            "on a bucket without S3 ABAC (THREAT_MODEL 4b)",
            _written,
        ),
        (
            "s3:GetBucketVersioning",
            "each bucket not exempt: the noncurrent-version rule depends on it; no bulk read",
            _not_exempt,
        ),
        (
            "s3:GetBucketLifecycleConfiguration",
            "each bucket not exempt (a PUT replaces the whole configuration, so the owner's rules are read "
            "to merge); read again before a write only once the read is over confirm.FRESH_FOR old, which "
            "a sweep at this rate limit never reaches",
            _not_exempt,
        ),
        (
            "s3:ListBucketIntelligentTieringConfigurations",
            "as the lifecycle configuration: read to merge (and again only once the read is no longer fresh)",
            _not_exempt,
        ),
    ],
    "IdleEndpointFunction": [
        (
            "monitoring:ListMetrics",
            "the (endpoint, variant) pairs with recent invocations, 500 a page: ListEndpoints names no variant",
            lambda s: pages(s["truth"].get("variants_with_traffic", 0), METRICS_PAGE),
        ),
        (
            "sagemaker:ListInferenceComponents",
            "the account's inference components, once, when some endpoint has traffic: a component endpoint "
            "is scaled whatever its traffic, so it is never taken for busy",
            lambda s: 1 if s["truth"].get("variants_with_traffic", 0) else 0,
        ),
        (
            "sagemaker:DescribeEndpoint",
            "each endpoint without invocations in its window: the before-state its audit record and restore "
            "need, and its kind (async and component endpoints are acted on at any age, and an exempt one's "
            "skip record shows what would have been done)",
            _without_traffic,
        ),
        (
            "sagemaker:DescribeEndpointConfig",
            "as DescribeEndpoint: the variants' kind and capacity, for the same endpoints",
            _without_traffic,
        ),
        (
            "sagemaker:ListTags",
            "each deletion re-reads the endpoint's tags (the tagging listing can lag)",
            lambda s: s["calls"].get("sagemaker:DeleteEndpoint", 0),
        ),
    ],
    "ServingAdvisorFunction": [
        (
            "sagemaker:DescribeEndpoint",
            "each endpoint not exempt: its configuration's name, status and variants (ListEndpoints names none)",
            _not_exempt,
        ),
        (
            "sagemaker:DescribeEndpointConfig",
            "each endpoint not exempt: instance type and count, data capture, async config (one config each)",
            _not_exempt,
        ),
        (
            "sagemaker:DescribeModel",
            "each distinct model, once: its container image (consolidation, Inferentia), VPC and multi-model "
            "mode (serverless exclusions); the bench's endpoints share one",
            lambda s: 1 if _not_exempt(s) else 0,
        ),
    ],
    "TrainingGuardFunction": [
        (
            "sagemaker:DescribeTrainingJob",
            "each job stopped: its state now, since Search's index can lag (a job finished since is not "
            "stopped), and the configuration the restore re-creates it from",
            lambda s: s["calls"].get("sagemaker:StopTrainingJob", 0),
        ),
        (
            "sagemaker:ListTags",
            "each job stopped: all its tags now, for the restore configuration and a fresh exempt check",
            lambda s: s["calls"].get("sagemaker:StopTrainingJob", 0),
        ),
    ],
}


def floor(function: str, sweep: Mapping[str, Any]) -> dict[str, Any]:
    """The lower bound plus the required reads, and each read the sweep made beyond them."""
    reads = REQUIRED_READS.get(function, [])
    counts = {op: justify(sweep) for op, _, justify in reads}
    calls = governed(sweep["calls"])
    made = {**per_resource_reads(calls), **{op: calls.get(op, 0) for op in counts}}
    excess = {op: n - counts.get(op, 0) for op, n in made.items()}
    return {
        "bound": lower_bound(function, sweep)["bound"] + sum(counts.values()),
        "required": {op: {"why": why, "count": counts[op]} for op, why, _ in reads},
        "excess": {op: n for op, n in excess.items() if n > 0},
    }


def per_resource_reads(calls: Mapping[str, int]) -> dict[str, int]:
    """Governed reads that are neither a listing, GetMetricData nor a write: one (or more) per resource."""
    return {
        k: v
        for k, v in governed(calls).items()
        if not LISTING_OPS.search(k) and not k.split(":", 1)[1].startswith(WRITE_PREFIXES)
    }


def sweep_rows(
    sweeps: Sequence[Mapping[str, Any]], specs: Mapping[str, FunctionSpec], imports: Mapping[str, Any]
) -> list[dict[str, Any]]:
    rows = []
    for sweep in sweeps:
        function = sweep["function"]
        spec = specs[function]
        bound = lower_bound(function, sweep)
        made = sum(governed(sweep["calls"]).values())
        growth = max(0.0, sweep["rss_peak_mb"] - sweep["rss_baseline_mb"])
        estimated_peak = imports.get(function, {}).get("rss_mb", 0.0) + growth
        rows.append(
            {
                "function": function,
                "resources": sweep["truth"]["listed"],
                "outcomes": sweep["outcomes"],
                "governed_calls": made,
                "lower_bound": bound,
                "ratio": round(made / bound["bound"], 2),
                "floor": (found := floor(function, sweep)),
                "floor_ratio": round(made / found["bound"], 2),
                "per_resource_reads": per_resource_reads(sweep["calls"]),
                "calls": governed(sweep["calls"]),
                "bookkeeping_calls": (bookkeeping := sum(sweep["calls"].values()) - made),
                "total_calls": made + bookkeeping,
                "changed": (changed := changes(sweep)),
                "wall_ms_per_change": round(sweep["wall_s"] * 1000 / changed, 2) if changed else None,
                "bookkeeping_goal": bookkeeping_goal(function, sweep),
                "wall_s": sweep["wall_s"],
                "seed_s": sweep["seed_s"],
                "rss_growth_mb": round(growth, 1),
                "estimated_peak_mb": round(estimated_peak, 1),
                "memory_mb": spec.memory,
                "invocations": sweep["invocations"],
                "finished": sweep["finished"],
                "longest_invocation_s": max(sweep["simulated_s"]),
                "throttled_total_s": round(sum(sweep["simulated_s"]), 1),
                "timeout_s": spec.timeout,
            }
        )
    return rows


def changes(sweep: Mapping[str, Any]) -> int:
    """Resources acted on: each applied or failed change (a failed one was attempted)."""
    return int(sweep["outcomes"].get("applied", 0)) + int(sweep["outcomes"].get("failed", 0))


def bookkeeping_goal(function: str, sweep: Mapping[str, Any]) -> float:
    """Issue 20's goal for a sweep's bookkeeping calls: a tenth of its actions plus one per page listed."""
    return round(0.1 * changes(sweep) + listings(function, sweep), 1)


def runs_per_month(schedule: str) -> float:
    match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", schedule)
    if not match:
        raise ValueError(f"unsupported schedule {schedule!r}")
    n, unit = int(match.group(1)), match.group(2).rstrip("s")
    hours = {"minute": n / 60, "hour": n, "day": 24 * n}[unit]
    return HOURS_PER_MONTH / hours


def schedules(template: Mapping[str, Any]) -> dict[str, str]:
    found = {}
    for logical_id, resource in template["Resources"].items():
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") == "Schedule":
                found[logical_id] = event["Properties"]["Schedule"]
    return found


def cost_rows(
    sweeps: Sequence[Mapping[str, Any]], specs: Mapping[str, FunctionSpec], template: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Monthly GB-seconds and USD of each scheduled function at the bench's scale. Each run's billed
    duration is taken as its throttled (simulated) duration: waiting on a rate-limited API is billed."""
    durations: dict[str, tuple[float, int]] = {s["function"]: (sum(s["simulated_s"]), s["invocations"]) for s in sweeps}
    log_sweep = next((s for s in sweeps if s["function"] == "LogRetentionFunction"), None)
    if log_sweep and log_sweep.get("impact_report"):
        durations["ImpactReportFunction"] = (log_sweep["impact_report"]["wall_s"], 1)
    rows = []
    for logical_id, schedule in sorted(schedules(template).items()):
        monthly = runs_per_month(schedule)
        row: dict[str, Any] = {"function": logical_id, "schedule": schedule, "runs_per_month": round(monthly, 1)}
        if logical_id not in durations:
            # Not benched: its cost is unknown, not zero, and is left out of the total.
            rows.append(row | {"seconds_per_run": None, "gb_s_per_month": None, "usd_per_month": None})
            continue
        seconds, invocations = durations[logical_id]
        gb_s = monthly * seconds * specs[logical_id].memory / 1024
        usd = gb_s * USD_PER_GB_S_ARM64 + monthly * invocations * USD_PER_MILLION_REQUESTS / 1e6
        rows.append(
            row
            | {"seconds_per_run": round(seconds, 1), "gb_s_per_month": round(gb_s, 1), "usd_per_month": round(usd, 4)}
        )
    return rows
