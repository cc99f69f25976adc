"""The next listing page read ahead (``ecoguard.pages_ahead``): read once, on a thread of its own, given where
the sweep asks for it, with what the listing raised raised there; a page read ahead for another token is not
given, and no read outlives the sweep."""

from __future__ import annotations

import threading

import pytest

from ecoguard.errors import Throttled
from ecoguard.pages_ahead import PagesAhead
from ecoguard.paging import Page


class Listing:
    """Pages of three items; the page ``"throttled"`` raises as an exhausted retry would."""

    def __init__(self) -> None:
        self.read: list[tuple[str | None, str]] = []  # (token, thread)

    def __call__(self, token: str | None) -> Page[str]:
        self.read.append((token, threading.current_thread().name))
        if token == "throttled":
            raise Throttled("DescribeLogGroups", "ThrottlingException", "Rate exceeded")
        return Page([f"{token}-{i}" for i in range(3)], "next")


def test_given_the_next_page_read_ahead_then_it_is_read_once_off_the_sweeps_thread_and_given_when_asked() -> None:
    listing = Listing()
    with PagesAhead(listing) as pages:
        first = pages.page(None)
        pages.read_ahead("t2")
        second = pages.page("t2")
    assert first.items == ["None-0", "None-1", "None-2"] and second.items == ["t2-0", "t2-1", "t2-2"]
    assert [token for token, _ in listing.read] == [None, "t2"], "each page read once"
    assert listing.read[0][1] == threading.current_thread().name
    assert listing.read[1][1].startswith("ecoguard-page")


def test_given_a_page_read_ahead_that_raised_then_it_is_raised_where_the_sweep_asks_for_the_page() -> None:
    with PagesAhead(Listing()) as pages:
        pages.read_ahead("throttled")
        with pytest.raises(Throttled):
            pages.page("throttled")


def test_given_a_page_read_ahead_for_another_token_then_the_page_asked_for_is_read_now() -> None:
    listing = Listing()
    with PagesAhead(listing) as pages:
        pages.read_ahead("t2")
        assert pages.page("t3").items == ["t3-0", "t3-1", "t3-2"]
        assert pages.page("t2").items == ["t2-0", "t2-1", "t2-2"], "read again: the one read ahead is dropped"
    assert [token for token, _ in listing.read].count("t3") == 1
    assert not [t for t in threading.enumerate() if t.name.startswith("ecoguard-page")], "its thread ended"
