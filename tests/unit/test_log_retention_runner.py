"""The sweep's resume logic, against an in-memory log service: no group skipped, none done twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import pytest

from ecoguard.actions.log_retention import LogGroups, LogRetentionRunner
from ecoguard.deadline import DEADLINE_MARGIN_MS
from ecoguard.decisions import Mode, Outcome
from ecoguard.errors import AccessDenied, Throttled
from ecoguard.guardrails.log_retention import LogGroup
from ecoguard.paging import Page
from ecoguard.policy import build_policy
from ecoguard.summary import Trigger
from tests.unit.fakes import MemoryAuditTrail, wired


class FakeLogs(LogGroups):
    def __init__(self, count: int, page_size: int = 7) -> None:
        self.retention: dict[str, int | None] = {f"/aws/lambda/fn-{i:03d}": None for i in range(count)}
        self.tags_of: dict[str, dict[str, str]] = {}
        self.page_size = page_size
        self.puts: Counter[str] = Counter()
        self.throttle_next_puts = 0
        self.deny_tags: set[str] = set()
        self.deny_puts: set[str] = set()
        self.deny_listing = False
        self.listings = 0
        self.listed_keys: list[tuple[str, ...]] = []
        self.gaps: dict[str, tuple[str, ...]] = {}
        self.gap_reads = 0
        self.pages = 0

    def _group(self, name: str) -> LogGroup:
        return LogGroup(name, f"arn:{name}", self.retention[name])

    def sdk_gaps(self) -> dict[str, tuple[str, ...]]:
        self.gap_reads += 1
        return self.gaps

    def page(self, token: str | None) -> Page[LogGroup]:
        self.pages += 1
        names = sorted(self.retention)
        start = int(token or 0)
        end = start + self.page_size
        return Page(tuple(self._group(n) for n in names[start:end]), str(end) if end < len(names) else None)

    def find(self, name: str) -> LogGroup | None:
        return self._group(name) if name in self.retention else None

    def tags(self, group: LogGroup) -> dict[str, str]:
        if group.name in self.deny_tags:
            raise AccessDenied("ListTagsForResource", "AccessDeniedException", "denied")
        return self.tags_of.get(group.name, {})

    def listed_tags(self, attribution: Sequence[str]) -> dict[str, dict[str, str]]:
        self.listings += 1
        self.listed_keys.append(tuple(attribution))
        if self.deny_listing:
            raise AccessDenied("GetResources", "AccessDeniedException", "denied")
        return {f"arn:{name}": tags for name, tags in self.tags_of.items()}

    def set_retention(self, name: str, days: int | None) -> None:
        if self.throttle_next_puts:
            self.throttle_next_puts -= 1
            raise Throttled("PutRetentionPolicy", "ThrottlingException", "rate exceeded")
        if name in self.deny_puts:
            raise AccessDenied("PutRetentionPolicy", "AccessDeniedException", "denied")
        self.puts[name] += 1
        self.retention[name] = days


class Budget:
    """Remaining time that drops by ``cost_ms`` every time it is read."""

    def __init__(self, total_ms: int, cost_ms: int) -> None:
        self.left = total_ms
        self.cost = cost_ms

    def __call__(self) -> int:
        self.left -= self.cost
        return self.left


def runner(
    logs: FakeLogs,
    audit: MemoryAuditTrail,
    remaining: Callable[[], int] = lambda: 900_000,
    mode: Mode = Mode.ENFORCE,
    policy: str | None = None,
) -> LogRetentionRunner:
    return LogRetentionRunner(
        wired(audit, policy=build_policy(override_text=policy), mode=mode, remaining_ms=remaining), logs
    )


def test_given_time_for_everything_then_one_invocation_sets_every_group() -> None:
    logs, audit = FakeLogs(30), MemoryAuditTrail()
    result = runner(logs, audit).sweep(Trigger("run-1", "test"))
    assert result.finished
    assert set(logs.retention.values()) == {30}
    assert audit.checkpoints[("log-retention", "run-1")]["done"] is True


def test_given_a_short_deadline_then_the_sweep_resumes_across_invocations_without_skipping_or_repeating() -> None:
    logs, audit = FakeLogs(50), MemoryAuditTrail()
    invocations = 0
    finished = False
    while not finished:
        invocations += 1
        # Each invocation has time for about 10 groups before the margin is reached.
        budget = Budget(DEADLINE_MARGIN_MS + 10_000, 1_000)
        finished = runner(logs, audit, budget).sweep(Trigger("run-1", "test")).finished
        assert invocations < 50
    assert invocations > 3
    assert set(logs.retention.values()) == {30}
    assert set(logs.puts.values()) == {1}, "every group set exactly once"


def test_given_throttling_that_outlasts_retries_then_the_sweep_pauses_at_that_group_and_finishes_later() -> None:
    logs, audit = FakeLogs(20), MemoryAuditTrail()
    logs.throttle_next_puts = 1
    first = runner(logs, audit).sweep(Trigger("run-1", "test"))
    assert not first.finished
    assert first.summary.count(Outcome.DEFERRED) == 1
    second = runner(logs, audit).sweep(Trigger("run-1", "test"))
    assert second.finished
    assert set(logs.retention.values()) == {30}
    assert set(logs.puts.values()) == {1}


def test_given_a_finished_run_when_its_event_is_delivered_again_then_nothing_is_done() -> None:
    logs, audit = FakeLogs(5), MemoryAuditTrail()
    runner(logs, audit).sweep(Trigger("run-1", "test"))
    logs.retention = dict.fromkeys(logs.retention)  # someone removes every retention again
    again = runner(logs, audit).sweep(Trigger("run-1", "test"))
    assert again.finished and again.summary.evaluated == 0
    assert set(logs.retention.values()) == {None}


def test_given_exempt_groups_then_the_sweep_lists_tags_once_and_skips_them() -> None:
    logs, audit = FakeLogs(10), MemoryAuditTrail()
    exempt = sorted(logs.retention)[4]
    logs.tags_of[exempt] = {"ecoguard:exempt": "True "}
    result = runner(logs, audit).sweep(Trigger("run-1", "test"))
    assert result.finished and logs.listings == 1
    assert logs.retention[exempt] is None
    assert sum(v == 30 for v in logs.retention.values()) == 9
    assert [r.resource.name for r in audit.items.values() if r.outcome is Outcome.SKIPPED] == [exempt]


def test_given_a_group_tagged_only_with_a_cost_allocation_tag_then_its_record_carries_the_attribution() -> None:
    logs, audit = FakeLogs(4), MemoryAuditTrail()
    team_only = sorted(logs.retention)[2]
    logs.tags_of[team_only] = {"team": "ml", "owner": "ana"}
    result = runner(logs, audit).sweep(Trigger("run-1", "test"))
    assert result.finished and logs.listed_keys == [("team", "cost-center")], "the policy's keys, listed once"
    assert set(logs.retention.values()) == {30}, "decided as any group without a governing tag"
    attribution = {r.resource.name: r.attribution for r in audit.items.values() if r.outcome is Outcome.APPLIED}
    assert attribution == {name: {"team": "ml"} if name == team_only else None for name in logs.retention}


def test_given_no_attribution_tags_in_the_policy_then_only_the_governing_keys_are_listed() -> None:
    logs, audit = FakeLogs(4), MemoryAuditTrail()
    logs.tags_of[sorted(logs.retention)[2]] = {"team": "ml"}
    runner(logs, audit, policy="report: {attribution_tags: []}").sweep(Trigger("run-1", "test"))
    assert logs.listed_keys == [()]
    assert all(r.attribution is None for r in audit.items.values())


def test_given_the_tag_listing_is_denied_then_the_sweep_fails_and_writes_nothing() -> None:
    logs, audit = FakeLogs(10), MemoryAuditTrail()
    logs.deny_listing = True
    with pytest.raises(AccessDenied, match="GetResources"):
        runner(logs, audit).sweep(Trigger("run-1", "test"))
    assert set(logs.retention.values()) == {None} and not logs.puts
    assert audit.journal == []


def test_given_the_write_is_denied_on_one_group_mid_sweep_then_it_is_recorded_failed_and_the_sweep_goes_on() -> None:
    logs, audit = FakeLogs(10), MemoryAuditTrail()
    denied = sorted(logs.retention)[4]
    logs.deny_puts.add(denied)
    result = runner(logs, audit).sweep(Trigger("run-1", "test"))
    assert result.finished and logs.retention[denied] is None
    assert sum(v == 30 for v in logs.retention.values()) == 9
    [failed] = [r for r in audit.items.values() if r.outcome is Outcome.FAILED]
    assert failed.resource.name == denied and "AccessDeniedException" in (failed.error or "")


def test_given_unreadable_tags_on_a_created_group_then_it_is_recorded_failed() -> None:
    logs, audit = FakeLogs(3), MemoryAuditTrail()
    denied = sorted(logs.retention)[1]
    logs.deny_tags.add(denied)
    summary = runner(logs, audit).on_created(denied, Trigger("evt", "test"))
    assert logs.retention[denied] is None and logs.listings == 0
    [failed] = [r for r in audit.items.values() if r.outcome is Outcome.FAILED]
    assert failed.resource.name == denied and "AccessDeniedException" in (failed.error or "")
    assert summary.count(Outcome.FAILED) == 1


@pytest.mark.parametrize("name", [None, "/ecs/not-governed"])
def test_given_a_created_group_out_of_scope_then_nothing_is_read_or_written(name: str | None) -> None:
    logs, audit = FakeLogs(0), MemoryAuditTrail()
    summary = runner(logs, audit).on_created(name, Trigger("evt", "test"))
    assert summary.entries == [] and audit.journal == []


def test_given_a_created_group_when_throttled_then_the_invocation_fails_for_lambda_to_retry() -> None:
    logs, audit = FakeLogs(1), MemoryAuditTrail()
    logs.throttle_next_puts = 1
    with pytest.raises(Throttled):
        runner(logs, audit).on_created(next(iter(logs.retention)), Trigger("evt", "test"))


def test_given_an_sdk_without_retention_policy_name_then_no_group_is_listed_or_changed_and_it_is_asked_once() -> None:
    # An older botocore parses LogGroup.retentionPolicyName away (CloudWatch Logs API reference: returned only
    # when an account-level retention policy applies), so a governed group would look like one without it.
    logs, audit = FakeLogs(20), MemoryAuditTrail()
    logs.gaps = {"account-policy": ("LogGroup.retentionPolicyName",)}
    run = runner(logs, audit)
    result = run.sweep(Trigger("run-1", "test"))
    assert result.finished and result.summary.evaluated == 0
    assert logs.pages == 0 and not logs.puts and not audit.items
    created = run.on_created(sorted(logs.retention)[0], Trigger("event-1", "test"))
    assert created.evaluated == 0 and not logs.puts
    assert logs.gap_reads == 1, "asked (and said) once per run"


def test_given_an_sdk_without_logs_list_tags_for_resource_then_events_wait_for_the_sweep_which_still_sets() -> None:
    logs, audit = FakeLogs(5), MemoryAuditTrail()
    logs.gaps = {"event-tags": ("ListTagsForResourceRequest.resourceArn",)}
    run = runner(logs, audit)
    assert run.on_created(sorted(logs.retention)[0], Trigger("event-1", "test")).evaluated == 0
    assert not logs.puts
    assert run.sweep(Trigger("run-1", "test")).finished
    assert set(logs.retention.values()) == {30} and logs.gap_reads == 1


def test_given_an_sdk_without_the_log_group_class_only_then_groups_are_still_set() -> None:
    logs, audit = FakeLogs(5), MemoryAuditTrail()
    logs.gaps = {"log-class": ("LogGroup.logGroupClass",)}
    assert runner(logs, audit).sweep(Trigger("run-1", "test")).finished
    assert set(logs.retention.values()) == {30}
