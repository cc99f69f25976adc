"""Small pieces of guardrail state (grace marks, breach counters, cooldowns) kept in the audit
table under ``pk = state#<guardrail>``, ``sk = <mode>/<key>``, with optimistic concurrency.

Each mode has its own state: a dry-run rehearsal never counts toward enforce's grace periods, nor puts
an enforce deployment into cooldown.

``put`` succeeds only if the item's version is still the one read, so two invocations racing on
the same key cannot both win: the loser gets ``StateConflict`` and must re-read and re-decide.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ecoguard.audit import AuditUnavailable
from ecoguard.decisions import Mode
from ecoguard.errors import translate

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


# BatchGetItem reads at most 100 items a request (DynamoDB API reference, BatchGetItem); keys it leaves
# unprocessed are asked again, this many times in all, after 50 ms, 100 ms, 200 ms...
BATCH_GET_KEYS = 100
BATCH_GET_ATTEMPTS = 5
BATCH_GET_BACKOFF_S = 0.05


class StateConflict(Exception):
    """Someone else changed this state since it was read."""


@dataclass(frozen=True)
class StateItem:
    value: Mapping[str, Any]
    version: int  # 0 means the item does not exist yet


class StateStore:
    def __init__(self, dynamodb: DynamoDBClient, table: str, guardrail: str, mode: Mode) -> None:
        self._db = dynamodb
        self._table = table
        self._pk = f"state#{guardrail}"
        self._mode = mode

    def _sk(self, key: str) -> str:
        return f"{self._mode.value}/{key}"

    def get(self, key: str) -> StateItem:
        try:
            response = self._db.get_item(
                TableName=self._table, Key={"pk": {"S": self._pk}, "sk": {"S": self._sk(key)}}, ConsistentRead=True
            )
        except ClientError as exc:
            raise AuditUnavailable(str(translate(exc))) from exc
        item = response.get("Item")
        return _state_item(item) if item else StateItem({}, 0)

    def get_many(self, keys: Sequence[str]) -> dict[str, StateItem]:
        """``get`` of every key, in few calls: BatchGetItem, at most 100 keys a request, strongly consistent
        (``ConsistentRead``), its ``UnprocessedKeys`` asked again with exponential backoff, as the DynamoDB API
        reference (BatchGetItem) asks; keys still unprocessed after that raise ``AuditUnavailable``."""
        unique = list(dict.fromkeys(keys))
        found: dict[str, StateItem] = dict.fromkeys(unique, StateItem({}, 0))
        by_sk = {self._sk(key): key for key in unique}
        for start in range(0, len(unique), BATCH_GET_KEYS):
            wanted = [
                {"pk": {"S": self._pk}, "sk": {"S": self._sk(key)}} for key in unique[start : start + BATCH_GET_KEYS]
            ]
            for item in self._batch_get(wanted):
                found[by_sk[item["sk"]["S"]]] = _state_item(item)
        return found

    def _batch_get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {self._table: {"Keys": keys, "ConsistentRead": True}}
        for attempt in range(BATCH_GET_ATTEMPTS):
            if attempt:
                time.sleep(min(BATCH_GET_BACKOFF_S * 2 ** (attempt - 1), 1.0))
            try:
                response = self._db.batch_get_item(RequestItems=request)
            except ClientError as exc:
                raise AuditUnavailable(str(translate(exc))) from exc
            items += response.get("Responses", {}).get(self._table, [])
            unprocessed = response.get("UnprocessedKeys", {}).get(self._table)
            if not unprocessed or not unprocessed.get("Keys"):
                return items
            request = {self._table: unprocessed}
        raise AuditUnavailable(f"{len(request[self._table]['Keys'])} state items left unprocessed by BatchGetItem")

    def put(self, key: str, value: Mapping[str, Any], *, expected_version: int, expires_at: int) -> int:
        """Write ``value`` if the stored version is still ``expected_version``; return the new version."""
        new_version = expected_version + 1
        condition = "attribute_not_exists(pk)" if expected_version == 0 else "version = :expected"
        kwargs: dict[str, Any] = {}
        if expected_version:
            kwargs["ExpressionAttributeValues"] = {":expected": {"N": str(expected_version)}}
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": self._pk},
                    "sk": {"S": self._sk(key)},
                    "kind": {"S": "state"},
                    "value": {"S": json.dumps(dict(value), sort_keys=True, default=str)},
                    "version": {"N": str(new_version)},
                    "expires_at": {"N": str(expires_at)},
                },
                ConditionExpression=condition,
                **kwargs,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise StateConflict(f"{self._pk}/{self._sk(key)} changed since it was read") from exc
            raise AuditUnavailable(str(translate(exc))) from exc
        return new_version

    def delete(self, key: str, *, expected_version: int) -> None:
        try:
            self._db.delete_item(
                TableName=self._table,
                Key={"pk": {"S": self._pk}, "sk": {"S": self._sk(key)}},
                ConditionExpression="version = :expected",
                ExpressionAttributeValues={":expected": {"N": str(expected_version)}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise StateConflict(f"{self._pk}/{self._sk(key)} changed since it was read") from exc
            raise AuditUnavailable(str(translate(exc))) from exc


def _state_item(item: Mapping[str, Any]) -> StateItem:
    """A stored state item as read (GetItem or BatchGetItem)."""
    return StateItem(json.loads(item["value"]["S"]), int(item["version"]["N"]))


class PageItems:
    """The state items of a listed page's resources, read together (``StateStore.get_many``) when the page is
    listed; an item not among them is read alone, and a failed read is raised where each of the page's items
    is taken (as each item's own read would have raised it)."""

    def __init__(self, store: StateStore) -> None:
        self._store = store
        self._items: dict[str, StateItem] = {}
        self._error: AuditUnavailable | None = None

    def read(self, keys: Sequence[str]) -> None:
        try:
            self._items, self._error = self._store.get_many(keys), None
        except AuditUnavailable as exc:
            self._items, self._error = {}, exc

    def item(self, key: str) -> StateItem:
        if self._error is not None:
            raise self._error
        stored = self._items.get(key)
        return stored if stored is not None else self._store.get(key)
