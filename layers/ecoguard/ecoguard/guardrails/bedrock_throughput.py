"""Amazon Bedrock Provisioned Throughput: idle capacity bought by the model-unit hour.

A Provisioned Throughput is billed hourly per model unit while it exists, used or not; one bought with a
commitment (``commitmentDuration`` OneMonth or SixMonths) cannot be deleted before its term ends
(DeleteProvisionedModelThroughput: "You can't delete a Provisioned Throughput before the commitment term is
over"), and billing goes on until it is deleted (Bedrock User Guide, "Provisioned Throughput"). Deleting
one cannot be undone: buying the same capacity again makes a new ARN, the model units may need a quota
request first, and it is billed at the price of the day (User Guide, "Purchase a Provisioned Throughput").

Usage is ``AWS/Bedrock`` ``Invocations``, ``InputTokenCount`` and ``OutputTokenCount`` with the dimension
``ModelId`` set to the provisioned model's ARN (User Guide, "Monitor bedrock-runtime inference using
CloudWatch metrics"). ``AWS/`` namespaces are reserved to AWS services (CloudWatch API reference,
PutMetricData), and each metric is read as its Maximum and its Sum per day, so no datapoint added by anyone
can make a busy throughput look idle: one positive value anywhere is use.

Rules, in order:

1. The guardrail disabled, or the throughput not ``InService`` (Creating, Updating, Failed): no decision.
2. Younger than the window (``creationTime``): not judged.
3. Usage (``usage_verdict``): a query CloudWatch could not answer completely is unknown; any positive
   Maximum or Sum is busy; datapoints, all zero, are idle; no datapoint at all is unknown too (no data),
   unless the policy says ``no_data_is_idle``: the metric reference does not say that an absent datapoint
   means no request.
4. With a commitment: never deleted. A finding with the end of its term (``commitmentExpirationTime``);
   within ``notice_days_before_end`` of it, a notice, "do not renew" when it stayed idle. A term already
   over, or an unknown end, is said as such.
5. Without a commitment:
   - busy: no decision; a notice given earlier is cleared;
   - unknown: a finding saying which evidence is missing; nothing is deleted on a guess;
   - idle and tagged ``ecoguard:exempt=true``: skipped;
   - idle, not yet noticed (no mark in this mode's state): a notice that it will be deleted after
     ``grace_hours``, and that deleting it cannot be undone; the mark is set once that record is written;
   - idle, noticed at least ``grace_hours`` ago: deleted. The record's ``before`` holds everything needed to
     buy the same throughput again (name, model, foundation model, model units, tags).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from ecoguard.decisions import Finding, Outcome, Plan, PlannedAction, Put, Remove, Resource, Skip, StateChange
from ecoguard.guardrails.tags import is_exempt
from ecoguard.impact import HOURS_PER_MONTH, not_estimated, region_of
from ecoguard.policy.bedrock_throughput import BedrockThroughputPolicy
from ecoguard.throughput_prices import PRICE_LIST, throughput_price

GUARDRAIL = "bedrock-throughput"
KIND = "AWS::Bedrock::ProvisionedModelThroughput"

DELETE = "delete-provisioned-throughput"
NOTICE = "idle-throughput-notice"
UNKNOWN_USAGE = "throughput-usage-unknown"
COMMITTED = "committed-throughput"
COMMITMENT_ENDING = "commitment-ending"
ADVICE = frozenset({UNKNOWN_USAGE, COMMITTED, COMMITMENT_ENDING})

NAMESPACE = "AWS/Bedrock"
DIMENSION = "ModelId"
METRICS = ("Invocations", "InputTokenCount", "OutputTokenCount")
IN_SERVICE = "InService"  # ProvisionedModelStatus: Creating, InService, Updating, Failed

IRREVERSIBLE = (
    "a deleted Provisioned Throughput cannot be brought back: buying it again makes a new ARN (callers must be "
    "pointed at it), its model units may need a quota request first, and it is billed at the price of the day"
)


class Usage(StrEnum):
    BUSY = "busy"
    IDLE = "idle"
    NO_DATA = "no-data"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class MetricEvidence:
    """One metric over the window, per day: how many datapoints, the highest Maximum, the total Sum (None when
    there was no datapoint), and whether CloudWatch answered completely."""

    datapoints: int = 0
    maximum: float | None = None
    total: float | None = None
    complete: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"datapoints": self.datapoints, "maximum": self.maximum, "sum": self.total, "complete": self.complete}


@dataclass(frozen=True)
class Throughput:
    """GetProvisionedModelThroughput, with the tags ListTagsForResource returned."""

    name: str
    arn: str
    model_arn: str
    foundation_model_arn: str
    model_units: int
    desired_model_units: int
    status: str
    created: datetime
    commitment: str | None = None  # CommitmentDuration: OneMonth, SixMonths; absent: no commitment
    commitment_ends: datetime | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def resource(self) -> Resource:
        return Resource(arn=self.arn, name=self.name, kind=KIND, tags=self.tags)


@dataclass(frozen=True)
class Mark:
    """The idle notice in ecoguard's state (one per mode): since when (None: not noticed) and its version."""

    since: datetime | None = None
    version: int = 0


