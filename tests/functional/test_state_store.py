"""StateStore against DynamoDB (moto): versioned, conditional, conflict-detecting."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from ecoguard import state
from ecoguard.adapters.clients import client
from ecoguard.audit import AuditUnavailable
from ecoguard.decisions import Mode
from ecoguard.state import StateConflict, StateItem, StateStore
from tests.conftest import REGION, Stack, record_calls


def store(stack: Stack, mode: Mode = Mode.ENFORCE) -> StateStore:
    return StateStore(boto3.client("dynamodb", region_name=REGION), stack.resolver.refs["AuditTable"], "test", mode)


def test_given_no_item_then_get_returns_version_zero_and_put_creates_version_one(stack: Stack) -> None:
    s = store(stack)
    assert s.get("k").version == 0
    assert s.put("k", {"count": 1}, expected_version=0, expires_at=2_000_000_000) == 1
    assert s.get("k").value == {"count": 1}


def test_given_two_writers_from_the_same_read_then_only_one_wins(stack: Stack) -> None:
    s = store(stack)
    s.put("k", {"count": 1}, expected_version=0, expires_at=2_000_000_000)
    read = s.get("k")
    s.put("k", {"count": 2}, expected_version=read.version, expires_at=2_000_000_000)
    with pytest.raises(StateConflict):
        s.put("k", {"count": 2}, expected_version=read.version, expires_at=2_000_000_000)
    with pytest.raises(StateConflict):
        s.put("k", {"count": 1}, expected_version=0, expires_at=2_000_000_000)


def test_given_a_stale_version_then_delete_refuses(stack: Stack) -> None:
    s = store(stack)
    s.put("k", {}, expected_version=0, expires_at=2_000_000_000)
    with pytest.raises(StateConflict):
        s.delete("k", expected_version=7)
    s.delete("k", expected_version=1)
    assert s.get("k").version == 0


def test_state_items_are_not_audit_records(stack: Stack) -> None:
    store(stack).put("k", {"x": 1}, expected_version=0, expires_at=2_000_000_000)
    assert stack.records() == []


def test_each_mode_keeps_its_own_state(stack: Stack) -> None:
    enforce, dry_run = store(stack, Mode.ENFORCE), store(stack, Mode.DRY_RUN)
    dry_run.put("k", {"since": "then"}, expected_version=0, expires_at=2_000_000_000)
    assert enforce.get("k").version == 0, "a dry-run rehearsal never counts in enforce"
    enforce.put("k", {"since": "now"}, expected_version=0, expires_at=2_000_000_000)
    enforce.delete("k", expected_version=1)
    assert dry_run.get("k").value == {"since": "then"}


def test_given_250_keys_then_get_many_reads_them_in_three_batch_reads_as_get_would(stack: Stack) -> None:
    s = StateStore(client("dynamodb"), table_of(stack), "test", Mode.ENFORCE)  # the client record_calls watches
    for n in range(0, 250, 2):
        s.put(f"k{n}", {"n": n}, expected_version=0, expires_at=2_000_000_000)
    calls = record_calls("dynamodb")
    keys = [f"k{n}" for n in range(250)]

    items = s.get_many([*keys, "k0"])  # a key asked twice is read once

    assert [op for op, _ in calls.params] == ["BatchGetItem"] * 3, "at most 100 keys a request"
    assert all(request["RequestItems"][table_of(stack)]["ConsistentRead"] for _, request in calls.params)
    assert items == {key: s.get(key) for key in keys}


def test_given_keys_left_unprocessed_then_they_are_asked_again_and_given_up_on_after_five_answers(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # BatchGetItem may answer part of the keys and name the rest in UnprocessedKeys (DynamoDB API reference,
    # BatchGetItem): moto answers every key, so AWS's partial answers go through a Stubber.
    monkeypatch.setattr(state, "BATCH_GET_BACKOFF_S", 0.0)
    db = boto3.client("dynamodb", region_name=REGION)
    table = table_of(stack)
    s = StateStore(db, table, "test", Mode.ENFORCE)
    key = {"pk": {"S": "state#test"}, "sk": {"S": "enforce/a"}}
    other = {"pk": {"S": "state#test"}, "sk": {"S": "enforce/b"}}
    item = {**key, "value": {"S": '{"n": 1}'}, "version": {"N": "3"}}
    with Stubber(db) as stub:
        stub.add_response(
            "batch_get_item",
            {"Responses": {table: [item]}, "UnprocessedKeys": {table: {"Keys": [other], "ConsistentRead": True}}},
            {"RequestItems": {table: {"Keys": [key, other], "ConsistentRead": True}}},
        )
        stub.add_response(
            "batch_get_item",
            {"Responses": {table: []}, "UnprocessedKeys": {}},
            {"RequestItems": {table: {"Keys": [other], "ConsistentRead": True}}},
        )
        assert s.get_many(["a", "b"]) == {"a": StateItem({"n": 1}, 3), "b": StateItem({}, 0)}
        stub.assert_no_pending_responses()

        unprocessed = {table: {"Keys": [other], "ConsistentRead": True}}
        for _ in range(state.BATCH_GET_ATTEMPTS):
            stub.add_response("batch_get_item", {"Responses": {table: []}, "UnprocessedKeys": unprocessed})
        with pytest.raises(AuditUnavailable, match="unprocessed"):
            s.get_many(["b"])


def test_given_the_batch_read_refused_then_get_many_raises_audit_unavailable(stack: Stack) -> None:
    db = boto3.client("dynamodb", region_name=REGION)
    s = StateStore(db, table_of(stack), "test", Mode.ENFORCE)
    with Stubber(db) as stub:
        # ProvisionedThroughputExceededException: "none of the items can be processed" (DynamoDB API reference,
        # BatchGetItem); after the SDK's own retries.
        stub.add_client_error("batch_get_item", "ProvisionedThroughputExceededException", http_status_code=400)
        with pytest.raises(AuditUnavailable):
            s.get_many(["a"])


def table_of(stack: Stack) -> str:
    return str(stack.resolver.refs["AuditTable"])
