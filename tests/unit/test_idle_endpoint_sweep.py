"""The idle-endpoint sweep at scale, against an in-memory SageMaker account (tests/unit/endpoint_fakes.py):
a checkpoint holds a position, never the listing, so a sweep of 10,000 endpoints paused again and again
handles each endpoint exactly once and describes none twice."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, cast

import pytest

from ecoguard import overlap
from ecoguard.actions.idle_endpoint import IdleEndpointRunner
from ecoguard.adapters.autoscaling import AutoScalingAdapter
from ecoguard.adapters.metrics import MetricsAdapter
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.deadline import DEADLINE_MARGIN_MS
from ecoguard.decisions import Mode, Outcome
from ecoguard.guardrails.idle_endpoint import GUARDRAIL, IDLE_SINCE_TAG
from ecoguard.guardrails.tags import EXEMPT_TAG
from ecoguard.summary import Trigger
from ecoguard.sweep import SweepResult
from tests.unit.endpoint_fakes import FakeEndpoint, InferenceAccount
from tests.unit.fakes import NOW, MemoryAuditTrail, MemoryStateStore, wired

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_resourcegroupstaggingapi import ResourceGroupsTaggingAPIClient
    from mypy_boto3_sagemaker import SageMakerClient

DYNAMODB_ITEM_LIMIT = 400 * 1024


def paused_every(reads: int) -> Callable[[], int]:
    """Lambda's remaining time, near the deadline once it has been read ``reads`` times (about one read per
    endpoint handled)."""
    left = reads

    def remaining_ms() -> int:
        nonlocal left
        left -= 1
        return 600_000 if left > 0 else DEADLINE_MARGIN_MS - 1

    return remaining_ms


class Sweeps:
    """One run of the sweep (one run id) through as many invocations as it takes."""

    def __init__(self, account: InferenceAccount, mode: Mode) -> None:
        self.account = account
        self.mode = mode
        self.audit = MemoryAuditTrail()
        self.state = MemoryStateStore(GUARDRAIL, mode)
        self.autoscaling = AutoScalingAdapter(cast("ApplicationAutoScalingClient", account.autoscaling))
        self.checkpoints: list[str] = []
        # Per invocation: the endpoints it described, and those it handled: up to the last one its checkpoint
        # names (a plan deferred at the pause, its records written or not, is decided again where the sweep resumes).
        self.described: list[Counter[str]] = []
        self.handled: list[set[str]] = []

    def invoke(self, remaining_ms: Callable[[], int]) -> SweepResult:
        # The account's clients stand in for boto3's: each answers only the calls the sweep makes.
        tagging = TaggingAdapter(cast("ResourceGroupsTaggingAPIClient", self.account.tagging))
        sagemaker = SageMakerAdapter(cast("SageMakerClient", self.account.sagemaker), tagging)
        runner = IdleEndpointRunner(
            wired(self.audit, mode=self.mode, remaining_ms=remaining_ms),
            sagemaker,
            MetricsAdapter(cast("CloudWatchClient", self.account.cloudwatch)),
            self.autoscaling,
            self.state,
        )
        described, journal = Counter(self.account.described), len(self.audit.journal)
        result = runner.sweep(Trigger("run-1", "scheduled sweep"))
        self.checkpoints.append(json.dumps(self.audit.checkpoints[(GUARDRAIL, "run-1")]))
        self.described.append(self.account.described - described)
        after = self.audit.checkpoints[(GUARDRAIL, "run-1")].get("after") or ""
        handled = {record.resource.name for _, record in self.audit.journal[journal:]}
        self.handled.append({name for name in handled if result.finished or name <= after})
        return result

    def until_finished(self, reads_per_invocation: int) -> list[SweepResult]:
        results: list[SweepResult] = []
        while not results or not results[-1].finished:
            results.append(self.invoke(paused_every(reads_per_invocation)))
            assert len(results) < 100, "the sweep makes no progress"
        return results


def seed(account: InferenceAccount, count: int, state: MemoryStateStore) -> dict[str, list[str]]:
    """Per 10 endpoints: 4 busy, 4 idle, 1 idle and marked 7 h ago (past its grace: deleted), 1 exempt and idle."""
    kinds: dict[str, list[str]] = {"busy": [], "idle": [], "marked": [], "exempt": []}
    for i in range(count):
        name = f"ep-{i:05d}"
        slot = i % 10
        if slot < 4:
            account.add(FakeEndpoint(name, invocations=3.0))
            kinds["busy"].append(name)
        elif slot < 8:
            account.add(FakeEndpoint(name))
            kinds["idle"].append(name)
        elif slot == 8:
            endpoint = FakeEndpoint(name, tags={IDLE_SINCE_TAG: "2026-11-26T05:00:00Z", "team": "ml"})
            account.add(endpoint)
            since = (NOW - timedelta(hours=7)).isoformat()
            state.put(endpoint.arn, {"since": since}, expected_version=0, expires_at=2_000_000_000)
            kinds["marked"].append(name)
        else:
            account.add(FakeEndpoint(name, tags={EXEMPT_TAG: "true"}))
            kinds["exempt"].append(name)
    return kinds


@pytest.mark.parametrize("refuse_stale_tokens", [True, False], ids=["token-names-next-endpoint", "cursor-token"])
def test_given_10000_endpoints_and_a_sweep_paused_again_and_again_then_each_is_handled_once_and_described_once(
    refuse_stale_tokens: bool,
) -> None:
    account = InferenceAccount(refuse_stale_tokens=refuse_stale_tokens)
    sweeps = Sweeps(account, Mode.ENFORCE)
    kinds = seed(account, 10_000, sweeps.state)

    results = sweeps.until_finished(reads_per_invocation=750)

    assert len(results) > 10, "paused again and again"
    assert sum(r.summary.evaluated for r in results) == 10_000, "each endpoint evaluated once across invocations"
    assert sum(r.summary.compliant for r in results) == len(kinds["busy"])
    # Each one acted on (or skipped) exactly once: one audit record per endpoint.
    recorded = Counter(record.resource.name for record in sweeps.audit.items.values())
    assert recorded == Counter(kinds["idle"] + kinds["marked"] + kinds["exempt"])
    applied = Counter(
        (record.resource.name, record.action)
        for record in sweeps.audit.items.values()
        if record.outcome is Outcome.APPLIED
    )
    assert applied == Counter(
        [(n, "mark-idle") for n in kinds["idle"]] + [(n, "delete-endpoint") for n in kinds["marked"]]
    )
    assert account.deleted == Counter(kinds["marked"]), "each idle endpoint past its grace deleted once"
    assert account.calls["AddTags"] == len(kinds["idle"])
    # A resume describes no endpoint already handled, and a busy endpoint is never described.
    for i, described in enumerate(sweeps.described):
        assert not set(described) & set().union(*sweeps.handled[:i]), f"invocation {i + 1} described one handled"
    assert set(account.described) == set(kinds["idle"] + kinds["marked"] + kinds["exempt"])
    # Those read with their page but not reached before a pause are read again (fewer than a page a pause).
    again = account.described.total() - len(account.described)
    assert again < 100 * (len(results) - 1)
    # Only a deletion reads its tags again (once more if its batch was deferred at a pause: it is confirmed again).
    assert set(account.tags_read) == set(kinds["marked"])
    # The checkpoint is a position (a token and a name), however many endpoints there are.
    assert max(len(c) for c in sweeps.checkpoints) < 1_000 < DYNAMODB_ITEM_LIMIT
    assert json.loads(sweeps.checkpoints[-1])["done"] is True


def test_given_10000_endpoints_then_the_account_wide_listings_are_read_once_per_invocation_and_metrics_per_page() -> (
    None
):
    account = InferenceAccount()
    sweeps = Sweeps(account, Mode.DRY_RUN)
    kinds = seed(account, 10_000, MemoryStateStore(GUARDRAIL, Mode.ENFORCE))  # enforce's marks: not dry-run's

    [result] = sweeps.until_finished(reads_per_invocation=1_000_000)

    assert result.summary.evaluated == 10_000
    pages = 10_000 // 100
    tagged = len(kinds["marked"]) + len(kinds["exempt"])
    listed_pairs = len(kinds["busy"])
    assert account.calls["ListEndpoints"] == pages
    assert account.calls["GetResources"] == tagged // 100, "every tagged endpoint, once"
    assert account.calls["ListMetrics"] == -(-listed_pairs // 500), "every pair with data, once"
    assert account.calls["ListInferenceComponents"] == 1
    # Per page: one batch for its listed pairs (the busy check), one for its candidates' variants.
    assert account.calls["GetMetricData"] == 2 * pages
    assert account.calls["DescribeEndpoint"] == 10_000 - len(kinds["busy"])
    # Dry-run: enforce's marks are not this mode's, so every idle endpoint (marked in enforce or not) would be
    # marked, and none deleted.
    would = Counter(r.action for r in sweeps.audit.items.values() if r.outcome is Outcome.WOULD_APPLY)
    assert would == Counter({"mark-idle": len(kinds["idle"]) + len(kinds["marked"])})
    assert not account.deleted and "AddTags" not in account.calls


def test_given_the_sweep_deletes_the_endpoint_its_page_token_names_then_the_resume_lists_again_from_the_start() -> None:
    # ep-00100 opens the second page; marked past its grace, the sweep deletes it, then pauses on that page.
    # The saved token names ep-00100, so the listing refuses it: the sweep lists again from the first page,
    # passing over (without describing) every endpoint up to the last one it handled.
    account = InferenceAccount(refuse_stale_tokens=True)
    sweeps = Sweeps(account, Mode.ENFORCE)
    names = [f"ep-{i:05d}" for i in range(150)]
    account.add(*(FakeEndpoint(n) for n in names))
    marked = account.endpoints["ep-00100"]
    sweeps.state.put(marked.arn, {"since": (NOW - timedelta(hours=7)).isoformat()}, expected_version=0, expires_at=0)

    # Time for the first page and 5 of the second's changes: the deadline read before the sixth finds it near.
    # Each page's first endpoint handled also reads its page's others ahead, the deadline read between two; a
    # page's plans are carried out together at its end, the deadline read again before each change (100 marks
    # on the first page; the deletion and 4 marks on the second).
    first = sweeps.invoke(paused_every(1 + (100 + 99) + 100 + 1 + (50 + 49) + 5 + 1))
    assert not first.finished and first.summary.evaluated == 105
    assert account.deleted == Counter(["ep-00100"])
    assert json.loads(sweeps.checkpoints[-1])["after"] == "ep-00104"

    second = sweeps.invoke(paused_every(1_000))
    assert second.finished and second.summary.evaluated == 45
    assert account.calls["ListEndpoints"] == 2 + 1 + 2, "two pages, the refused token, two pages again"
    assert set(account.described) == set(names)
    assert all(account.described[n] == 1 for n in names[:105] if n != "ep-00100"), "none handled is described again"
    assert account.described["ep-00100"] == 2, "once by the sweep, once right before its deletion (ecoguard.confirm)"
    marks = Counter(r.resource.name for r in sweeps.audit.items.values() if r.action == "mark-idle")
    assert marks == Counter(n for n in names if n != "ep-00100")


@pytest.mark.parametrize("denied", ["ListMetrics", "ListInferenceComponents"])
def test_given_the_busy_check_cannot_list_then_it_is_tried_once_per_invocation_and_every_endpoint_described(
    denied: str,
) -> None:
    account = InferenceAccount()
    sweeps = Sweeps(account, Mode.DRY_RUN)
    kinds = seed(account, 1_000, MemoryStateStore(GUARDRAIL, Mode.ENFORCE))
    account.denied.add(denied)

    [result] = sweeps.until_finished(reads_per_invocation=1_000_000)

    assert account.calls[denied] == 1, "not again for each of the 10 pages"
    assert result.summary.evaluated == 1_000 and result.summary.compliant == len(kinds["busy"])
    assert len(account.described) == 1_000, "no endpoint taken for busy: each described"
    assert not result.summary.count(Outcome.FAILED)


@pytest.mark.parametrize("workers", [1, 8])
def test_given_the_deadline_near_while_a_page_is_read_ahead_then_reading_stops_there_and_the_sweep_pauses(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No step may outlast the hand-off margin: the page's endpoints are taken one at a time, the deadline read
    # between two, and the reading stops once it is near, well before the page's end. One reader describes
    # exactly those taken; eight have also read ahead (ecoguard.overlap), at most their window (twice the
    # readers) past the last one taken.
    monkeypatch.setattr(overlap, "READ_WORKERS", workers)
    account = InferenceAccount()
    sweeps = Sweeps(account, Mode.DRY_RUN)
    names = [f"ep-{i:05d}" for i in range(150)]
    account.add(*(FakeEndpoint(n) for n in names))

    # Reads: before the listing, before the first endpoint, then between the describes taken: the 10th of
    # those finds the deadline near, after 10 endpoints taken.
    first = sweeps.invoke(paused_every(1 + 1 + 10))
    assert not first.finished and first.summary.evaluated == 1
    described = account.calls["DescribeEndpoint"]
    if workers == 1:
        assert described == 10, "not the whole page of 100"
    else:
        assert 10 <= described <= 10 + 2 * workers, "not the whole page of 100"
    assert account.calls["GetMetricData"] == 1, "the 10 taken, measured together"
    read_first = Counter(account.described)

    second = sweeps.invoke(paused_every(1_000))
    assert second.finished and second.summary.evaluated == 149
    # Those read but not handled before the pause are read again (with one reader, the 9 after the one
    # handled); every other endpoint once.
    assert account.described == Counter(names) + read_first - Counter(names[:1])
    if workers == 1:
        assert account.described == Counter(names + names[1:10])
