"""StorageLifecycleFunction end to end: the handler from template.yaml, on a simulated account.

moto gaps covered by the named fake ``tools.simulator.s3_shim.FakeS3ConfigStore``: it does not
store Intelligent-Tiering configurations, and drops ``ObjectSizeGreaterThan`` and
``NewerNoncurrentVersions`` from lifecycle rules (both used here: an owner's size filter, ecoguard's
noncurrent rule).
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError

from ecoguard import confirm
from ecoguard.adapters.clients import client
from ecoguard.clock import utc_now
from ecoguard.decisions import Mode, Outcome
from ecoguard.invocation import invoke_own_function
from ecoguard.restore import restore, unit_for
from ecoguard_cli import operations
from tests.builders.restore_checks import account_checks
from tests.conftest import (
    ACCOUNT,
    REFERENCE_EVENTS,
    REGION,
    Stack,
    assert_rejected,
    event_files,
    fail_calls,
    lambda_async_invoke_shim,
    load_event,
    record_calls,
)
from tools.simulator.s3_shim import FakeS3ConfigStore, fake_s3_configs
from tools.simulator.seed_s3 import BUCKETS, CONFLICTING_RULE, OWNER_RULES, OWNER_TIERING, seed_buckets

FN = "StorageLifecycleFunction"
SWEEP = "storage_lifecycle/scheduled-sweep.json"
CREATED = "storage_lifecycle/cloudtrail-createbucket.json"
WRITES = {
    "PutBucketLifecycleConfiguration",
    "DeleteBucketLifecycle",
    "PutBucketIntelligentTieringConfiguration",
    "DeleteBucketIntelligentTieringConfiguration",
}


@pytest.fixture
def store(stack: Stack) -> Iterator[FakeS3ConfigStore]:
    with fake_s3_configs() as fake:
        yield fake


@pytest.fixture
def time_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read of the read clock is FRESH_FOR and a second later than the one before, as when throttling
    waits come between the read of a configuration and its write."""
    ticks = iter(range(10_000))
    step = confirm.FRESH_FOR.total_seconds() + 1
    monkeypatch.setattr(confirm, "read_clock", lambda: next(ticks) * step)


@pytest.fixture
def seeded(stack: Stack, store: FakeS3ConfigStore) -> Stack:
    seed_buckets()
    return stack


def sweep_event(event_id: str = "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa") -> dict[str, Any]:
    event = copy.deepcopy(load_event(SWEEP))
    event["id"] = event_id
    return event


def rules_of(store: FakeS3ConfigStore, bucket: str) -> dict[str, dict[str, Any]]:
    return {r["ID"]: r for r in store.lifecycle.get(bucket, {}).get("Rules", [])}


@pytest.mark.parametrize(
    "path", sorted(Path(p) for p in event_files() if p.parent.name == "storage_lifecycle"), ids=lambda p: p.name
)
def test_given_each_sample_event_when_invoked_in_dry_run_then_it_writes_nothing_to_any_bucket(
    seeded: Stack, store: FakeS3ConfigStore, path: Path
) -> None:
    event = json.loads(path.read_text())
    if "bucketName" in json.dumps(event):
        client("s3").create_bucket(Bucket=event["detail"]["requestParameters"]["bucketName"])
    before = copy.deepcopy((store.lifecycle, store.tiering))
    calls = record_calls("s3")
    [result] = seeded.invoke(FN, event, env={"ECOGUARD_MODE": "dry-run"})
    assert result["mode"] == "dry-run" and result.get("would-apply", 0) >= 1
    assert not WRITES & set(calls.calls), calls.calls
    assert (store.lifecycle, store.tiering) == before


