"""The organization's central audit table (org/management.yaml): idempotent writes and a full scan."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ecoguard.errors import translate

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class CentralTable:
    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def put_once(self, item: Mapping[str, Any]) -> bool:
        """Write the item unless it is there already; False for a duplicate."""
        try:
            self._db.put_item(TableName=self._table, Item=dict(item), ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise translate(exc) from exc
        return True

    def items(self) -> Iterator[dict[str, Any]]:
        try:
            for page in self._db.get_paginator("scan").paginate(TableName=self._table):
                yield from page.get("Items", [])
        except ClientError as exc:
            raise translate(exc) from exc
