"""moto_transactions_copy_the_table: moto's TransactWriteItems deep-copies every table it touches, once per
action, before writing (to roll back on a cancellation), so a transaction costs time in proportion to
100 x the table's size. DynamoDB's does not: a transaction of 100 puts costs about what 100 puts cost
(DynamoDB developer guide, "Managing complex workflows with DynamoDB transactions"). The audit table grows
with every sweep, so in the simulator batched audit writes would slow every sweep down more than unbatched
ones, a cost no real account has.

The shim checks every action's condition (and that no two actions name one item) first, without writing:
should one fail, the transaction is cancelled as moto would cancel it (``TransactionCanceledException``
with one reason per action, ``ConditionalCheckFailed`` or ``None``), and nothing was written, so nothing
needs rolling back. Otherwise moto carries it out with its rollback copy made shallow. Anything the check
does not cover (over 100 actions, an item named twice, an action without a table) goes to moto unchanged.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

from moto.dynamodb import models
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend


class _ShallowCopy:
    """Stands in for ``copy`` inside moto's DynamoDB models during a transaction already checked."""

    deepcopy = staticmethod(copy.copy)


def _key(backend: DynamoDBBackend, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    table = backend.get_table(op["TableName"])
    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = op["Item"][table.range_key_attr]
    return key


def _checked(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any]] | None:
    """One (code, message, item) per action, as moto reports them; None when moto should decide alone."""
    if len(transact_items) > 100:
        return None
    seen: set[tuple[str, str]] = set()
    reasons: list[tuple[Any, Any, Any]] = []
    for item in transact_items:
        if len(item) != 1:
            return None
        op_type, op = next(iter(item.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            return None
        if op.get("TableName") not in backend.tables:
            return None
        key = _key(backend, op_type, op)
        unique = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if unique in seen:
            return None
        seen.add(unique)
        expression = op.get("ConditionExpression")
        current = backend.get_item(op["TableName"], key)
        if expression is not None and not get_filter_expression(
            expression, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        ).expr(current):
            reasons.append(("ConditionalCheckFailed", "The conditional request failed", None))
        else:
            reasons.append((None, None, None))
    return reasons


@contextmanager
def transactions_without_table_copies() -> Iterator[None]:
    original = DynamoDBBackend.transact_write_items

    def transact(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        reasons = _checked(self, transact_items)
        if reasons is None:
            return original(self, transact_items)
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)
        with patch.object(models, "copy", _ShallowCopy):
            return original(self, transact_items)

    with patch.object(DynamoDBBackend, "transact_write_items", transact):
        yield
