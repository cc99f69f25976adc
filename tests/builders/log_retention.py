"""LogRetentionFunction in the simulated account: a CreateLogGroup event, and the logs client."""

from __future__ import annotations

import copy
from typing import Any

import boto3

from tests.conftest import REGION, load_event

CREATED = "log_retention/cloudtrail-createloggroup.json"


def created_event(name: str, event_id: str = "efb309eb-0000-0000-0000-000000000001") -> dict[str, Any]:
    event = copy.deepcopy(load_event(CREATED))
    event["id"] = event_id
    event["detail"]["requestParameters"]["logGroupName"] = name
    return event


def logs() -> Any:
    return boto3.client("logs", region_name=REGION)
