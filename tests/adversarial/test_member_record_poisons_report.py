"""Attack 6: one record from any member account breaks the organization's report (``"usd": {}`` raised for
the whole organization) or poisons its headline (``NaN``).

Control: ``ecoguard.report.record_check.record_problem``, applied at ingest (``central_item`` refuses the event)
and again by the report (``central.checked_latest_states``: a bad item already stored is counted and skipped).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.conftest import REGION, load_event
from tools.simulator.invoke import reset_caches
from tools.simulator.organization import (
    Central,
    CrossAccountBusShim,
    Organization,
    as_account,
    invoke_central,
    provision_central,
)

CENTRAL_ACCOUNT = "999988887777"
MEMBER = "123456789012"
ORG = Organization("o-a1b2c3d4e5", frozenset({MEMBER, CENTRAL_ACCOUNT}))
WEEKLY = "central_report/weekly-report.json"


@pytest.fixture
def central(aws: None) -> Iterator[Central]:
    with CrossAccountBusShim(ORG):
        reset_caches()
        yield provision_central(ORG, account=CENTRAL_ACCOUNT, region=REGION)


def audit_event(impact: str, name: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("central_ingest/audit-record.json"))
    item = event["detail"]["item"]
    item["impact"] = {"S": impact}
    event["id"] = f"evt-{name}"
    return event


def store_directly(central: Central, event: dict[str, Any], pk_suffix: str) -> None:
    """An item already in the central table (stored before ingest checked records, or by any other writer)."""
    item = dict(event["detail"]["item"])
    item.update(
        pk={"S": f"{MEMBER}#{REGION}#{pk_suffix}"},
        sk={"S": item["outcome"]["S"]},
        account={"S": MEMBER},
        region={"S": REGION},
        resource_arn={"S": f"{item['pk']['S']}-{pk_suffix}"},
        record_sk=item["sk"],
        sequence_number={"N": "1"},
        event_id={"S": event["id"]},
    )
    with as_account(central.account):
        boto3.client("dynamodb", region_name=REGION).put_item(TableName=central.table, Item=item)


GOOD = json.dumps({"kwh": 2.0, "kg_co2e": 1.0, "usd": 3.0, "period": "per day"})
EMPTY_USD = json.dumps({"kwh": 2.0, "kg_co2e": 1.0, "usd": {}, "period": "per day"})
NAN = '{"kwh": NaN, "kg_co2e": NaN, "usd": NaN, "period": "per day"}'


@pytest.mark.parametrize("impact", [EMPTY_USD, NAN], ids=["usd-empty-object", "nan"])
def test_given_a_member_sends_a_poisoned_record_then_ingest_refuses_it(central: Central, impact: str) -> None:
    response = invoke_central(central, "CentralIngestFunction", audit_event(impact, "poison"))
    assert response["rejected"] is True and "impact." in response["reason"]
    with as_account(central.account):
        assert boto3.client("dynamodb", region_name=REGION).scan(TableName=central.table)["Items"] == []


def test_given_poisoned_items_in_the_central_table_then_the_report_counts_and_skips_them(central: Central) -> None:
    store_directly(central, audit_event(GOOD, "good"), "good0000000000000")
    store_directly(central, audit_event(EMPTY_USD, "empty"), "empty000000000000")
    store_directly(central, audit_event(NAN, "nan"), "nan00000000000000")
    report = invoke_central(central, "CentralReportFunction", load_event(WEEKLY))
    assert report.get("rejected") == 2 and report["records"] == 1
    figures = [v for v in report["headline"].values() if isinstance(v, float)]
    assert figures and all(math.isfinite(v) for v in figures)
