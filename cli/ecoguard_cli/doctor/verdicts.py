"""The doctor's verdicts: pure functions from what was read to a row of the table. No AWS here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ecoguard_cli.doctor.model import Row, Status

LOG_GROUP_ARN = re.compile(r"arn:[^:]+:logs:[^:]+:\d{12}:log-group:[^:]+")
# The first botocore release whose S3 model has each parameter ecoguard sends (measured from the service
# model in each botocore wheel on PyPI: ListBuckets MaxBuckets 1.34.162, BucketRegion 1.35.42; lifecycle
# TransitionDefaultMinimumObjectSize 1.35.32).
NEEDED_BOTOCORE = {
    "ListBuckets MaxBuckets": (1, 34, 162),
    "ListBuckets BucketRegion": (1, 35, 42),
    "PutBucketLifecycleConfiguration TransitionDefaultMinimumObjectSize": (1, 35, 32),
}
BOTOCORE_IN_TEXT = re.compile(r"botocore[ =:]=?\s*v?(\d+)\.(\d+)\.(\d+)", re.IGNORECASE)
RUNTIME = "python3.12"


def shortlist(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


@dataclass(frozen=True)
class Simulated:
    action: str
    resource: str
    decision: str  # allowed | explicitDeny | implicitDeny (IAM API Reference, EvaluationResult)


def permission_row(function: str, results: Sequence[Simulated], unsampled: Sequence[str]) -> Row:
    name = f"permissions: {function}"
    denied = [f"{r.action} on {r.resource} ({r.decision})" for r in results if r.decision != "allowed"]
    if denied:
        return Row(
            name,
            Status.FAIL,
            f"{len(denied)} of {len(results)} calls denied: {shortlist(denied)}",
            "explicitDeny: an SCP, a permissions boundary or another Deny blocks it; implicitDeny: the role "
            "lacks it. Redeploy this version's template.yaml, and check the organization's SCPs.",
        )
    if unsampled:
        return Row(name, Status.UNKNOWN, f"no sample resource for {shortlist(list(unsampled))}",
                   "add them to ecoguard_cli/doctor/calls.py::SAMPLE_RESOURCE")  # fmt: skip
    return Row(name, Status.OK, f"all {len(results)} calls allowed (iam:SimulatePrincipalPolicy)")


def log_group_arn_row(tagged: Sequence[str], described: Mapping[str, str]) -> Row:
    """``tagged``: log-group ARNs the tagging API returned; ``described``: log group name -> the ARN
    DescribeLogGroups gives it (``logGroupArn``, the form the code matches tags on)."""
    name = "tagging API: log-group ARNs"
    if not tagged:
        return Row(name, Status.UNKNOWN, "the tagging API returned no log group",
                   "tag one log group (e.g. ecoguard:retention-days=30) and run doctor again")  # fmt: skip
    wrong = [arn for arn in tagged if not LOG_GROUP_ARN.fullmatch(arn)]
    unmatched = [
        arn for arn in tagged if arn not in wrong and described.get(arn.split(":log-group:", 1)[1], arn) != arn
    ]
    if wrong or unmatched:
        return Row(
            name,
            Status.FAIL,
            f"not in the form DescribeLogGroups' logGroupArn has: {shortlist(wrong + unmatched)}",
            "the log-retention sweep would miss these groups' exempt and retention tags: report it",
        )
    return Row(name, Status.OK, f"{len(tagged)} log groups, each as arn:...:log-group:NAME (no ':*')")


def abac_row(statuses: Mapping[str, str | None], *, more: bool = False) -> Row:
    """Bucket -> its ABAC status (Enabled, Disabled, or None when it could not be read); ``more``: the region
    has more buckets than were read."""
    row = _abac_row(statuses)
    if more:
        return Row(row.check, row.result, f"{row.detail} (the first {len(statuses)} buckets only)", row.todo)
    return row


def _abac_row(statuses: Mapping[str, str | None]) -> Row:
    name = "S3 ABAC (exempt Deny holds)"
    if not statuses:
        return Row(name, Status.OK, "no bucket in this region")
    unread = sorted(b for b, s in statuses.items() if s is None)
    off = sorted(b for b, s in statuses.items() if s not in {None, "Enabled"})
    if off:
        return Row(
            name,
            Status.WARN,
            f"ABAC off on {len(off)} of {len(statuses)} buckets ({shortlist(off)}): IAM does not read their tags,"
            " so the role's exempt Deny does not hold there; ecoguard's own exempt check still skips them",
            "PutBucketAbac Status=Enabled on buckets whose exemption must also hold in IAM "
            "(S3 User Guide, 'Enabling ABAC in general purpose buckets')",
        )
    if unread:
        return Row(name, Status.UNKNOWN, f"could not read ABAC of {shortlist(unread)}",
                   "allow s3:GetBucketAbac to the caller")  # fmt: skip
    return Row(name, Status.OK, f"ABAC on in all {len(statuses)} buckets")


def retention_policies_row(policies: Sequence[Mapping[str, object]] | None) -> Row:
    name = "account-level log retention"
    if policies is None:
        return Row(name, Status.UNKNOWN, "this SDK's CloudWatch Logs model has no RETENTION_POLICY type",
                   "upgrade boto3/botocore and run doctor again")  # fmt: skip
    if not policies:
        return Row(name, Status.OK, "no account-level retention policy: each group's own retention applies")
    names = [str(p.get("policyName", "?")) for p in policies]
    return Row(
        name,
        Status.WARN,
        f"account retention policies: {shortlist(names)}. Groups they cover report retentionPolicyName, and a "
        "PutRetentionPolicy changes nothing on them (CloudWatch Logs API, LogGroup)",
        "expect the log-retention sweep to skip those groups; change retention there through the account policy",
    )


@dataclass(frozen=True)
class Trail:
    name: str
    logging: bool | None
    management_writes: bool  # records write management events (basic or advanced selectors)


def trail_row(trails: Sequence[Trail]) -> Row:
    name = "CloudTrail management events"
    recording = [t.name for t in trails if t.management_writes and t.logging]
    if recording:
        return Row(name, Status.OK, f"recorded by {shortlist(recording)}")
    stopped = [t.name for t in trails if t.management_writes and t.logging is None]
    if stopped:
        return Row(name, Status.UNKNOWN, f"could not read whether {shortlist(stopped)} is logging",
                   "allow cloudtrail:GetTrailStatus to the caller")  # fmt: skip
    return Row(
        name,
        Status.FAIL,
        "no logging trail records write management events: the CreateLogGroup and CreateBucket events never "
        "reach ecoguard, so new log groups and buckets wait for the next sweep",
        "create a trail with management events (read/write: All or WriteOnly), or enable the organization trail",
    )


def basic_selectors_record_writes(selectors: Iterable[Mapping[str, object]]) -> bool:
    return any(
        s.get("IncludeManagementEvents", True) and s.get("ReadWriteType", "All") in ("All", "WriteOnly")
        for s in selectors
    )


def advanced_selectors_record_writes(selectors: Iterable[Mapping[str, object]]) -> bool:
    """A selector on eventCategory = Management that does not keep only read-only events."""
    for selector in selectors:
        fields = {str(f.get("Field")): f for f in selector.get("FieldSelectors", [])}  # type: ignore[attr-defined]
        category = fields.get("eventCategory", {})
        if "Management" not in category.get("Equals", []):
            continue
        read_only = fields.get("readOnly", {})
        if "true" in read_only.get("Equals", []):
            continue
        return True
    return False


def botocore_version(text: str) -> tuple[int, int, int] | None:
    found = BOTOCORE_IN_TEXT.search(text)
    return (int(found.group(1)), int(found.group(2)), int(found.group(3))) if found else None


def sdk_row(functions: Sequence[str], runtime: str, layer_botocore: tuple[int, int, int] | None) -> Row:
    """One row for the functions that share a runtime and a layer's botocore."""
    name = f"SDK: {shortlist(list(functions), 3)}"
    if runtime != RUNTIME:
        return Row(name, Status.FAIL, f"runtime {runtime}; ecoguard is built and tested for {RUNTIME}",
                   "redeploy this version's template.yaml")  # fmt: skip
    if layer_botocore is None:
        needed = ", ".join(f"{p} >= {'.'.join(map(str, v))}" for p, v in NEEDED_BOTOCORE.items())
        return Row(
            name,
            Status.UNKNOWN,
            f"{runtime}; its layer names no botocore version, and the runtime's own cannot be read without "
            f"invoking the function. Needed: {needed}",
            "compare with the SDK version AWS lists for python3.12 ('Lambda runtimes'), or bundle boto3 in the layer",
        )
    version = ".".join(map(str, layer_botocore))
    older = [p for p, v in NEEDED_BOTOCORE.items() if layer_botocore < v]
    if older:
        return Row(name, Status.FAIL, f"layer's botocore {version} predates: {shortlist(older)}",
                   "rebuild the layer with a newer boto3/botocore and redeploy")  # fmt: skip
    return Row(name, Status.OK, f"{runtime}, layer's botocore {version} supports every parameter ecoguard sends")


