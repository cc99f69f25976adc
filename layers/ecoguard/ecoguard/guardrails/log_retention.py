"""Log retention: give governed log groups that keep logs forever a retention.

Rules, in order:

1. Out of scope (prefix not governed, or the guardrail disabled): no decision.
2. An explicit retention within the ceiling is compliant. Without ``max_days`` an explicit
   retention is never shortened, however long.
3. ``ecoguard:exempt=true``: skipped, with the reason recorded.
3a. Governed by an account-level retention policy (DescribeLogGroups returns ``retentionPolicyName``;
   ``retentionInDays`` then shows that policy's value, absent if it keeps logs forever; CloudWatch Logs
   API, ``LogGroup``): skipped with that reason, and no impact is booked, since a PutRetentionPolicy
   would change nothing.
4. ``ecoguard:retention-days=N`` replaces the policy's days and ceiling for that group; an N
   that CloudWatch Logs does not accept is skipped, never applied.
5. Otherwise: set the policy's days (no retention), or the ceiling (retention above it).

A runtime whose SDK's CloudWatch Logs model lacks ``retentionPolicyName`` parses it away from every
response, so rule 3a could never fire: such a runner acts on no group at all and says so once per run
(``adapters.sdk_support``, ``actions.log_retention``). One that lacks ``logGroupClass`` still acts, but its
estimates' cost is unknown (``log_class`` None), never priced as the Standard class.

``plan_retention`` is the guardrail's contract: one observed group (with its tags, read only for a
candidate), the policy and the time -> a ``Plan``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ecoguard.decisions import OUT_OF_SCOPE, Decision, Plan, PlannedAction, Resource, Skip, plan_of
from ecoguard.guardrails.tags import is_exempt
from ecoguard.impact import CURRENT, HOURS_PER_DAY, region_of, storage_estimate, stored_cost
from ecoguard.policy import RETENTION_DAYS, LogRetentionPolicy

GUARDRAIL = "log-retention"
ACTION = "put-retention-policy"
RETENTION_TAG = "ecoguard:retention-days"
CLASS_UNREAD = "log group class not read (this runtime's SDK lacks LogGroup.logGroupClass)"


@dataclass(frozen=True)
class LogGroup:
    name: str
    arn: str
    retention_days: int | None
    stored_bytes: int | None = None
    account_policy: str | None = None  # retentionPolicyName: an account-level policy sets the retention
    # logGroupClass (STANDARD when not returned: the API's default); None when this runtime's SDK cannot read it
    log_class: str | None = "STANDARD"

    @property
    def resource(self) -> Resource:
        return Resource(arn=self.arn, name=self.name, kind="AWS::Logs::LogGroup")


@dataclass(frozen=True)
class ObservedGroup:
    """A log group as collected: its tags are read only when it is a candidate (``is_candidate``)."""

    group: LogGroup
    tags: Mapping[str, str] | None = None


def plan_retention(observed: ObservedGroup, policy: LogRetentionPolicy, now: datetime) -> Plan:
    """``now`` is unused: retention does not depend on the time (the contract takes it for every guardrail)."""
    group = observed.group
    if not is_candidate(group, policy):
        return Plan() if in_scope(group.name, policy) else OUT_OF_SCOPE
    return plan_of(decide_retention(group, observed.tags or {}, policy))


def in_scope(name: str, policy: LogRetentionPolicy) -> bool:
    if not policy.enabled:
        return False
    return policy.all_groups or any(name.startswith(prefix) for prefix in policy.prefixes)


def is_candidate(group: LogGroup, policy: LogRetentionPolicy) -> bool:
    """Whether the group may need a change, before its tags are known.

    Only candidates have their tags read, which keeps a sweep near one listing call per
    page plus one write per group that needs one.
    """
    if not in_scope(group.name, policy):
        return False
    if group.retention_days is None:
        return True
    return policy.max_days is not None and group.retention_days > policy.max_days


def retention_impact(group: LogGroup) -> dict[str, Any]:
    """Expiry removes at most what the group stores now: the per-day storage of those bytes, which is also what
    the group costs now (``CURRENT``). A class this runtime's SDK cannot read leaves the cost unknown (Standard
    and Infrequent Access are priced apart)."""
    priced_as = None if group.log_class is None else ("cloudwatch-logs", group.log_class)
    period = "per day, upper bound (bytes stored now)"
    region = region_of(group.arn)
    estimate = storage_estimate(
        group.stored_bytes,
        hours=HOURS_PER_DAY,
        region=region,
        medium="hdd",
        replication_key="replication_default",
        period=period,
        priced_as=priced_as,
    )
    current = stored_cost(group.stored_bytes, hours=HOURS_PER_DAY, region=region, priced_as=priced_as, period="per day")
    if group.log_class is None:
        estimate = replace(estimate, unknown=(*estimate.unknown, CLASS_UNREAD))
        current = replace(current, unknown=(CLASS_UNREAD,)) if group.stored_bytes is not None else current
    return {**estimate.to_dict(), CURRENT: current.to_dict()}


def governed_by_account_policy(name: str) -> str:
    return (
        f"retention set by the account-level retention policy {name!r}: PutRetentionPolicy on the group would "
        "change nothing (change the account policy instead)"
    )


def decide_retention(group: LogGroup, tags: Mapping[str, str], policy: LogRetentionPolicy) -> Decision | None:
    """Decide for one candidate group. ``None`` means compliant or out of scope."""
    if not is_candidate(group, policy):
        return None
    before = {"retentionInDays": group.retention_days}
    resource = replace(group.resource, tags=tags)
    if is_exempt(tags):
        return Skip(GUARDRAIL, resource, "tagged ecoguard:exempt=true", before, retention_impact(group))
    if group.account_policy is not None:
        return Skip(GUARDRAIL, resource, governed_by_account_policy(group.account_policy), before)

    default_days, max_days = policy.default_days, policy.max_days
    if RETENTION_TAG in tags:
        raw = tags[RETENTION_TAG].strip()
        if not raw.isdigit() or int(raw) not in RETENTION_DAYS:
            return Skip(
                GUARDRAIL,
                resource,
                f"tag {RETENTION_TAG}={raw!r} is not a retention CloudWatch Logs accepts",
                before,
            )
        default_days = max_days = int(raw)

    if group.retention_days is None:
        target = default_days
        why = f"no retention (logs kept forever) -> {target} days"
    elif max_days is not None and group.retention_days > max_days:
        target = max_days
        why = f"retention {group.retention_days} days exceeds the maximum {max_days} days"
    else:
        return None
    if RETENTION_TAG in tags:
        why += f" (from tag {RETENTION_TAG})"
    after = {"retentionInDays": target}
    return PlannedAction(GUARDRAIL, resource, ACTION, before, after, why, retention_impact(group))