@dataclass(frozen=True)
class ObservedThroughput:
    throughput: Throughput
    evidence: Mapping[str, MetricEvidence]  # by metric name; a metric missing here is unknown
    mark: Mark = Mark()


def mark_key(arn: str) -> str:
    return f"throughput/{arn}"


def usage_verdict(evidence: Mapping[str, MetricEvidence]) -> Usage:
    metrics = [evidence.get(name) for name in METRICS]
    if any(m is None or not m.complete for m in metrics):
        return Usage.UNKNOWN
    known = [m for m in metrics if m is not None]
    if any((m.maximum or 0.0) > 0 or (m.total or 0.0) > 0 for m in known):
        return Usage.BUSY
    if all(m.datapoints == 0 for m in known):
        return Usage.NO_DATA
    return Usage.IDLE


def purchase(throughput: Throughput) -> dict[str, Any]:
    """Everything needed to buy the same throughput again (CreateProvisionedModelThroughput: provisionedModelName,
    modelId, modelUnits, commitmentDuration, tags), and what it was."""
    return {
        "provisionedModelName": throughput.name,
        "provisionedModelArn": throughput.arn,
        "modelArn": throughput.model_arn,
        "foundationModelArn": throughput.foundation_model_arn,
        "modelUnits": throughput.model_units,
        "desiredModelUnits": throughput.desired_model_units,
        "commitmentDuration": throughput.commitment,
        "commitmentExpirationTime": None
        if throughput.commitment_ends is None
        else throughput.commitment_ends.isoformat(),
        "status": throughput.status,
        "creationTime": throughput.created.isoformat(),
        "tags": [{"key": k, "value": v} for k, v in sorted(throughput.tags.items())],
    }


def cost(throughput: Throughput, period: str, hours: float) -> dict[str, Any]:
    """The throughput's cost over ``hours``: model units x the pinned price; unknown where none is listed.
    No power figure is published for a Bedrock model unit, so energy and carbon are unknown."""
    region = region_of(throughput.arn)
    basis = f"{throughput.model_units} model unit(s) of {throughput.foundation_model_arn.rsplit('/', 1)[-1]}"
    no_power = "no published power figure for a Bedrock model unit: energy and carbon unknown"
    price = throughput_price(throughput.foundation_model_arn, throughput.commitment, region)
    if price is None:
        term = throughput.commitment or "no commitment"
        return not_estimated(period, basis, f"no price for this model ({term}, {region}) in {PRICE_LIST}", no_power)
    usd = price.usd_per_model_unit_hour * throughput.model_units * hours
    return {
        "kwh": None,
        "kg_co2e": None,
        "usd": usd,
        "period": period,
        "basis": f"{basis} x {price.usd_per_model_unit_hour:g} USD per model-unit hour ({price.source}, "
        f"retrieved {price.retrieved}) x {hours:g} h",
        "unknown": [no_power],
        "method": "bedrock-price-list",
    }


def _evidence(observed: ObservedThroughput, usage: Usage, policy: BedrockThroughputPolicy) -> dict[str, Any]:
    return {
        "usage": usage.value,
        "window_days": policy.window_days,
        "metrics": {name: (m.as_dict() if (m := observed.evidence.get(name)) else None) for name in METRICS},
        **purchase(observed.throughput),
    }


