"""Attack 1e: forging records quietly. A refused record stops the restore, but nobody would know an attacker is
trying until someone reads the audit table.

Control: each refusal in a function (RestoreFunction, the settle: ``ecoguard.refusals.refused_by``) publishes
one ``RecordsRefused`` datapoint (embedded metric format, namespace ``ecoguard``), and ``RecordsRefusedAlarm``
(template.yaml) sums it over every function and notifies the topic on the first one.
"""

from __future__ import annotations

import json

import pytest

from ecoguard.refusals import NAMESPACE, REFUSED_METRIC
from tests.adversarial.test_forged_audit_records import FN, applied_record, table
from tests.builders.template import RESOURCES, TEMPLATE
from tests.conftest import Stack


def refusals_published(out: str) -> list[dict[str, object]]:
    """The EMF blobs of RecordsRefused in a function's output (CloudWatch embedded metric format specification)."""
    blobs = []
    for line in out.splitlines():
        if REFUSED_METRIC not in line or not line.startswith("{"):
            continue
        blob = json.loads(line)
        [directive] = blob["_aws"]["CloudWatchMetrics"]
        if directive["Namespace"] == NAMESPACE and any(m["Name"] == REFUSED_METRIC for m in directive["Metrics"]):
            blobs.append(blob)
    return blobs


def test_given_an_altered_record_when_the_restore_refuses_it_then_one_refusal_is_published(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    record = applied_record(stack)
    db, name = table(stack)
    item = db.get_item(TableName=name, Key={"pk": {"S": record.pk}, "sk": {"S": record.sk}})["Item"]
    item["before"] = {"S": json.dumps({"retentionInDays": 1})}
    db.put_item(TableName=name, Item=item)
    capsys.readouterr()
    [done] = stack.invoke(FN, {"action_id": record.action_id, "apply": True})
    assert done["outcome"] == "failed"
    [blob] = refusals_published(capsys.readouterr().out)
    assert blob[REFUSED_METRIC] == [1.0] or blob[REFUSED_METRIC] == 1.0
    assert blob["guardrail"] == "log-retention"


def test_given_a_genuine_record_then_no_refusal_is_published(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    record = applied_record(stack)
    capsys.readouterr()
    stack.invoke(FN, {"action_id": record.action_id, "apply": True})
    assert refusals_published(capsys.readouterr().out) == []


def test_the_refusals_alarm_fires_on_the_first_refusal_of_any_function_and_notifies() -> None:
    alarm = RESOURCES["RecordsRefusedAlarm"]["Properties"]
    [query] = alarm["Metrics"]
    assert query["Expression"] == f"SELECT SUM({REFUSED_METRIC}) FROM {NAMESPACE}"
    assert TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"] == NAMESPACE
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [{"Ref": "NotificationTopic"}]