def sdk_features_row(function: str, needs: Sequence[str], said: Sequence[str] | None) -> Row:
    """``said``: the function's log lines of the last day saying its runtime's SDK lacks something (None: its
    logs could not be read)."""
    name = f"SDK features: {function}"
    if said is None:
        return Row(name, Status.UNKNOWN, f"its logs could not be read; it needs {shortlist(list(needs))}",
                   "allow logs:FilterLogEvents on its log group, or read its logs for \"not supported by this "
                   "runtime's SDK\"")  # fmt: skip
    if said:
        return Row(name, Status.FAIL, f"its runtime's SDK lacks what it reads: {said[0][:300]}",
                   "bundle a newer boto3/botocore in the layer (docs/PERFORMANCE.md)")  # fmt: skip
    return Row(name, Status.OK, f"no run in the last day said its SDK lacks any of: {shortlist(list(needs), 8)}")


def exempt_deny_row(function: str, results: Sequence[Simulated]) -> Row:
    """``results``: the function's exempt-denied writes, simulated on a resource tagged ecoguard:exempt=true."""
    name = f"exempt deny: {function}"
    open_ = [f"{r.action} ({r.decision})" for r in results if r.decision != "explicitDeny"]
    if not results:
        return Row(name, Status.UNKNOWN, "nothing simulated")
    if open_:
        return Row(
            name,
            Status.FAIL,
            f"not denied on an exempt resource: {shortlist(open_)}",
            "redeploy this version's template.yaml (its Never* statements); ecoguard's own exempt check still "
            "skips the resource",
        )
    s3 = (
        " (S3 reads the tag only where ABAC is on: see the ABAC row)"
        if any(r.action.startswith("s3:") for r in results)
        else ""
    )
    return Row(name, Status.OK, f"{len(results)} writes denied on ecoguard:exempt=true{s3}")


def scale_from_zero_row(checked: int, missing: Sequence[str]) -> Row:
    """Asynchronous endpoint variants and inference components (``checked``) and those whose scaling could not
    bring them back from zero (``missing``: what each lacks, ``guardrails.scale_from_zero``)."""
    name = "scale from zero (async endpoints, inference components)"
    if not checked:
        return Row(name, Status.OK, "no asynchronous endpoint or inference component in this region")
    if not missing:
        return Row(
            name, Status.OK, f"all {checked} can scale out from zero: the idle-endpoint guardrail may scale them in"
        )
    return Row(
        name,
        Status.WARN,
        f"{len(missing)} of {checked} could not scale out from zero: {shortlist(missing)}. The idle-endpoint "
        "guardrail records a finding for them and does not scale them to zero",
        "add a step scaling policy on a CloudWatch alarm of HasBacklogWithoutCapacity (async endpoints) or "
        "NoCapacityInvocationFailures (inference components) (SageMaker Developer Guide, 'Autoscale an "
        "asynchronous endpoint', 'Scale an endpoint to zero instances')",
    )