def plan_throughput(observed: ObservedThroughput, policy: BedrockThroughputPolicy, now: datetime) -> Plan:
    throughput, mark = observed.throughput, observed.mark
    if not policy.enabled or throughput.status != IN_SERVICE:
        return Plan()
    window = timedelta(days=policy.window_days)
    if now - throughput.created < window:
        return Plan()
    usage = usage_verdict(observed.evidence)
    if usage is Usage.NO_DATA and policy.no_data_is_idle:
        usage = Usage.IDLE
    evidence = _evidence(observed, usage, policy)
    if throughput.commitment is not None:
        return Plan((_committed(throughput, usage, evidence, policy, now),))
    key = mark_key(throughput.arn)
    if usage is Usage.BUSY:
        return Plan((), StateChange(key, mark.version, otherwise=Remove())) if mark.version else Plan()
    if usage is not Usage.IDLE:
        return Plan((_unknown(throughput, usage, evidence, policy),))
    if is_exempt(throughput.tags):
        return Plan((Skip(GUARDRAIL, throughput.resource, "tagged ecoguard:exempt=true", evidence),))
    monthly = cost(throughput, "per month", HOURS_PER_MONTH)
    if mark.since is None:
        notice = Finding(
            GUARDRAIL,
            throughput.resource,
            NOTICE,
            f"no invocations and no tokens for {policy.window_days} days, no commitment: ecoguard deletes it "
            f"{policy.grace_hours} h after this notice unless it is used or tagged ecoguard:exempt=true. "
            f"Not reversible: {IRREVERSIBLE}",
            evidence,
            monthly,
        )
        put = Put({"since": now.isoformat()}, timedelta(hours=policy.grace_hours) + timedelta(days=7))
        return Plan((notice,), StateChange(key, mark.version, settle={Outcome.FINDING: put}))
    if now - mark.since < timedelta(hours=policy.grace_hours):
        return Plan()
    delete = PlannedAction(
        GUARDRAIL,
        throughput.resource,
        DELETE,
        evidence,
        {"exists": False},
        f"no invocations and no tokens for {policy.window_days} days, no commitment, noticed at "
        f"{mark.since.isoformat()} (grace {policy.grace_hours} h): deleted",
        monthly,
    )
    return Plan((delete,), StateChange(key, mark.version, settle={Outcome.APPLIED: Remove()}))


def _unknown(
    throughput: Throughput, usage: Usage, evidence: Mapping[str, Any], policy: BedrockThroughputPolicy
) -> Finding:
    if usage is Usage.NO_DATA:
        why = (
            f"no datapoint of {', '.join(METRICS)} in {NAMESPACE} for {DIMENSION}={throughput.arn} in "
            f"{policy.window_days} days; Bedrock's metric reference does not say that no datapoint means no "
            "request, so usage is unknown (set bedrock_throughput.no_data_is_idle to treat it as idle)"
        )
    else:
        missing = [name for name in METRICS if not (evidence["metrics"].get(name) or {}).get("complete")]
        why = f"CloudWatch did not answer completely for {', '.join(missing)}: usage unknown"
    return Finding(
        GUARDRAIL,
        throughput.resource,
        UNKNOWN_USAGE,
        f"{why}; nothing is deleted on a guess",
        evidence,
        cost(throughput, "per month", HOURS_PER_MONTH),
    )


def _committed(
    throughput: Throughput,
    usage: Usage,
    evidence: Mapping[str, Any],
    policy: BedrockThroughputPolicy,
    now: datetime,
) -> Finding:
    ends = throughput.commitment_ends
    used = {
        Usage.BUSY: "it was used",
        Usage.IDLE: "it stayed idle",
        Usage.NO_DATA: "its usage is unknown (no datapoint)",
        Usage.UNKNOWN: "its usage is unknown",
    }[usage]
    term = f"{throughput.commitment} commitment"
    if ends is None:
        reason = f"{term}, end of term unknown (no commitmentExpirationTime); {used} in {policy.window_days} days"
        monthly = cost(throughput, "per month", HOURS_PER_MONTH)
        return Finding(GUARDRAIL, throughput.resource, COMMITTED, reason, evidence, monthly)
    left = ends - now
    if left <= timedelta(0):
        reason = (
            f"{term} ended {ends.date().isoformat()}; {used} in {policy.window_days} days. It bills at the "
            "no-commitment rate until deleted; ecoguard does not delete a throughput bought with a commitment"
        )
        return Finding(
            GUARDRAIL, throughput.resource, COMMITTED, reason, evidence, cost(throughput, "per month", HOURS_PER_MONTH)
        )
    remaining = cost(throughput, "until the term ends", left.total_seconds() / 3600)
    if left <= timedelta(days=policy.notice_days_before_end):
        advice = "do not renew: " if usage is Usage.IDLE else ""
        reason = (
            f"{advice}{term} ends {ends.date().isoformat()} (in {left.days} days); {used} in "
            f"{policy.window_days} days. After the term it bills until deleted"
        )
        return Finding(GUARDRAIL, throughput.resource, COMMITMENT_ENDING, reason, evidence, remaining)
    reason = f"{term} until {ends.date().isoformat()}: cannot be deleted before; {used} in {policy.window_days} days"
    return Finding(GUARDRAIL, throughput.resource, COMMITTED, reason, evidence, remaining)
