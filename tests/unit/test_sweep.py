"""The shared sweep's checkpoint: a position (page token and offset, or the last key handled), never the
listing; a keyed sweep resumes after the last item it handled, whatever was deleted meanwhile."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ecoguard.deadline import DEADLINE_MARGIN_MS
from ecoguard.decisions import Mode, Outcome
from ecoguard.errors import AwsError
from ecoguard.executor import Executor
from ecoguard.paging import Page
from ecoguard.summary import RunSummary, Trigger
from ecoguard.sweep import Sweep
from tests.unit.fakes import MemoryAuditTrail, clock

TRIGGER = Trigger("run-1", "test")


class Listing:
    """Names listed 3 a page by an offset token (``"3"``): the shape in which deletions shift offsets."""

    def __init__(self, names: list[str], *, refuse: set[str | None] | None = None) -> None:
        self.names = sorted(names)
        self.refuse = refuse or set()  # tokens refused once each
        self.reads: list[str | None] = []

    def page(self, token: str | None) -> Page[str]:
        self.reads.append(token)
        if token in self.refuse:
            self.refuse.remove(token)
            raise AwsError("List", "ValidationException", "invalid token")
        start = int(token or 0)
        return Page(self.names[start : start + 3], str(start + 3) if start + 3 < len(self.names) else None)


class Run:
    """Invocations of one sweep run, each with time for ``budget`` items."""

    def __init__(self, listing: Listing, keyed: bool) -> None:
        self.listing = listing
        self.audit = MemoryAuditTrail()
        self.handled: list[str] = []
        self.keyed = keyed

    def invoke(self, budget: int, on_pause: Callable[[], None] = lambda: None) -> bool:
        left = budget + 1  # the read before the first page

        def remaining_ms() -> int:
            nonlocal left
            left -= 1
            if left < 0:
                on_pause()
            return 600_000 if left >= 0 else DEADLINE_MARGIN_MS - 1

        key = (lambda n: n) if self.keyed else None
        sweep = Sweep[str]("test", self.audit, clock, remaining_ms, key=key)
        executor = Executor(
            audit=self.audit,
            mode=Mode.DRY_RUN,
            trigger=TRIGGER,
            clock=clock,
            ttl_days=1,
            units={},
            summary=RunSummary("test", Mode.DRY_RUN),
        )
        return sweep.run(TRIGGER, executor, self.listing.page, self.handle).finished

    def handle(self, name: str, executor: Executor) -> Outcome | None:
        self.handled.append(name)
        return None

    @property
    def checkpoint(self) -> dict[str, object]:
        return self.audit.checkpoints[("test", "run-1")]


NAMES = ["a", "b", "c", "d", "e", "f", "g", "h"]


def deleting(listing: Listing, *names: str) -> Callable[[], None]:
    def delete() -> None:
        for name in names:
            listing.names.remove(name)

    return delete


def test_an_unkeyed_sweep_keeps_its_checkpoint_of_token_and_offset() -> None:
    run = Run(Listing(NAMES), keyed=False)
    assert not run.invoke(budget=6)  # a b c, then d e of the second page
    assert run.checkpoint == {"token": "3", "offset": 2, "done": False}
    assert run.invoke(budget=100)
    assert run.handled == NAMES


def test_a_keyed_sweep_saves_the_last_key_handled_and_resumes_after_it_though_items_before_were_deleted() -> None:
    listing = Listing(NAMES)
    run = Run(listing, keyed=True)
    assert not run.invoke(budget=6, on_pause=deleting(listing, "d"))  # handled: d, deleted since
    assert run.checkpoint == {"token": "3", "offset": 2, "after": "e", "done": False}
    assert run.invoke(budget=100)
    # The page read again is e f g: an offset of 2 would pass over f.
    assert run.handled == NAMES


def test_a_keyed_sweep_whose_last_item_handled_is_gone_resumes_at_the_first_key_after_it() -> None:
    listing = Listing(NAMES)
    run = Run(listing, keyed=True)
    assert not run.invoke(budget=6, on_pause=deleting(listing, "d", "e"))
    assert run.invoke(budget=100)
    assert run.handled == NAMES


def test_a_keyed_sweep_whose_page_holds_nothing_new_goes_on_to_the_next_page() -> None:
    # Endpoints created meanwhile sort before the position: the page read again is b c d, all handled.
    listing = Listing(NAMES)
    run = Run(listing, keyed=True)

    def created() -> None:
        listing.names = sorted([*listing.names, "a1", "a2"])

    assert not run.invoke(budget=6, on_pause=created)
    assert run.invoke(budget=100)
    assert run.handled == NAMES, "each once; those created before the position are for the next run"
    assert listing.reads == [None, "3", "3", "6", "9"]  # b c d handled already: on to e f g


def test_a_keyed_sweep_whose_token_is_refused_lists_again_from_the_start_passing_over_what_it_handled() -> None:
    listing = Listing(NAMES)
    run = Run(listing, keyed=True)
    assert not run.invoke(budget=6, on_pause=lambda: listing.refuse.add("3"))
    assert run.invoke(budget=100)
    assert run.handled == NAMES
    assert listing.reads == [None, "3", "3", None, "3", "6"], "refused: the first page again, passed over"


def test_a_token_refused_twice_or_an_unkeyed_sweeps_listing_failure_fails_the_invocation() -> None:
    listing = Listing(NAMES, refuse={None, "3"})
    with pytest.raises(AwsError):
        Run(listing, keyed=False).invoke(budget=100)
    listing = Listing(NAMES)
    run = Run(listing, keyed=True)
    assert not run.invoke(budget=6, on_pause=lambda: listing.refuse.update({"3", None}))
    with pytest.raises(AwsError):
        run.invoke(budget=100)
