"""One page of a listing, as adapters return it and sweeps walk it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Page[T]:
    items: Sequence[T]
    next_token: str | None


type Pager[T] = Callable[[str | None], Page[T]]
"""A listing: the page a token names (None: the first)."""
