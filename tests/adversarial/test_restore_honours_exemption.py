"""Attack 1b: a resource's owner exempts it after ecoguard acted, then someone (or a pending step's schedule) restores
the record. The restore wrote to the resource all the same: a record verified by its MAC said what to write, and
nothing asked whether ecoguard may still touch it.

Control: ``ecoguard.restore._refused_write`` (``WriteChecks``): just before a restore writes, the exemption tag is read
again from the resource's own service (``ecoguard/adapters/resource_tags.py``: SageMaker ListTags, Logs
ListTagsForResource, S3 GetBucketTagging); an exempt resource is skipped, with nothing written and no attempt
recorded, in a preview as in an apply.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Outcome
from tests.conftest import REGION, Stack, load_event
from tools.simulator.invoke import as_another_actor
from tools.simulator.s3_shim import FakeS3ConfigStore, fake_s3_configs
from tools.simulator.seed import retention_snapshot, seed_log_groups
from tools.simulator.seed_s3 import seed_buckets

FN = "RestoreFunction"
GROUP = "/aws/lambda/echoapi"
ENFORCE = {"ECOGUARD_MODE": "enforce"}
EXEMPT = {"ecoguard:exempt": "true"}


def applied(stack: Stack, name: str) -> AuditRecord:
    return next(r for r in stack.records() if r.resource.name == name and r.outcome is Outcome.APPLIED)


def attempts(stack: Stack, record: AuditRecord) -> list[AuditRecord]:
    return [r for r in stack.records() if r.action == f"restore:{record.action}" and r.resource == record.resource]


@pytest.mark.parametrize("apply", [False, True])
def test_given_a_log_group_exempted_since_then_the_restore_leaves_its_retention(stack: Stack, apply: bool) -> None:
    seed_log_groups()
    stack.invoke("LogRetentionFunction", load_event("log_retention/scheduled-sweep.json"), env=ENFORCE)
    record = applied(stack, GROUP)
    with as_another_actor():  # the group's owner
        boto3.client("logs", region_name=REGION).tag_resource(resourceArn=record.resource.arn, tags=EXEMPT)

    [done] = stack.invoke(FN, {"action_id": record.action_id, "apply": apply})

    assert done["outcome"] == "skipped" and "is tagged ecoguard:exempt=true now" in done["message"]
    assert retention_snapshot()[GROUP] == 30, "the retention ecoguard set stays: the owner decides now"
    assert attempts(stack, record) == [], "no attempt recorded"


def test_given_the_exemption_removed_again_then_the_same_record_restores(stack: Stack) -> None:
    seed_log_groups()
    stack.invoke("LogRetentionFunction", load_event("log_retention/scheduled-sweep.json"), env=ENFORCE)
    record = applied(stack, GROUP)
    logs = boto3.client("logs", region_name=REGION)
    with as_another_actor():
        logs.tag_resource(resourceArn=record.resource.arn, tags=EXEMPT)
    [refused] = stack.invoke(FN, {"action_id": record.action_id, "apply": True})
    with as_another_actor():
        logs.untag_resource(resourceArn=record.resource.arn, tagKeys=list(EXEMPT))
    [done] = stack.invoke(FN, {"action_id": record.action_id, "apply": True})
    assert (refused["outcome"], done["outcome"]) == ("skipped", "restored")
    assert retention_snapshot()[GROUP] is None


@pytest.fixture
def store(stack: Stack) -> Iterator[FakeS3ConfigStore]:
    with fake_s3_configs() as fake:
        seed_buckets()
        yield fake


def test_given_a_bucket_exempted_since_then_the_restore_leaves_its_lifecycle(
    stack: Stack, store: FakeS3ConfigStore
) -> None:
    stack.invoke("StorageLifecycleFunction", load_event("storage_lifecycle/scheduled-sweep.json"), env=ENFORCE)
    record = next(r for r in stack.records() if r.guardrail == "storage-lifecycle" and r.outcome is Outcome.APPLIED)
    written = store.lifecycle.get(record.resource.name)
    with as_another_actor():
        boto3.client("s3", region_name=REGION).put_bucket_tagging(
            Bucket=record.resource.name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in EXEMPT.items()]}
        )

    [done] = stack.invoke(FN, {"action_id": record.action_id, "apply": True})

    assert done["outcome"] == "skipped" and "ecoguard:exempt=true" in done["message"]
    assert store.lifecycle.get(record.resource.name) == written
    assert attempts(stack, record) == []
