"""Dry-run writes nothing to a governed resource, across every handler invocation of the test run.

Run by ``tests/conftest.py::pytest_sessionfinish`` over ``tools.simulator.invoke.INVOCATIONS`` (each
invocation's writes, recorded from botocore). A write is any operation that is not a read by name
(``invoke.is_write``). These are ecoguard's own resources, not governed ones, and a dry run may write them,
each named by the function's own environment:

- the audit table (``ECOGUARD_AUDIT_TABLE``): records, state marks and sweep checkpoints;
- the notification topic (``ECOGUARD_TOPIC_ARN``): SNS Publish of the run's summary;
- the function itself (``AWS_LAMBDA_FUNCTION_NAME``): Lambda Invoke, a sweep's hand-off to its next invocation;
- the stack's report bucket (``ECOGUARD_REPORT_BUCKET``): S3 PutObject of the weekly report;
- the organization's central bus (``ECOGUARD_CENTRAL_BUS_ARN``): PutEvents of audit records, dry-run ones too;
- the stack's record key (``ECOGUARD_RECORD_KEY``): KMS GenerateMac and VerifyMac of audit records (a restore
  preview verifies the record it reads).

Anything else written in dry-run is a violation.
"""

from __future__ import annotations

from collections.abc import Iterable

from tools.simulator.invoke import Invocation, Write

# RestoreFunction ignores ECOGUARD_MODE: its request's "apply" flag decides (without it, a preview); its
# schedule only finishes steps of restores an operator applied (ecoguard.restore.finish_pending_steps).
REQUEST_DECIDES_MODE = frozenset({"RestoreFunction"})
DRY_RUN = "dry-run"


def is_dry_run(invocation: Invocation) -> bool:
    if invocation.logical_id in REQUEST_DECIDES_MODE:
        return not invocation.apply_requested
    return invocation.mode == DRY_RUN


def own_writes(invocation: Invocation) -> set[tuple[str, str | None, str | None]]:
    """(service, operation or None for any, target) that are ecoguard's own."""
    env = invocation.environment
    own: set[tuple[str, str | None, str | None]] = {
        ("dynamodb", None, env.get("ECOGUARD_AUDIT_TABLE")),
        ("sns", "Publish", env.get("ECOGUARD_TOPIC_ARN")),
        ("lambda", "Invoke", env.get("AWS_LAMBDA_FUNCTION_NAME")),
        ("s3", "PutObject", env.get("ECOGUARD_REPORT_BUCKET")),
        ("events", "PutEvents", env.get("ECOGUARD_CENTRAL_BUS_ARN")),
        ("kms", "GenerateMac", env.get("ECOGUARD_RECORD_KEY")),
        ("kms", "VerifyMac", env.get("ECOGUARD_RECORD_KEY")),
    }
    return {entry for entry in own if entry[2]}


def is_own(write: Write, invocation: Invocation) -> bool:
    own = own_writes(invocation)
    return (write.service, write.operation, write.target) in own or (write.service, None, write.target) in own


def governed_writes_in_dry_run(invocations: Iterable[Invocation]) -> list[str]:
    """Every write a dry-run invocation made to something that is not ecoguard's own."""
    return [
        f"{invocation.logical_id} (dry-run): {write.service}:{write.operation} on {write.target or '(no target)'}"
        for invocation in invocations
        if is_dry_run(invocation)
        for write in invocation.writes
        if not is_own(write, invocation)
    ]
