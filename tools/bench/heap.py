"""The simulated account's heap kept out of the sweep's garbage collections, in the quota model.

moto holds the whole seeded account in the sweep's own process: at full scale some 400,000 objects, which a
full collection (generation 2) walks in about 0.25 s, once or twice a sweep, on whichever thread allocates at
that moment. A Lambda function's process holds none of them (the account is AWS's), so those pauses are the
simulator's, not the sweep's. ``frozen()`` collects once, then moves every object alive after seeding into the
permanent generation (``gc.freeze``, Python's documented way to keep long-lived objects out of collections);
what the sweep itself allocates is collected as it would be.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen() -> Iterator[int]:
    """While open, the objects alive on entry are never collected or walked; how many they are."""
    gc.collect()
    gc.freeze()
    try:
        yield gc.get_freeze_count()
    finally:
        gc.unfreeze()
