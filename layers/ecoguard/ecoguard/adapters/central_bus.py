"""PutEvents to the organization's central event bus."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from ecoguard.errors import translate
from ecoguard.forwarding import PUT_EVENTS_MAX_BYTES, PUT_EVENTS_MAX_ENTRIES, entry_size

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef


class CentralBus:
    def __init__(self, events: EventBridgeClient) -> None:
        self._events = events

    def put(self, entries: Sequence[Mapping[str, Any]]) -> list[int]:
        """Send one PutEvents call; return the positions of the entries EventBridge rejected."""
        # PutEvents takes 1 to 10 entries, 256 KB in all (EventBridge API reference, PutEvents; sizes as in
        # "Calculating PutEvents event entry size"). The forwarder's batches keep within both: asserted here.
        assert 0 < len(entries) <= PUT_EVENTS_MAX_ENTRIES, f"{len(entries)} entries in one PutEvents call"
        assert sum(map(entry_size, entries)) <= PUT_EVENTS_MAX_BYTES, "PutEvents request over 256 KB"
        try:
            response = self._events.put_events(
                Entries=[cast("PutEventsRequestEntryTypeDef", entry) for entry in entries]
            )
        except ClientError as exc:
            raise translate(exc) from exc
        results = response.get("Entries", [])
        if len(results) != len(entries):
            # EventBridge answers one result per entry, in order; anything else cannot be trusted.
            return list(range(len(entries)))
        return [i for i, result in enumerate(results) if result.get("ErrorCode") or not result.get("EventId")]
