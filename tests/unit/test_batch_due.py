"""When a sweep's batch is due for its reads' age (``Batch.due``): once a read made fresh grows half of
``confirm.FRESH_FOR`` old, so the batch's changes are made while its reads stand; a read already that old when its
plan was queued (read far ahead while the batch before was carried out) does not hurry the batch, which would make
each such plan a batch of its own (it is read again before its change once over ``FRESH_FOR``)."""

from __future__ import annotations

from ecoguard.batch import Batch, Queued
from ecoguard.confirm import FRESH_FOR
from ecoguard.decisions import Plan

HALF = FRESH_FOR.total_seconds() / 2


def queued(number: int, read_at: float, queued_at: float) -> Queued[None]:
    return Queued(number, Plan(), [], read_at=read_at, queued_at=queued_at)


def test_given_a_fresh_read_when_it_grows_half_fresh_for_old_then_its_batch_is_due() -> None:
    batch = Batch(queued=[queued(0, read_at=10.0, queued_at=10.1)])
    assert not batch.due(lambda: 10.0 + HALF - 0.1)
    assert batch.due(lambda: 10.0 + HALF + 0.1)


def test_given_a_read_half_fresh_for_old_when_queued_then_it_does_not_make_its_batch_due() -> None:
    old = queued(0, read_at=0.0, queued_at=HALF + 0.5)
    batch = Batch(queued=[old])
    assert not batch.due(lambda: HALF + 0.6), "alone, an old read leaves the batch open"
    batch.queued.append(queued(1, read_at=HALF + 0.5, queued_at=HALF + 0.6))
    assert not batch.due(lambda: 2 * HALF + 0.4), "the fresh read is not half FRESH_FOR old yet"
    assert batch.due(lambda: 2 * HALF + 0.6), "the fresh read, grown half FRESH_FOR old, makes it due"
