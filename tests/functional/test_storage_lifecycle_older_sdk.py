"""StorageLifecycleFunction on a runtime whose botocore predates the S3 parameters it uses (issue 16, item 1.9).

Every client is built from ``tests/builders/older_sdk.py``'s model (no ListBuckets MaxBuckets/BucketRegion,
no lifecycle TransitionDefaultMinimumObjectSize). Sent anyway, they would raise ParamValidationError
(tests/unit/test_sdk_support.py shows it) and fail the invocation. The handler does not fail: the sweep records
why it cannot list, a new bucket still gets its rules from its CreateBucket event, and a bucket with the owner's
configuration is not written (that write could reset a setting this SDK cannot read).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecoguard.adapters.clients import client
from ecoguard.adapters.sdk_support import SDK_TOO_OLD, accepts
from ecoguard.decisions import Outcome
from tests.builders.older_sdk import older_s3_models
from tests.conftest import Stack, load_event
from tools.simulator.s3_shim import FakeS3ConfigStore, fake_s3_configs

FN = "StorageLifecycleFunction"
OWNER = {"ID": "owner-keep", "Filter": {"Prefix": "x/"}, "Status": "Enabled", "Expiration": {"Days": 400}}


@pytest.fixture
def older_sdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    older_s3_models(tmp_path, monkeypatch)  # before the `aws` fixture builds any client


@pytest.fixture
def store(older_sdk: None, stack: Stack) -> Iterator[FakeS3ConfigStore]:
    with fake_s3_configs() as fake:  # installed before the first S3 client is built, so it is served
        assert not accepts(client("s3"), "ListBuckets", "MaxBuckets")
        yield fake


def created(bucket: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("storage_lifecycle/cloudtrail-createbucket.json"))
    event["id"] = f"create-{bucket}"
    event["detail"]["requestParameters"]["bucketName"] = bucket
    return event


def test_given_an_older_sdk_when_the_sweep_runs_then_it_records_why_it_cannot_list_and_does_not_fail(
    stack: Stack, store: FakeS3ConfigStore
) -> None:
    client("s3").create_bucket(Bucket="team-data")
    [result] = stack.invoke(FN, load_event("storage_lifecycle/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"})
    assert result["finished"] is True and result["failed"] == 1
    [record] = stack.records()
    assert record.outcome is Outcome.FAILED and record.resource.name == "buckets in us-east-1"
    assert SDK_TOO_OLD in (record.error or "") and "MaxBuckets, BucketRegion" in (record.error or "")
    assert store.lifecycle == {}


def test_given_an_older_sdk_when_buckets_are_created_then_a_new_one_is_governed_and_an_owners_one_left_alone(
    stack: Stack, store: FakeS3ConfigStore
) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="team-new")
    s3.create_bucket(Bucket="team-owned")
    s3.put_bucket_lifecycle_configuration(Bucket="team-owned", LifecycleConfiguration={"Rules": [OWNER]})
    owned = copy.deepcopy(store.lifecycle["team-owned"])

    [new] = stack.invoke(FN, created("team-new"), env={"ECOGUARD_MODE": "enforce"})
    [old] = stack.invoke(FN, created("team-owned"), env={"ECOGUARD_MODE": "enforce"})

    assert new["applied"] == 1 and [r["ID"] for r in store.lifecycle["team-new"]["Rules"]] == [
        "ecoguard-abort-multipart"
    ]
    assert old["failed"] == 1 and store.lifecycle["team-owned"] == owned
    [failed] = [r for r in stack.records() if r.outcome is Outcome.FAILED]
    assert failed.resource.name == "team-owned" and "could reset the owner's minimum object size" in (
        failed.error or ""
    )
