"""What an audit transaction (TransactWriteItems) puts, read from its request parameters."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def pending_puts(params: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The items a TransactWriteItems request puts with the outcome ``pending``: records stored before a change."""
    for action in params.get("TransactItems", []):
        item = action.get("Put", {}).get("Item", {})
        if item.get("outcome", {}).get("S") == "pending":
            yield item
