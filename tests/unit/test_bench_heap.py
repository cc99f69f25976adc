"""The quota model keeps the seeded account out of the sweep's collections (``tools/bench/heap.py``): the objects
alive on entry are frozen, those made after are collected as ever, and leaving gives every object back."""

from __future__ import annotations

import gc

from tools.bench import heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only a collection frees it


def test_given_the_heap_frozen_then_what_was_alive_is_kept_out_and_what_is_made_after_is_collected() -> None:
    gc.disable()  # only the collections the test makes
    try:
        seeded = [Node() for _ in range(1000)]
        with heap.frozen() as count:
            assert count >= len(seeded) and gc.get_freeze_count() >= len(seeded)
            for _ in range(1000):
                Node()  # garbage made while frozen
            assert gc.collect() >= 1000, "the sweep's own garbage is still collected"
            del seeded
            assert gc.collect() < 1000, "what was alive on entry is not walked, so not freed"
        assert gc.get_freeze_count() == 0
        assert gc.collect() >= 1000, "what was frozen is collected again once thawed"
    finally:
        gc.enable()
