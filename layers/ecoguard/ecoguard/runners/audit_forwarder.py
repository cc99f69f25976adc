"""AuditForwarderFunction's work: a stream batch in, PutEvents calls out, the failures reported.

Lambda's ReportBatchItemFailures for a stream: the function names the sequence numbers that
failed, and Lambda retries the batch from the lowest of them. So once a call fails, the rest of
the batch is reported too and no further call is made (the central table's conditional writes
absorb the records sent again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ecoguard.errors import AwsError
from ecoguard.forwarding import StreamAuditRecord, batches, entry_of


class Bus(Protocol):
    def put(self, entries: Sequence[Mapping[str, Any]]) -> list[int]: ...


@dataclass
class ForwardResult:
    forwarded: int = 0
    failed: list[str] = field(default_factory=list)  # sequence numbers
    errors: list[str] = field(default_factory=list)

    def response(self) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": seq} for seq in self.failed]}


def forward(records: Sequence[StreamAuditRecord], bus: Bus, bus_arn: str) -> ForwardResult:
    result = ForwardResult()
    entries = [entry_of(record, bus_arn) for record in records]
    stopped = False
    for batch in batches(entries):
        if stopped:
            result.failed.extend(records[i].sequence_number for i in batch)
            continue
        try:
            rejected = bus.put([entries[i] for i in batch])
        except AwsError as exc:
            result.errors.append(str(exc))
            result.failed.extend(records[i].sequence_number for i in batch)
            stopped = True
            continue
        result.forwarded += len(batch) - len(rejected)
        result.failed.extend(records[batch[i]].sequence_number for i in rejected)
    return result