def test_given_a_seeded_account_when_enforce_sweeps_then_each_class_gets_its_rules_and_owner_rules_stay(
    seeded: Stack, store: FakeS3ConfigStore
) -> None:
    [result] = seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "enforce"})
    assert result["finished"] is True

    raw = rules_of(store, "ml-raw-landing")
    assert raw["ecoguard-raw"]["Transitions"] == [{"Days": 90, "StorageClass": "GLACIER"}]
    assert set(raw) == {"ecoguard-raw", "ecoguard-abort-multipart"}
    feature = rules_of(store, "ml-feature-sets")
    assert feature["ecoguard-recreatable"]["Transitions"] == [{"Days": 30, "StorageClass": "ONEZONE_IA"}]
    assert feature["ecoguard-noncurrent"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 30,
        "NewerNoncurrentVersions": 3,
    }
    artifact = rules_of(store, "ml-model-artifacts")
    assert artifact["ecoguard-artifact"]["Transitions"] == [{"Days": 0, "StorageClass": "INTELLIGENT_TIERING"}]
    assert store.tiering["ml-model-artifacts"] == {
        "team-archive": OWNER_TIERING,
        "ecoguard-archive": {
            "Id": "ecoguard-archive",
            "Status": "Enabled",
            "Tierings": [
                {"Days": 90, "AccessTier": "ARCHIVE_ACCESS"},
                {"Days": 180, "AccessTier": "DEEP_ARCHIVE_ACCESS"},
            ],
        },
    }
    assert rules_of(store, "ml-training-logs")["ecoguard-log"]["Expiration"] == {"Days": 90}

    lake = store.lifecycle["ml-datalake"]
    assert lake["Rules"][: len(OWNER_RULES)] == OWNER_RULES  # exactly as read, in place
    assert lake["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"
    # Untagged and named by no prefix rule: only the abort; the noncurrent expiration is withheld.
    assert [r["ID"] for r in lake["Rules"][len(OWNER_RULES) :]] == ["ecoguard-abort-multipart"]

    conflict = store.lifecycle["ml-compliance-archive"]["Rules"]
    assert conflict[0] == CONFLICTING_RULE and [r["ID"] for r in conflict[1:]] == ["ecoguard-abort-multipart"]
    assert store.lifecycle["ml-legal-hold"]["Rules"] == OWNER_RULES
    assert "ml-misc-bucket" not in store.lifecycle and "ml-eu-replica" not in store.lifecycle

    records = seeded.records()
    skipped = {r.resource.name: r.reason for r in records if r.outcome is Outcome.SKIPPED}
    assert skipped["ml-legal-hold"] == "tagged ecoguard:exempt=true"
    assert (
        "owner-keep-seven-years" in skipped["ml-compliance-archive"]
        and "ecoguard-raw" in skipped["ml-compliance-archive"]
    )
    assert "ecoguard:data-class='hot'" in skipped["ml-misc-bucket"]
    applied = {r.resource.name for r in records if r.outcome is Outcome.APPLIED}
    assert applied == {b.name for b in BUCKETS if b.name not in ("ml-legal-hold", "ml-misc-bucket", "ml-eu-replica")}
    diff = next(r.reason for r in records if r.resource.name == "ml-datalake" and r.outcome is Outcome.APPLIED)
    assert "+ ecoguard-abort-multipart" in diff and "= 2 owner rule(s) written back unchanged" in diff
    withheld = {r.resource.name: r.reason for r in records if r.outcome is Outcome.FINDING}
    assert set(withheld) == {"ml-datalake"} and "ecoguard-noncurrent (deletes data)" in withheld["ml-datalake"]


def test_given_an_enforced_sweep_when_swept_again_then_nothing_is_written(
    seeded: Stack, store: FakeS3ConfigStore
) -> None:
    seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "enforce"})
    after_first = copy.deepcopy((store.lifecycle, store.tiering))
    calls = record_calls("s3")
    [result] = seeded.invoke(FN, sweep_event("second-sweep"), env={"ECOGUARD_MODE": "enforce"})
    assert not WRITES & set(calls.calls), calls.calls
    assert result.get("applied", 0) == 0 and (store.lifecycle, store.tiering) == after_first


