"""Small pieces of guardrail state (grace marks, breach counters, cooldowns) kept in the audit
table under ``pk = state#<guardrail>``, ``sk = <mode>/<key>``, with optimistic concurrency.

Each mode has its own state: a dry-run rehearsal never counts toward enforce's grace periods, nor puts
an enforce deployment into cooldown.

``put`` succeeds only if the item's version is still the one read, so two invocations racing on
the same key cannot both win: the loser gets ``StateConflict`` and must re-read and re-decide.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ecoguard.audit import AuditUnavailable
from ecoguard.decisions import Mode
from ecoguard.errors import translate

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


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
        if not item:
            return StateItem({}, 0)
        return StateItem(json.loads(item["value"]["S"]), int(item["version"]["N"]))

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
