"""StateStore against DynamoDB (moto): versioned, conditional, conflict-detecting."""

from __future__ import annotations

import boto3
import pytest

from ecoguard.decisions import Mode
from ecoguard.state import StateConflict, StateStore
from tests.conftest import REGION, Stack


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