def test_given_the_sweep_when_it_lists_buckets_then_it_pages_at_the_maximum_in_the_functions_region(
    seeded: Stack,
) -> None:
    calls = record_calls("s3")
    seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "dry-run"})
    listings = [p for op, p in calls.params if op == "ListBuckets"]
    assert listings == [{"MaxBuckets": 10_000, "BucketRegion": "us-east-1"}]
    # Per governed bucket, unless the tag listing names it exempt: versioning, lifecycle and tiering, and nothing
    # else. The configuration was read a moment before the write: it is not read again (ecoguard.confirm.FRESH_FOR).
    planned = sum(1 for r in seeded.records() if r.outcome is Outcome.WOULD_APPLY)
    assert planned > 0
    # The tags come from one tagging-API listing per governing or attribution key; each bucket to write has its
    # own read last (no IAM Deny backs the exempt tag: THREAT_MODEL.md, 4b), and no other bucket's are read.
    assert calls.calls["GetBucketTagging"] == planned
    assert calls.calls["GetBucketLifecycleConfiguration"] == len(BUCKETS) - 2
    assert calls.calls["ListBucketIntelligentTieringConfigurations"] == len(BUCKETS) - 2


@pytest.mark.usefixtures("time_passes")
def test_given_time_passed_since_the_read_then_a_bucket_to_change_is_read_again_before_the_write(
    seeded: Stack,
) -> None:
    calls = record_calls("s3")
    seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "dry-run"})
    # Once the read is over FRESH_FOR old, a bucket to change is read once more just before the write, in
    # dry-run as in enforce (ecoguard.confirm).
    planned = sum(1 for r in seeded.records() if r.outcome is Outcome.WOULD_APPLY)
    assert planned > 0
    assert calls.calls["GetBucketLifecycleConfiguration"] == len(BUCKETS) - 2 + planned
    assert calls.calls["ListBucketIntelligentTieringConfigurations"] == len(BUCKETS) - 2 + planned


@pytest.mark.usefixtures("time_passes")
def test_given_the_owner_changes_the_rules_after_the_decision_when_writing_then_the_merge_is_redone(
    seeded: Stack, store: FakeS3ConfigStore
) -> None:
    late_rule = {
        "ID": "owner-late",
        "Filter": {"Prefix": "late/"},
        "Status": "Enabled",
        "NoncurrentVersionExpiration": {"NoncurrentDays": 3},
    }
    reads = {"n": 0}

    def owner_writes_between_read_and_write(params: dict[str, Any], **_: Any) -> None:
        if params.get("Bucket") == "ml-raw-landing":
            reads["n"] += 1
            if reads["n"] == 2:  # the re-read just before the write
                store.lifecycle["ml-raw-landing"] = {"Rules": [late_rule]}

    client("s3").meta.events.register(
        "before-parameter-build.s3.GetBucketLifecycleConfiguration", owner_writes_between_read_and_write
    )
    seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "enforce"})
    rules = store.lifecycle["ml-raw-landing"]["Rules"]
    assert rules[0] == late_rule and [r["ID"] for r in rules[1:]] == ["ecoguard-raw", "ecoguard-abort-multipart"]
    [record] = [r for r in seeded.records() if r.resource.name == "ml-raw-landing"]
    assert record.before["lifecycle"] == {"Rules": [late_rule]}


def test_given_an_enforced_sweep_when_each_bucket_is_restored_then_it_is_exactly_as_before(
    seeded: Stack, store: FakeS3ConfigStore
) -> None:
    original = copy.deepcopy((store.lifecycle, store.tiering))
    seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "enforce"})
    applied = [r for r in seeded.records() if r.outcome is Outcome.APPLIED]
    assert len(applied) == 6
    for record in applied:
        result = restore(
            record,
            unit=unit_for(record, client),
            audit=seeded.audit,
            mode=Mode.ENFORCE,
            clock=utc_now,
            checks=account_checks(client),
        )
        assert result.outcome is Outcome.RESTORED, result.message
    lifecycle, tiering = original
    assert store.lifecycle == lifecycle
    assert {b: c for b, c in store.tiering.items() if c} == {b: c for b, c in tiering.items() if c}
    restores = [r for r in seeded.records() if r.action.startswith("restore:")]
    assert len(restores) == 6 and all(r.outcome is Outcome.RESTORED for r in restores)


