"""Puts of many items in few DynamoDB calls: TransactWriteItems, within its limits.

Why transactions, for the outcomes too (where BatchWriteItem would do): a transaction takes 100 puts,
BatchWriteItem 25, so the outcomes of a batch cost a quarter of the calls; a transaction is all or
nothing, where BatchWriteItem may leave some items unprocessed, to be retried. The cost is twice the write
units of a plain put (DynamoDB developer guide, "Capacity management for transactions"); the audit
table is on demand, and an audit record is about 1 KB.

Limits (DynamoDB API reference, TransactWriteItems; developer guide, "Service quotas"): at most 100
actions, no two on the same item, 4 MB in all, and each item at most 400 KB. An item over 400 KB is
never sent (it could not be stored); the rest are split into transactions by count and by size.

A conditional put whose condition fails cancels the whole transaction: DynamoDB answers
``TransactionCanceledException`` with one ``CancellationReasons`` entry per action, in order, ``Code``
``ConditionalCheckFailed`` for a failed condition and ``None`` for an action that would have succeeded.
Those items are taken out and the rest sent again. Any other reason (``TransactionConflict``,
``ThrottlingError``, ``ValidationError``, ...), or another error, leaves the transaction's items unwritten.
botocore fills in ``ClientRequestToken`` (the model marks it an idempotency token) and sends the same
token on its own retries, so a retry after a lost answer is not applied twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ecoguard.errors import translate
from ecoguard.grouping import in_groups

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MAX_ITEMS = 100
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024
MAX_ITEM_BYTES = 400 * 1024


@dataclass(frozen=True)
class Condition:
    expression: str
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Unwritten:
    """An item not written, and why."""

    reason: str


CONDITION_FAILED = Unwritten("its condition failed")

type Put = Unwritten | None  # None: written


def item_size(item: Mapping[str, Any]) -> int:
    """An upper bound of the item's DynamoDB size: attribute names plus values, in UTF-8 bytes (a number is
    counted as its digits, never fewer bytes than DynamoDB counts)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        for kind, raw in value.items():
            size += len(raw.encode()) if kind in ("S", "N") else len(str(raw).encode())
    return size


def transactions(sizes: Sequence[int]) -> Iterator[list[int]]:
    """The indices of items of these sizes, in order, grouped into transactions within the limits (items
    over ``MAX_ITEM_BYTES`` left out)."""
    fitting = ((index, size) for index, size in enumerate(sizes) if size <= MAX_ITEM_BYTES)
    return in_groups(fitting, MAX_ITEMS, MAX_TRANSACTION_BYTES)


class TransactionWriter:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def put_all(self, items: Sequence[Mapping[str, Any]], condition: Condition | None) -> list[Put]:
        """Put every item (each only if ``condition`` holds for it); for each, None once written, else why
        not (``CONDITION_FAILED``: its condition failed, the others were written). A key repeated in
        ``items`` is written once, by its first item; with a condition the others are ``CONDITION_FAILED``."""
        results: list[Put] = [None] * len(items)
        sizes = [item_size(item) for item in items]
        seen: set[tuple[str, str]] = set()
        unique: list[int] = []
        for index, item in enumerate(items):
            key = (item["pk"]["S"], item["sk"]["S"])
            if sizes[index] > MAX_ITEM_BYTES:
                results[index] = Unwritten(f"the record is {sizes[index]} bytes, over DynamoDB's 400 KB an item")
            elif key in seen:
                results[index] = CONDITION_FAILED if condition is not None else None
            else:
                seen.add(key)
                unique.append(index)
        for group in transactions([sizes[i] for i in unique]):
            for index, result in self._transact([unique[i] for i in group], items, condition).items():
                results[index] = result
        return results

    def _transact(
        self, indices: list[int], items: Sequence[Mapping[str, Any]], condition: Condition | None
    ) -> dict[int, Put]:
        results: dict[int, Put] = {}
        while indices:
            try:
                self._db.transact_write_items(TransactItems=[self._put(items[i], condition) for i in indices])
            except ClientError as exc:
                failed = _condition_failures(exc, len(indices))
                if failed is None or not failed:
                    reason = str(translate(exc))
                    return results | {i: Unwritten(reason) for i in indices}
                results |= {indices[k]: CONDITION_FAILED for k in failed}
                indices = [i for k, i in enumerate(indices) if k not in failed]
                continue
            return results | dict.fromkeys(indices)
        return results

    def _put(self, item: Mapping[str, Any], condition: Condition | None) -> Any:
        put: dict[str, Any] = {"TableName": self._table, "Item": dict(item)}
        if condition is not None:
            put["ConditionExpression"] = condition.expression
            put["ExpressionAttributeValues"] = dict(condition.values)
        return {"Put": put}


def _condition_failures(exc: ClientError, count: int) -> set[int] | None:
    """The positions whose condition failed, when that is the transaction's only reason to be cancelled;
    None when it was cancelled (or failed) for any other reason."""
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    reasons: list[Any] = list(exc.response.get("CancellationReasons", []))
    if len(reasons) != count:
        return None
    codes = [str(reason.get("Code") or "None") for reason in reasons]
    if any(code not in ("None", "ConditionalCheckFailed") for code in codes):
        return None
    return {k for k, code in enumerate(codes) if code == "ConditionalCheckFailed"}
