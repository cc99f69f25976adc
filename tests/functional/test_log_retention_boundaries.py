"""The log-retention sweep between two pages: the next page read while the last change of a page is made
(``ecoguard.pages_ahead``), and each batch's final records written behind the sweep, once the next batch's
records are stored (``ecoguard.finals_behind``), with nothing else changed.

- The same account swept one step at a time and with both: each group gets the same records (pending, then
  applied or skipped), the same API calls are made as many times each, and every group ends with the same
  retention; no group is written before its pending record is stored.
- Across hand-offs: every group is set once and recorded applied once; none is lost, none is set twice, no
  record is left pending, and every final record is written before the invocation returns.
- A final record that cannot be written behind the sweep leaves its pending record, the sweep goes on, and the
  next run settles it (``ecoguard.settle``) without setting the group again.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import boto3
import pytest

from ecoguard import sweep as sweep_module
from ecoguard.actions.log_retention import LogRetentionRunner
from ecoguard.adapters.clients import client
from ecoguard.deadline import DEADLINE_MARGIN_MS
from ecoguard.decisions import Outcome
from tests.builders.transactions import pending_puts
from tests.conftest import REGION, Stack, fail_calls, load_event, record_calls
from tests.functional.test_paced_sweeps import audit_writes
from tools.bench.seed import seed_log_groups
from tools.simulator.seed import retention_snapshot

FN = "LogRetentionFunction"
SWEEP = "log_retention/scheduled-sweep.json"
GROUPS = 240  # five listing pages of 50 (with the stack's own group), about 30 changes on each
SERVICES = ("logs", "resourcegroupstaggingapi", "dynamodb", "kms")


class Watch:
    """The groups whose pending record a transaction has stored, every group written before that, and the
    thread each listing page was read on."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stored: set[str] = set()
        self.early: list[str] = []
        self.listed_on: list[str] = []
        self._params: dict[int, dict[str, Any]] = {}

    def keep(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        with self.lock:
            self._params[id(context)] = params

    def records_stored(self, http_response: Any, context: dict[str, Any], **_: Any) -> None:
        with self.lock:
            params = self._params.pop(id(context), {})
            if getattr(http_response, "status_code", 500) >= 300:
                return
            self.stored.update(record["resource_name"]["S"] for record in pending_puts(params))

    def writing(self, params: dict[str, Any], **_: Any) -> None:
        with self.lock:
            if params["logGroupName"] not in self.stored:
                self.early.append(params["logGroupName"])

    def listing(self, **_: Any) -> None:
        with self.lock:
            self.listed_on.append(threading.current_thread().name)


@dataclass
class Run:
    calls: Counter[str]  # by operation
    written: list[tuple[str, str, str]]  # audit records written: resource, key (the run id taken out), outcome
    puts: Counter[str]  # PutRetentionPolicy calls, by group
    watch: Watch
    results: list[dict[str, Any]]  # each invocation's


def swept(
    stack: Stack, run: str, *, overlapped: bool, monkeypatch: pytest.MonkeyPatch, remaining_ms: Any = None
) -> Run:
    """One enforce run of the sweep, one step at a time or with the page read ahead and the finals behind."""
    monkeypatch.setattr(LogRetentionRunner, "finals_behind", overlapped)
    monkeypatch.setattr(LogRetentionRunner, "pages_ahead", overlapped)
    watch = Watch()
    logs, dynamodb = client("logs"), client("dynamodb")
    hooks = [
        (dynamodb, "provide-client-params.dynamodb.TransactWriteItems", watch.keep),
        (dynamodb, "after-call.dynamodb.TransactWriteItems", watch.records_stored),
        (logs, "before-parameter-build.cloudwatch-logs.PutRetentionPolicy", watch.writing),
        (logs, "before-parameter-build.cloudwatch-logs.DescribeLogGroups", watch.listing),
    ]
    for c, name, hook in hooks:
        c.meta.events.register(name, hook)
    calls = record_calls(*SERVICES)
    event = load_event(SWEEP) | {"id": run}
    results = stack.invoke(FN, event, env={"ECOGUARD_MODE": "enforce"}, remaining_ms=remaining_ms)
    for c, name, hook in hooks:
        c.meta.events.unregister(name, hook)
    # Copies now: the log stays registered on the cached clients and would count the next run too.
    return Run(
        Counter(calls.calls),
        [(pk, sk.replace(run, "run"), outcome) for pk, sk, outcome in audit_writes(calls)],
        Counter(p["logGroupName"] for op, p in list(calls.params) if op == "PutRetentionPolicy"),
        watch,
        results,
    )


def per_resource(written: list[tuple[str, str, str]]) -> dict[str, list[tuple[str, str]]]:
    kept: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pk, sk, outcome in written:
        kept[pk].append((sk, outcome))
    return dict(kept)


def pending_before_first_final(written: list[tuple[str, str, str]]) -> int:
    first = next(i for i, (_, _, outcome) in enumerate(written) if outcome == "applied")
    return sum(1 for _, _, outcome in written[:first] if outcome == "pending")


def within_the_margin_every(reads: int) -> Callable[[], int]:
    """Lambda's remaining time, as the sweep reads it: within the hand-off margin on every ``reads``-th read."""
    count = [0]

    def remaining() -> int:
        count[0] += 1
        return DEADLINE_MARGIN_MS - 1 if count[0] % reads == 0 else DEADLINE_MARGIN_MS + 60_000

    return remaining


def reset_retentions(seeded: dict[str, int | None]) -> None:
    """The account as seeded again (with a client of the test's own, whose calls are not counted)."""
    logs = boto3.client("logs", region_name=REGION)
    for name, days in retention_snapshot().items():
        if days is not None and seeded[name] is None:
            logs.delete_retention_policy(logGroupName=name)
    assert retention_snapshot() == seeded


def test_given_the_next_page_read_ahead_and_finals_written_behind_then_records_calls_and_retentions_are_unchanged(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_log_groups(GROUPS)
    seeded = retention_snapshot()
    one = swept(stack, "run-in-turn", overlapped=False, monkeypatch=monkeypatch)
    after_one = retention_snapshot()
    reset_retentions(seeded)
    both = swept(stack, "run-overlapped", overlapped=True, monkeypatch=monkeypatch)
    assert len(one.results) == len(both.results) == 1 and both.results[0]["finished"]
    assert retention_snapshot() == after_one != seeded, "every group ends with the same retention"
    assert per_resource(both.written) == per_resource(one.written), "each group's records, in its order"
    changed = [seq for seq in per_resource(one.written).values() if seq[0][1] == "pending"]
    assert len(changed) > 100 and all([o for _, o in seq] == ["pending", "applied"] for seq in changed)
    assert both.calls == one.calls, "the same calls, as many of each"
    assert both.puts == one.puts and set(both.puts.values()) == {1}
    assert not one.watch.early and not both.watch.early, "no group written before its record was stored"
    # What changed is where and when. Each page after the first was read on the page thread, ahead...
    assert one.watch.listed_on == ["MainThread"] * one.calls["DescribeLogGroups"]
    assert both.watch.listed_on[0] == "MainThread"
    assert all(name.startswith("ecoguard-page") for name in both.watch.listed_on[1:])
    # ... and the first page's final records were written only after the second page's pending records.
    assert pending_before_first_final(both.written) > pending_before_first_final(one.written)


def test_given_hand_offs_then_no_group_is_lost_or_set_twice_and_no_record_is_left_pending(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_log_groups(GROUPS)
    seeded = retention_snapshot()
    runs = {}
    for overlapped in (False, True):
        reset_retentions(seeded)
        run = f"handed-off-{overlapped}"
        runs[overlapped] = swept(
            stack, run, overlapped=overlapped, monkeypatch=monkeypatch, remaining_ms=within_the_margin_every(40)
        )
        records = [r for r in stack.records() if r.trigger_id == run]
        applied = Counter(r.resource.name for r in records if r.outcome is Outcome.APPLIED)
        assert set(applied.values()) == {1}, "no group recorded applied twice"
        assert set(applied) == set(runs[overlapped].puts), "none set without its record"
        assert set(runs[overlapped].puts.values()) == {1}, "no group set twice"
        assert not [r for r in records if r.outcome in (Outcome.PENDING, Outcome.FAILED)], "nothing left pending"
    one, both = runs[False], runs[True]
    assert len(both.results) > 3 and both.results[-1]["finished"], "handed off several times, then finished"
    assert len(both.results) == len(one.results)
    assert set(both.puts) == set(one.puts), "none lost"
    assert both.calls == one.calls, "the same calls, as many of each"
    assert not both.watch.early


def test_given_a_final_record_not_written_behind_the_sweep_then_it_stays_pending_and_the_next_run_settles_it(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_log_groups(GROUPS)
    batches_of_finals = [0]
    lost: set[str] = set()
    threads: list[str] = []

    def second_batch_of_finals(payload: dict[str, Any]) -> bool:
        items = [t["Put"]["Item"] for t in payload.get("TransactItems", []) if "Put" in t]
        finals = {i["resource_name"]["S"] for i in items if i.get("outcome", {}).get("S") == "applied"}
        batches_of_finals[0] += bool(finals)
        if finals and batches_of_finals[0] == 2:
            lost.update(finals)
            threads.append(threading.current_thread().name)
            return True
        return False

    injected = fail_calls("dynamodb", "TransactWriteItems", "InternalServerError", when=second_batch_of_finals)
    first = swept(stack, "final-lost", overlapped=True, monkeypatch=monkeypatch)
    assert injected["TransactWriteItems"] == 1 and first.results[-1]["finished"], "the sweep went on"
    assert len(lost) > 10 and threads[0].startswith("ecoguard-finals"), "written behind the sweep"
    records = {r.resource.name: r for r in stack.records() if r.trigger_id == "final-lost"}
    assert {name for name, r in records.items() if r.outcome is Outcome.PENDING} == lost, "left pending"
    assert retention_snapshot().keys() >= lost and all(retention_snapshot()[n] for n in lost), "set all the same"
    # The next run, once the pending records are older than settling waits for (SETTLE_AFTER: time not slept).
    monkeypatch.setattr(sweep_module, "SETTLE_AFTER", timedelta(0))
    second = swept(stack, "next-day", overlapped=True, monkeypatch=monkeypatch)
    settled = {r.resource.name: r for r in stack.records() if r.trigger_id == "final-lost"}
    assert {settled[n].outcome for n in lost} == {Outcome.APPLIED}, "settled from the group's retention"
    assert not set(second.puts) & lost, "not set again"