def test_given_the_owner_changed_the_bucket_since_when_restoring_then_it_refuses(
    seeded: Stack, store: FakeS3ConfigStore
) -> None:
    seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "enforce"})
    [record] = [r for r in seeded.records() if r.resource.name == "ml-training-logs"]
    store.lifecycle["ml-training-logs"]["Rules"].append(
        {"ID": "owner-new", "Filter": {"Prefix": "x/"}, "Status": "Enabled", "Expiration": {"Days": 5}}
    )
    changed = copy.deepcopy(store.lifecycle["ml-training-logs"])
    result = restore(
        record,
        unit=unit_for(record, client),
        audit=seeded.audit,
        mode=Mode.ENFORCE,
        clock=utc_now,
        checks=account_checks(client),
    )
    assert result.outcome is Outcome.SKIPPED and "changed since ecoguard acted" in result.message
    assert store.lifecycle["ml-training-logs"] == changed


def test_given_a_create_bucket_event_when_enforced_then_only_that_bucket_is_governed(
    seeded: Stack, store: FakeS3ConfigStore
) -> None:
    event = load_event(CREATED)
    client("s3").create_bucket(Bucket="bucket-test-iad")
    calls = record_calls("s3")
    [result] = seeded.invoke(FN, event, env={"ECOGUARD_MODE": "enforce"})
    assert result["applied"] == 1 and "ListBuckets" not in calls.calls
    assert set(rules_of(store, "bucket-test-iad")) == {"ecoguard-abort-multipart"}  # a new bucket is untagged
    assert "ml-raw-landing" not in store.lifecycle


def throttle(operation: str, every: int) -> Counter[str]:
    """Fail every ``every``-th ``operation`` with SlowDown, as an exhausted retry would.

    ``tests/conftest.py::fail_calls`` parses request bodies as JSON; S3's are XML, so this hook counts
    instead. Raising from ``before-call`` skips botocore's retry loop.
    """
    seen: Counter[str] = Counter()
    injected: Counter[str] = Counter()

    def hook(model: Any, **_: Any) -> None:
        seen[model.name] += 1
        if seen[model.name] % every == 1:
            injected[model.name] += 1
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "injected SlowDown"}}, model.name)

    client("s3").meta.events.register(f"before-call.s3.{operation}", hook)
    return injected


def test_given_throttled_lifecycle_writes_then_every_bucket_is_handled_once_across_invocations(
    seeded: Stack, store: FakeS3ConfigStore
) -> None:
    injected = throttle("PutBucketLifecycleConfiguration", every=2)
    results = seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "enforce"})
    assert injected["PutBucketLifecycleConfiguration"] == 6, "each bucket's first write is throttled"
    assert len(results) == 7, "one hand-off per throttled write"
    assert results[-1]["finished"] is True
    applied = Counter(r.resource.name for r in seeded.records() if r.outcome is Outcome.APPLIED)
    assert set(applied.values()) == {1} and len(applied) == 6
    assert all(name in store.lifecycle for name in applied)


