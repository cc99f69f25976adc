"""ecoguard.overlap: reads made ahead on a bounded pool, taken in order, errors raised at their item."""

from __future__ import annotations

import threading
import time
from contextvars import ContextVar

import pytest

from ecoguard.errors import Throttled
from ecoguard.overlap import ReadAhead, ahead, kept, read_all
from tests.builders.in_flight import InFlight


def test_given_reads_when_taken_in_order_then_each_result_is_its_items() -> None:
    with ReadAhead(lambda i: i * i, list(range(50)), workers=4) as ahead:
        assert [ahead.result(i) for i in range(50)] == [i * i for i in range(50)]


def test_given_reads_that_take_time_then_several_run_at_once_and_no_more_than_the_workers() -> None:
    reads = InFlight(hold_s=0.01)

    def read(i: int) -> int:
        with reads.held():
            return i

    with ReadAhead(read, list(range(40)), workers=4) as ahead:
        assert [ahead.result(i) for i in range(40)] == list(range(40))
    assert 1 < reads.peak <= 4


def test_given_a_read_that_is_throttled_then_it_is_raised_where_its_result_is_taken_and_not_before() -> None:
    def read(i: int) -> int:
        if i == 3:
            raise Throttled("GetBucketTagging", "SlowDown", "Please reduce your request rate.")
        return i

    with ReadAhead(read, list(range(10)), workers=4) as ahead:
        assert [ahead.result(i) for i in range(3)] == [0, 1, 2]
        with pytest.raises(Throttled):
            ahead.result(3)


def test_given_a_start_then_no_item_before_it_is_read_and_reads_stay_within_the_window() -> None:
    read_items: list[int] = []
    lock = threading.Lock()

    def read(i: int) -> int:
        with lock:
            read_items.append(i)
        return i

    ahead = ReadAhead(read, list(range(100)), start=10, workers=2, window=4)
    assert ahead.result(10) == 10
    ahead.close()
    assert min(read_items) == 10 and max(read_items) <= 14, "items 10..14 at most: the item and 4 ahead"


def test_given_the_callers_context_then_each_read_sees_it() -> None:
    var: ContextVar[str] = ContextVar("var", default="unset")
    var.set("the sweep's deadline")
    with ReadAhead(lambda _: var.get(), [1, 2, 3], workers=2) as ahead:
        assert {ahead.result(i) for i in range(3)} == {"the sweep's deadline"}


def test_given_no_workers_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ReadAhead(lambda i: i, [1], workers=0)


def test_given_items_read_all_returns_every_read_in_the_items_order() -> None:
    items = list(range(30))
    assert read_all(lambda i: -i, items, workers=4) == [-i for i in items]
    assert read_all(lambda i: -i, items, workers=1) == [-i for i in items]


def test_given_two_reads_that_fail_then_read_all_raises_the_first_items_error() -> None:
    def read(i: int) -> int:
        if i in (5, 2):
            raise Throttled("DescribeEndpoint", "ThrottlingException", f"item {i}")
        return i

    with pytest.raises(Throttled, match="item 2"):
        read_all(read, list(range(10)), workers=4)


def test_given_one_worker_then_ahead_reads_each_item_only_when_it_is_taken() -> None:
    read_items: list[int] = []

    def read(i: int) -> int:
        read_items.append(i)
        return i * 2

    with ahead(read, list(range(10)), workers=1) as taken:
        assert [taken(i) for i in range(3)] == [0, 2, 4]
    assert read_items == [0, 1, 2], "nothing read past the last item taken"


def test_given_eight_workers_when_the_caller_stops_early_then_ahead_read_within_its_window_and_in_order() -> None:
    read_items: list[int] = []
    lock = threading.Lock()

    def read(i: int) -> int:
        with lock:
            read_items.append(i)
        time.sleep(0.002)
        return -i

    with ahead(read, list(range(100)), workers=8) as taken:
        assert [taken(i) for i in range(5)] == [0, -1, -2, -3, -4]
    assert set(range(5)) <= set(read_items) and max(read_items) <= 4 + 2 * 8, "at most the window past the last taken"
    assert len(read_items) == len(set(read_items)), "no item read twice"


def test_given_a_read_kept_then_its_value_or_its_error_is_given_only_when_called_for() -> None:
    def read(i: int) -> int:
        if i == 2:
            raise Throttled("GetItem", "ThrottlingException", "item 2")
        return i + 1

    kept_reads = read_all(kept(read), [1, 2, 3], workers=4)  # nothing raised while reading ahead
    assert kept_reads[0]() == 2 and kept_reads[2]() == 4
    with pytest.raises(Throttled, match="item 2"):
        kept_reads[1]()
