"""``ecoguard.listed_ahead``: the next pages listed and read while a page is still read, without changing the
pages, their order, or how many reads are in flight; and the serving advisor, which reads so, handing off and
resuming with every endpoint decided once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest

from ecoguard import overlap
from ecoguard.actions.serving_advisor import ServingAdvisorRunner, StoredOpenState
from ecoguard.adapters.metrics import MetricsAdapter
from ecoguard.decisions import Mode
from ecoguard.errors import AwsError
from ecoguard.guardrails.serving_advisor import GUARDRAIL
from ecoguard.listed_ahead import DEPTH, ListedAhead
from ecoguard.paging import Page
from ecoguard.summary import Trigger
from tests.builders.in_flight import InFlight
from tests.builders.serving_advisor import NOW
from tests.unit.fakes import MemoryAuditTrail, MemoryStateStore, wired
from tests.unit.test_serving_advisor_sweep import FakeCloudWatch, FakeEndpoints

PAGES = 7


def listing_of(listed: list[str | None]) -> Callable[[str | None], Page[int]]:
    def listing(token: str | None) -> Page[int]:
        listed.append(token)
        number = int(token or 0)
        return Page(tuple(range(number * 10, number * 10 + 10)), str(number + 1) if number + 1 < PAGES else None)

    return listing


def walk(pager: Callable[[str | None], Page[int]]) -> list[Page[int]]:
    pages, token = [], None
    while True:
        page = pager(token)
        pages.append(page)
        if page.next_token is None:
            return pages
        token = page.next_token


def doubled(page: Page[int]) -> Page[int]:
    return Page(tuple(2 * i for i in page.items), page.next_token)


def test_given_a_listing_then_the_pages_are_those_read_one_at_a_time_each_listed_once() -> None:
    alone: list[str | None] = []
    ahead: list[str | None] = []
    expected = walk(lambda token: doubled(listing_of(alone)(token)))
    with ListedAhead(listing_of(ahead), doubled) as pages:
        assert walk(pages) == expected
    assert sorted(ahead, key=str) == sorted(alone, key=str) and len(ahead) == PAGES


def test_given_pages_not_yet_taken_then_no_more_than_depth_are_listed_ahead_of_the_one_taken() -> None:
    listed: list[str | None] = []
    release = threading.Event()

    def held(page: Page[int]) -> Page[int]:
        release.wait(5)  # every page's reads held until the test lets them go
        return page

    with ListedAhead(listing_of(listed), held) as pages:
        first = threading.Thread(target=pages, args=(None,))
        first.start()
        deadline = time.monotonic() + 5
        while len(listed) < 1 + DEPTH and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # time for a page beyond the depth to be listed, were it to be
        assert listed == [None, "1", "2"][: 1 + DEPTH]
        release.set()
        first.join()
        assert pages("1").items == tuple(range(10, 20))
        deadline = time.monotonic() + 5
        while len(listed) < 2 + DEPTH and time.monotonic() < deadline:
            time.sleep(0.01)
        assert listed[: 2 + DEPTH] == [None, "1", "2", "3"][: 2 + DEPTH]  # taking one page begins one more


def test_given_reads_of_several_pages_at_once_then_no_more_than_read_workers_are_in_flight() -> None:
    reads = InFlight(hold_s=0.005)
    started: dict[str | None, float] = {}
    finished: dict[str | None, float] = {}

    def read(_: int) -> None:
        with reads.held():
            pass

    pager: list[ListedAhead[int, int]] = []

    def collect(page: Page[int]) -> Page[int]:
        started.setdefault(page.next_token, time.monotonic())

        overlap.read_all(read, list(page.items) * 4, pool=pager[0].pool)
        pager[0].call(lambda: read(0))  # the page's round, on the same threads
        finished[page.next_token] = time.monotonic()
        return page

    with ListedAhead(listing_of([]), collect) as pages:
        pager.append(pages)
        assert len(walk(pages)) == PAGES
    assert reads.peak <= overlap.READ_WORKERS
    assert started["2"] < finished["1"], "the second page was read while the first still was"


def test_given_a_page_read_ahead_fails_then_its_error_is_raised_where_the_sweep_takes_it() -> None:
    def listing(token: str | None) -> Page[int]:
        if token == "2":
            raise AwsError("ListEndpoints", "ValidationException", "token refused")
        return listing_of([])(token)

    with ListedAhead(listing, doubled) as pages:
        assert pages(None).items and pages("1").items
        with pytest.raises(AwsError, match="refused"):
            pages("2")


def test_given_the_sweep_lists_again_from_the_start_then_the_pages_ahead_are_dropped_and_read_again() -> None:
    listed: list[str | None] = []
    with ListedAhead(listing_of(listed), doubled) as pages:
        pages(None)
        again = walk(pages)  # a sweep whose token was refused lists from the first page
    assert [p.items for p in again] == [p.items for p in walk(lambda t: doubled(listing_of([])(t)))]
    assert Counter(listed)[None] == 2


def test_given_the_advisor_hands_off_again_and_again_then_every_endpoint_is_decided_once() -> None:
    endpoints, cloudwatch = FakeEndpoints(1000), FakeCloudWatch()
    audit, state = MemoryAuditTrail(), MemoryStateStore(GUARDRAIL, Mode.DRY_RUN)
    evaluated, invocations = 0, 0
    while True:
        reads = [0]

        def remaining_ms(reads: list[int] = reads) -> int:
            reads[0] += 1  # about 60 reads of the deadline a page: a pause every few pages
            return 900_000 if reads[0] < 200 else 1_000

        runner = ServingAdvisorRunner(
            wired(audit, mode=Mode.DRY_RUN, clock=lambda: NOW, remaining_ms=remaining_ms),
            endpoints,
            MetricsAdapter(cloudwatch),  # type: ignore[arg-type]
            StoredOpenState(state),
            state,
        )
        result = runner.sweep(Trigger("weekly-2", "Scheduled Event weekly-2"))
        evaluated += result.summary.evaluated
        invocations += 1
        if result.finished:
            break
        assert invocations < 100
    assert invocations > 2, "the sweep handed off"
    assert evaluated == 1000
    assert set(endpoints.described) == set(endpoints.served)