class PagedListBuckets:
    """Named shim for a moto 5.2.5 gap: ListBuckets with MaxBuckets truncates the list and returns no
    ContinuationToken (nor a per-bucket BucketRegion). This serves moto's buckets in real pages."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        client("s3").meta.events.register("before-parameter-build.s3.ListBuckets", self._stash)
        client("s3").meta.events.register("before-call.s3.ListBuckets", self._serve)

    def _stash(self, params: dict[str, Any], **_: Any) -> None:
        self.params = dict(params)

    def _serve(self, **_: Any) -> tuple[Any, dict[str, Any]]:
        from moto.s3.models import s3_backends

        buckets = [
            {"Name": b.name, "BucketRegion": b.region_name, "CreationDate": b.creation_date}
            for b in s3_backends[ACCOUNT]["aws"].buckets.values()
            if b.region_name == self.params.get("BucketRegion", b.region_name)
        ]
        start = int(self.params.get("ContinuationToken", 0))
        end = start + int(self.params["MaxBuckets"])
        parsed: dict[str, Any] = {"Buckets": buckets[start:end], "ResponseMetadata": {"HTTPStatusCode": 200}}
        if end < len(buckets):
            parsed["ContinuationToken"] = str(end)
        return AWSResponse("https://s3.fake", 200, HTTPHeaders(), None), parsed


def test_given_many_buckets_when_swept_then_listing_follows_continuation_tokens(
    seeded: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ecoguard.adapters.s3.PAGE_SIZE", 3)
    PagedListBuckets()
    calls = record_calls("s3")
    [result] = seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "dry-run"})
    # The seeded buckets in the region, and the stack's own report bucket (listed, never governed).
    in_region = [b.name for b in BUCKETS if b.region == "us-east-1"] + [seeded.resolver.refs["ReportBucket"]]
    listings = [p for op, p in calls.params if op == "ListBuckets"]
    assert len(listings) == -(-len(in_region) // 3)
    assert all("ContinuationToken" in p for p in listings[1:])
    assert result["evaluated"] == len(in_region)


def test_given_an_s3_object_created_event_sent_directly_then_it_is_rejected_and_nothing_is_called(
    seeded: Stack,
) -> None:
    calls = record_calls("s3")
    event = json.loads((REFERENCE_EVENTS / "s3-object-created.json").read_text())
    [result] = seeded.invoke(FN, event, env={"ECOGUARD_MODE": "enforce"})
    assert_rejected(result, "does not handle 'Object Created'")
    assert not calls.calls


def test_given_a_failed_create_bucket_call_then_nothing_is_evaluated(seeded: Stack) -> None:
    event = copy.deepcopy(load_event(CREATED))
    event["detail"]["errorCode"] = "BucketAlreadyExists"
    calls = record_calls("s3")
    [result] = seeded.invoke(FN, event, env={"ECOGUARD_MODE": "enforce"})
    assert result["evaluated"] == 0 and not calls.calls


def test_given_a_create_bucket_event_without_a_bucket_name_then_it_fails_naming_the_field(seeded: Stack) -> None:
    event = copy.deepcopy(load_event(CREATED))
    event["detail"]["requestParameters"] = {}
    [result] = seeded.invoke(FN, event, env={"ECOGUARD_MODE": "enforce"})
    assert_rejected(result, r"requestParameters\.bucketName")


@pytest.mark.usefixtures("time_passes")
def test_given_the_configuration_changes_on_every_read_then_nothing_is_written_and_the_failure_is_recorded(
    seeded: Stack, store: FakeS3ConfigStore
) -> None:
    def owner_keeps_writing(params: dict[str, Any], **_: Any) -> None:
        if params.get("Bucket") == "ml-training-logs":
            rules = store.lifecycle.setdefault("ml-training-logs", {"Rules": []})["Rules"]
            rules.append(
                {
                    "ID": f"owner-{len(rules)}",
                    "Filter": {"Prefix": f"p{len(rules)}/"},
                    "Status": "Enabled",
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 9},
                }
            )

    client("s3").meta.events.register("before-parameter-build.s3.GetBucketLifecycleConfiguration", owner_keeps_writing)
    calls = record_calls("s3")
    seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "enforce"})
    writes = [p["Bucket"] for op, p in calls.params if op == "PutBucketLifecycleConfiguration"]
    assert "ml-training-logs" not in writes and len(writes) == 5
    assert all(not r["ID"].startswith("ecoguard-") for r in store.lifecycle["ml-training-logs"]["Rules"])
    [record] = [r for r in seeded.records() if r.resource.name == "ml-training-logs"]
    assert record.outcome is Outcome.FAILED and "kept changing" in (record.error or "")


def test_given_an_applied_merge_when_the_operator_restores_it_then_the_owner_configuration_is_back_exactly(
    seeded: Stack, store: FakeS3ConfigStore
) -> None:
    original = copy.deepcopy(store.lifecycle["ml-datalake"])
    seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "enforce"})
    [record] = [r for r in seeded.records() if r.resource.name == "ml-datalake" and r.outcome is Outcome.APPLIED]
    session = boto3.session.Session(region_name=REGION)
    table = seeded.resolver.refs["AuditTable"]
    preview = operations.restore_record(session, table, record.action_id, apply=False, record_key=seeded.record_key)
    assert preview.outcome is Outcome.WOULD_APPLY and store.lifecycle["ml-datalake"] != original
    result = operations.restore_record(session, table, record.action_id, apply=True, record_key=seeded.record_key)
    assert result.outcome is Outcome.RESTORED
    assert store.lifecycle["ml-datalake"] == original


def test_given_an_applied_artifact_merge_when_restore_function_applies_then_no_config_and_no_tiering_remain(
    seeded: Stack, store: FakeS3ConfigStore
) -> None:
    seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "enforce"})
    [record] = [r for r in seeded.records() if r.resource.name == "ml-model-artifacts"]
    [result] = seeded.invoke("RestoreFunction", {"action_id": record.action_id, "apply": True})
    assert result["outcome"] == "restored"
    assert "ml-model-artifacts" not in store.lifecycle  # DeleteBucketLifecycle: there was none before
    assert store.tiering["ml-model-artifacts"] == {"team-archive": OWNER_TIERING}  # only ecoguard's is gone


def test_given_the_stacks_own_report_bucket_then_it_is_never_governed(seeded: Stack, store: FakeS3ConfigStore) -> None:
    seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "enforce"})
    own = seeded.resolver.refs["ReportBucket"]
    assert own not in store.lifecycle
    assert not [r for r in seeded.records() if r.resource.name == own]


def test_given_a_sweep_out_of_time_in_lambda_then_it_invokes_itself_to_carry_on(seeded: Stack) -> None:
    invoked = lambda_async_invoke_shim()
    [result] = seeded.invoke(
        FN,
        sweep_event(),
        env={"ECOGUARD_MODE": "dry-run"},
        hand_off=invoke_own_function,
        remaining_ms=lambda: 10_000,
    )
    assert result["finished"] is False
    [request] = invoked
    assert json.loads(request["body"])["ecoguard-continuation"]["guardrail"] == "storage-lifecycle"


def test_given_the_bundled_policy_when_enforce_sweeps_an_untagged_versioned_bucket_with_raw_data_then_nothing_is_lost(
    stack: Stack, store: FakeS3ConfigStore
) -> None:
    # Safe storage defaults (issue 16, item 2): an owner who never said what the data is loses none of it,
    # and no object is left needing a restore to read (GLACIER, DEEP_ARCHIVE, Intelligent-Tiering archive).
    s3 = client("s3")
    s3.create_bucket(Bucket="team-untagged")
    s3.put_bucket_versioning(Bucket="team-untagged", VersioningConfiguration={"Status": "Enabled"})
    for body in (b"v1", b"v2", b"v3"):
        s3.put_object(Bucket="team-untagged", Key="raw/events.json", Body=body)
    s3.put_object(Bucket="team-untagged", Key="train/part-0.csv", Body=b"x")
    versions_before = s3.list_object_versions(Bucket="team-untagged")["Versions"]

    [result] = stack.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "enforce"})
    assert result["finished"] is True and result["applied"] == 1

    [only] = store.lifecycle["team-untagged"]["Rules"]
    assert only == {
        "ID": "ecoguard-abort-multipart",
        "Filter": {"Prefix": ""},
        "Status": "Enabled",
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    }
    assert store.tiering.get("team-untagged", {}) == {}
    versions_after = s3.list_object_versions(Bucket="team-untagged")["Versions"]
    assert [(v["Key"], v["VersionId"]) for v in versions_after] == [(v["Key"], v["VersionId"]) for v in versions_before]
    assert {v["StorageClass"] for v in versions_after} == {"STANDARD"}
    [finding] = [r for r in stack.records() if r.outcome is Outcome.FINDING]
    assert finding.resource.name == "team-untagged" and finding.action == "finding:withheld-rules"
    assert finding.before["withheld"] == [{"id": "ecoguard-noncurrent", "class": "deleting"}]
    assert "ecoguard:data-class=<raw|recreatable|artifact|log>" in finding.reason


def test_given_buckets_with_objects_when_swept_then_each_saving_is_priced_from_its_bytes_in_two_metric_calls(
    seeded: Stack,
) -> None:
    """BucketSizeBytes per StorageType (moto reports every bucket's objects as StandardStorage, today): one
    ListMetrics listing and one GetMetricData call for the page, however many buckets it holds."""
    s3 = client("s3")
    s3.create_bucket(Bucket="ml-scratch-features")
    s3.put_bucket_tagging(
        Bucket="ml-scratch-features", Tagging={"TagSet": [{"Key": "ecoguard:data-class", "Value": "recreatable"}]}
    )
    for index in range(3):
        s3.put_object(Bucket="ml-scratch-features", Key=f"part-{index}", Body=b"x" * 1_000_000)
    calls = record_calls("cloudwatch")
    seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "dry-run"})
    assert dict(calls.calls) == {"ListMetrics": 1, "GetMetricData": 1}
    [queries] = [p["MetricDataQueries"] for op, p in calls.params if op == "GetMetricData"]
    assert {q["MetricStat"]["Metric"]["MetricName"] for q in queries} == {"BucketSizeBytes"}
    assert all(q["MetricStat"]["Stat"] == "Average" and q["MetricStat"]["Period"] == 86_400 for q in queries)
    impact = {r.resource.name: r.impact or {} for r in seeded.records() if r.outcome is Outcome.WOULD_APPLY}
    price = {c: impact_price(c) for c in ("STANDARD", "ONEZONE_IA")}
    saved = 3_000_000 / 2**30 * (price["STANDARD"] - price["ONEZONE_IA"]) * 24 / 730
    assert impact["ml-scratch-features"]["usd"] == pytest.approx(saved)
    assert impact["ml-scratch-features"]["kwh"] > 0  # replication 6 -> 2 (CCF)
    # The log bucket's expiration stops everything it stores now (tools/simulator/seed_s3.py: 1 MiB in Standard).
    assert impact["ml-training-logs"]["usd"] == pytest.approx(2**20 / 2**30 * price["STANDARD"] * 24 / 730)
    # An empty bucket's transition saves a true zero; a bucket with only the abort rule is unknown, with why.
    assert impact["ml-raw-landing"]["usd"] == 0.0
    assert impact["ml-datalake"]["usd"] is None and impact["ml-datalake"]["unknown"]


def test_given_the_bucket_sizes_read_throttled_then_the_sweep_pauses_before_deciding_and_resumes_losing_none(
    seeded: Stack, store: FakeS3ConfigStore
) -> None:
    """The sizes are read beside the buckets' own reads; GetMetricData throttled past the SDK's retries (CloudWatch
    API reference, Common Errors: Throttling) is raised where the first bucket is decided, so the sweep pauses
    before deciding any, and the next invocation reads them again."""
    sent: list[str] = []

    def throttled_once(model: Any, **_: Any) -> None:
        sent.append(model.name)
        if len(sent) == 1:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, model.name)

    client("cloudwatch").meta.events.register("before-call.monitoring.GetMetricData", throttled_once)
    results = seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "enforce"})
    client("cloudwatch").meta.events.unregister("before-call.monitoring.GetMetricData", throttled_once)
    assert sent == ["GetMetricData", "GetMetricData"], "read again by the next invocation"
    assert len(results) == 2 and not results[0]["finished"] and results[1]["finished"]
    assert not results[0].get("applied"), "nothing acted on before the sizes were read"
    applied = Counter(r.resource.name for r in seeded.records() if r.outcome is Outcome.APPLIED)
    assert applied and set(applied.values()) == {1}
    assert not [r for r in seeded.records() if r.outcome in (Outcome.FAILED, Outcome.PENDING)]
    assert rules_of(store, "ml-training-logs")["ecoguard-log"]["Expiration"] == {"Days": 90}


def impact_price(storage_class: str) -> float:
    from ecoguard.impact import storage_price

    found = storage_price("s3", storage_class, REGION)
    assert found is not None
    return found.usd_per_gb_month


def test_given_the_bucket_sizes_cannot_be_read_then_the_rules_still_apply_and_each_saving_is_unknown_with_why(
    seeded: Stack, store: FakeS3ConfigStore
) -> None:
    """The size is read only to price the saving: AccessDenied on ListMetrics (a role without it) changes no rule."""
    fail_calls("cloudwatch", "ListMetrics", "AccessDenied")
    [result] = seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "enforce"})
    assert result["finished"] is True
    assert rules_of(store, "ml-training-logs")["ecoguard-log"]["Expiration"] == {"Days": 90}
    applied = [r for r in seeded.records() if r.outcome is Outcome.APPLIED]
    assert applied and all(r.impact and r.impact["usd"] is None for r in applied)
    assert all("the bucket sizes could not be read" in r.impact["unknown"][0] for r in applied if r.impact)


def test_given_a_dry_run_with_some_savings_unknown_then_the_run_publishes_their_known_part_never_as_the_whole(
    seeded: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 31, through the handler: the dry-run's potential is partly known (ml-datalake's abort-only merge is
    unknown), so the run publishes PotentialFoundMonthlyUsdKnownPart and the count, never PotentialFoundMonthlyUsd;
    the withheld-rules finding is advice, apart from the potential."""
    from tests.functional.test_report_story import published

    capsys.readouterr()
    seeded.invoke(FN, sweep_event(), env={"ECOGUARD_MODE": "dry-run", "POWERTOOLS_METRICS_DISABLED": "false"})
    metrics = published(capsys.readouterr().out)
    would_apply = [r for r in seeded.records() if r.outcome is Outcome.WOULD_APPLY]
    unknown = [r for r in would_apply if r.impact and r.impact["usd"] is None]
    assert 0 < len(unknown) < len(would_apply)
    assert "PotentialFoundMonthlyUsd" not in metrics and metrics["PotentialFoundMonthlyUsdKnownPart"] > 0
    any_unknown = [
        r for r in would_apply if r.impact and None in (r.impact["kwh"], r.impact["kg_co2e"], r.impact["usd"])
    ]
    assert metrics["PotentialFoundMonthlyUnknownActions"] == len(any_unknown)  # per action, not per figure
    assert metrics["RunRateAddedMonthlyUsd"] == 0.0  # nothing applied in a dry-run: a true zero


def test_given_the_tag_listing_is_refused_then_each_buckets_own_tags_are_read_and_the_sweep_decides_alike(
    seeded: Stack,
) -> None:
    # An SCP or a boundary may deny tag:GetResources: the sweep then reads each bucket's tags, as on an event.
    seeded.invoke(FN, sweep_event("listed"), env={"ECOGUARD_MODE": "dry-run"})
    listed = sorted((r.resource.name, r.outcome, r.reason) for r in seeded.records() if r.trigger_id == "listed")
    injected = fail_calls("resourcegroupstaggingapi", "GetResources", "AccessDeniedException")
    calls = record_calls("s3")
    [result] = seeded.invoke(FN, sweep_event("refused"), env={"ECOGUARD_MODE": "dry-run"})
    assert result["finished"] and injected["GetResources"] >= 1
    refused = sorted((r.resource.name, r.outcome, r.reason) for r in seeded.records() if r.trigger_id == "refused")
    assert refused == listed and refused
    planned = sum(1 for _, outcome, _ in refused if outcome is Outcome.WOULD_APPLY)
    assert calls.calls["GetBucketTagging"] == len(BUCKETS) - 1 + planned  # each in scope, then each to write
