"""Attack 4b: a bucket's owner exempts it while a sweep is between reading it and writing its lifecycle rules. The
sweep read the tags once, before the configuration, and wrote the merged rules (expiration included) on a bucket
tagged ``ecoguard:exempt=true`` since. No IAM Deny backs the tag: S3 evaluates ``aws:ResourceTag`` on a general
purpose bucket only with ABAC enabled, off by default (S3 User Guide, "Enabling ABAC in general purpose buckets").

Control: ``Confirmation.last_look`` (``StorageLifecycleRunner._tags_read_now``, ``ecoguard/last_look.py``): a bucket
about to be written is decided again on its tags read last (GetBucketTagging), whatever the age of the first read:
when its batch is carried out, before the batch's records are stored (in a dry run, as its plan is queued).
Shim: ``FakeS3ConfigStore`` (tests/README.md), as for every storage test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from ecoguard.adapters.clients import client
from ecoguard.decisions import Outcome
from tests.conftest import REGION, Stack, load_event
from tools.simulator.invoke import as_another_actor
from tools.simulator.s3_shim import FakeS3ConfigStore, fake_s3_configs
from tools.simulator.seed_s3 import seed_buckets

FN = "StorageLifecycleFunction"
BUCKET = "ml-datalake"


@pytest.fixture
def store(stack: Stack) -> Iterator[FakeS3ConfigStore]:
    with fake_s3_configs() as fake:
        seed_buckets()
        yield fake


def exempted_after_its_configuration_is_read() -> None:
    """The owner tags the bucket exempt right after the sweep has read its tags, as it reads its configuration (a real
    PutBucketTagging, through another client: what any owner of the bucket may do at any moment)."""
    owner = boto3.client("s3", region_name=REGION)

    def tag(params: dict[str, Any], **_: Any) -> None:
        if params.get("Bucket") == BUCKET:
            with as_another_actor():  # the owner's call, not the function's (least privilege, dry-run check)
                owner.put_bucket_tagging(
                    Bucket=BUCKET, Tagging={"TagSet": [{"Key": "ecoguard:exempt", "Value": "true"}]}
                )

    client("s3").meta.events.register(
        "before-parameter-build.s3.GetBucketLifecycleConfiguration", lambda **kw: tag(kw["params"])
    )


@pytest.mark.parametrize("mode", ["dry-run", "enforce"])
def test_given_a_bucket_exempted_after_it_was_read_then_its_lifecycle_is_not_written_and_it_is_skipped(
    stack: Stack, store: FakeS3ConfigStore, mode: str
) -> None:
    before = store.lifecycle.get(BUCKET)
    exempted_after_its_configuration_is_read()
    stack.invoke(FN, load_event("storage_lifecycle/scheduled-sweep.json"), env={"ECOGUARD_MODE": mode})
    assert store.lifecycle.get(BUCKET) == before, "nothing written on the exempt bucket"
    records = [r for r in stack.records() if r.resource.name == BUCKET]
    assert [r.outcome for r in records] == [Outcome.SKIPPED]
    assert "ecoguard:exempt=true" in records[0].reason


def listing_lags_behind(bucket: str) -> None:
    """The Resource Groups Tagging API answers as it may a short while after a tag change (its listing lags the
    service's own tags: GetResources API reference): ``bucket`` is not in it, whatever its tags."""

    def stale(parsed: dict[str, Any], **_: Any) -> None:
        parsed["ResourceTagMappingList"] = [
            m for m in parsed.get("ResourceTagMappingList", []) if not m["ResourceARN"].endswith(f":::{bucket}")
        ]

    client("resourcegroupstaggingapi").meta.events.register(
        "after-call.resource-groups-tagging-api.GetResources", stale
    )


@pytest.mark.parametrize("mode", ["dry-run", "enforce"])
def test_given_a_bucket_exempt_before_the_sweep_but_missing_from_the_lagging_tag_listing_then_it_is_not_written(
    stack: Stack, store: FakeS3ConfigStore, mode: str
) -> None:
    # The sweep decides first on the tag listing; the bucket's own tags, read last before the write, decide.
    with as_another_actor():
        boto3.client("s3", region_name=REGION).put_bucket_tagging(
            Bucket=BUCKET, Tagging={"TagSet": [{"Key": "ecoguard:exempt", "Value": "true"}]}
        )
    before = store.lifecycle.get(BUCKET)
    listing_lags_behind(BUCKET)
    stack.invoke(FN, load_event("storage_lifecycle/scheduled-sweep.json"), env={"ECOGUARD_MODE": mode})
    assert store.lifecycle.get(BUCKET) == before, "nothing written on the exempt bucket"
    records = [r for r in stack.records() if r.resource.name == BUCKET]
    assert [r.outcome for r in records] == [Outcome.SKIPPED]
    assert "ecoguard:exempt=true" in records[0].reason
