"""Items grouped, in order, into calls that AWS bounds both by count and by size (a TransactWriteItems, a
PutEvents)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def in_groups(sized: Iterable[tuple[int, int]], max_items: int, max_bytes: int) -> Iterator[list[int]]:
    """The indices of ``(index, size)`` pairs, in order, in groups of at most ``max_items`` and ``max_bytes``
    (a group is closed as soon as the next item would break either bound)."""
    group: list[int] = []
    total = 0
    for index, size in sized:
        if group and (len(group) == max_items or total + size > max_bytes):
            yield group
            group, total = [], 0
        group.append(index)
        total += size
    if group:
        yield group
