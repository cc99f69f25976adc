"""Organization scale in the simulator: members forward audit records to the central bus, the central
account ingests them once each and reports across accounts and regions.

Shims (tools/simulator/organization.py::CrossAccountBusShim): moto_bus_lookup_in_caller_account,
moto_event_account_is_the_bus_account; ``partial_put_events_failure`` below.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError

from ecoguard.adapters.clients import client
from ecoguard.central import latest_states
from ecoguard.forwarding import AUDIT_SOURCE, PUT_EVENTS_MAX_ENTRIES
from ecoguard.report import build_report
from ecoguard.settings import SettingsError
from tests.conftest import ACCOUNT, REGION, CallLog, Stack, event_files, load_event
from tests.least_privilege import allowed_actions, iam_action, mismatches
from tools.simulator.account import provision
from tools.simulator.invoke import API_CALLS, reset_caches
from tools.simulator.organization import (
    Central,
    CrossAccountBusShim,
    Organization,
    as_account,
    invoke_central,
    provision_central,
    stream_batches,
)
from tools.simulator.seed import seed_log_groups
from tools.simulator.template import functions, load_template

FN = "AuditForwarderFunction"
CENTRAL_ACCOUNT = "999988887777"
OUTSIDER = "444455556666"
CENTRAL_FUNCTIONS = ("CentralIngestFunction", "CentralReportFunction")
ORG = Organization("o-a1b2c3d4e5", frozenset({ACCOUNT, CENTRAL_ACCOUNT}))


@pytest.fixture
def shim(aws: None) -> Iterator[CrossAccountBusShim]:
    with CrossAccountBusShim(ORG) as installed:
        reset_caches()  # clients created from here on carry the shim
        yield installed


@pytest.fixture
def central(shim: CrossAccountBusShim) -> Central:
    return provision_central(ORG, account=CENTRAL_ACCOUNT, region=REGION)


@pytest.fixture
def member(central: Central) -> Stack:
    template = load_template()
    return Stack(provision(template, parameters={"CentralBusArn": central.bus_arn}), template)


@pytest.fixture
def lone_member(aws: None) -> Stack:
    """A member whose PutEvents calls the test answers itself (no cross-account shim in front)."""
    template = load_template()
    bus = f"arn:aws:events:{REGION}:{CENTRAL_ACCOUNT}:event-bus/ecoguard-org-central"
    return Stack(provision(template, parameters={"CentralBusArn": bus}), template)


def record_put_events() -> CallLog:
    log = CallLog()
    client("events", REGION).meta.events.register(
        "provide-client-params.events.PutEvents", lambda params, model, **kw: log(model, params)
    )
    return log


def forward_all(member: Stack) -> list[dict[str, Any]]:
    table = member.resolver.refs["AuditTable"]
    return [member.invoke(FN, batch)[0] for batch in stream_batches(table, REGION)]


def ingest_all(shim: CrossAccountBusShim, central: Central) -> list[dict[str, Any]]:
    return [invoke_central(central, "CentralIngestFunction", e) for e in shim.deliveries(central)]


def central_items(central: Central) -> list[dict[str, Any]]:
    with as_account(central.account):
        return boto3.client("dynamodb", region_name=REGION).scan(TableName=central.table)["Items"]


def test_given_a_member_stack_with_a_central_bus_then_its_audit_table_has_a_new_image_stream(member: Stack) -> None:
    description = boto3.client("dynamodb", region_name=REGION).describe_table(
        TableName=member.resolver.refs["AuditTable"]
    )["Table"]
    assert description["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}


def test_given_a_standalone_stack_then_its_audit_table_has_no_stream(stack: Stack) -> None:
    description = boto3.client("dynamodb", region_name=REGION).describe_table(
        TableName=stack.resolver.refs["AuditTable"]
    )["Table"]
    assert "StreamSpecification" not in description


def test_given_an_enforced_sweep_when_its_records_are_forwarded_then_the_central_report_equals_the_members(
    shim: CrossAccountBusShim, central: Central, member: Stack
) -> None:
    seed_log_groups()
    member.invoke(
        "LogRetentionFunction", load_event("log_retention/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"}
    )
    own = build_report(member.records(), member.records()[0].recorded_at)
    calls = record_put_events()

    responses = forward_all(member)
    stored = ingest_all(shim, central)

    assert all(r == {"batchItemFailures": []} for r in responses)
    # pending, then applied: every state reaches the centre, the report counts each action once
    assert len(stored) == len(central_items(central)) >= own.records
    sizes = [len(p["Entries"]) for _, p in calls.params]
    assert max(sizes) <= PUT_EVENTS_MAX_ENTRIES and sum(sizes) == len(stored)
    assert all(
        e["Source"] == AUDIT_SOURCE and e["EventBusName"] == central.bus_arn
        for _, p in calls.params
        for e in p["Entries"]
    )
    [report] = [invoke_central(central, "CentralReportFunction", load_event("central_report/weekly-report.json"))]
    assert report["records"] == own.records and report["accounts"] == [ACCOUNT]
    with as_account(central.account):
        body = boto3.client("s3", region_name=REGION).get_object(Bucket=central.bucket, Key="reports/latest.json")[
            "Body"
        ]
        data = json.loads(body.read())
    assert data["by_account"][ACCOUNT]["records"] == own.records
    assert data["by_region"][REGION]["outcomes"] == dict(own.guardrails["log-retention"].outcomes)


def test_given_25_records_in_one_batch_then_they_go_in_three_put_events_calls_of_at_most_ten(
    shim: CrossAccountBusShim, central: Central, member: Stack
) -> None:
    seed_log_groups()
    member.invoke("LogRetentionFunction", load_event("log_retention/scheduled-sweep.json"))
    [batch] = list(stream_batches(member.resolver.refs["AuditTable"], REGION, batch_size=1000))
    batch["Records"] = batch["Records"][:25]
    calls = record_put_events()

    [response] = member.invoke(FN, batch)

    assert response == {"batchItemFailures": []}
    assert [len(p["Entries"]) for _, p in calls.params] == [10, 10, 5]
    assert len(shim.deliveries(central)) == 25


@pytest.mark.parametrize(
    "path", sorted(p for p in event_files() if p.parent.name == "audit_forwarder"), ids=lambda p: p.name
)
def test_given_each_sample_stream_batch_then_each_record_reaches_the_central_table_once(
    path: Path, shim: CrossAccountBusShim, central: Central, member: Stack
) -> None:
    batch = json.loads(path.read_text())
    [response] = member.invoke(FN, batch)
    stored = ingest_all(shim, central)
    assert response == {"batchItemFailures": []}
    assert [s["stored"] for s in stored] == [True] * len(batch["Records"])
    [item] = central_items(central)
    assert item["account"]["S"] == ACCOUNT and item["resource_arn"] == batch["Records"][0]["dynamodb"]["NewImage"]["pk"]


def test_given_the_same_audit_event_delivered_twice_then_it_is_stored_and_counted_once(
    shim: CrossAccountBusShim, central: Central, member: Stack
) -> None:
    event = load_event("central_ingest/audit-record.json")
    first = invoke_central(central, "CentralIngestFunction", event)
    second = invoke_central(central, "CentralIngestFunction", event)
    redelivered = invoke_central(central, "CentralIngestFunction", {**event, "id": "another-delivery-id"})
    assert (first["stored"], second["stored"], redelivered["stored"]) == (True, False, False)
    assert len(central_items(central)) == 1
    assert [r.record.action_id for r in latest_states(central_items(central))] == [event["detail"]["action_id"]]


def test_given_an_audit_event_claiming_another_account_then_it_is_refused_and_nothing_is_stored(
    central: Central,
) -> None:
    event = load_event("central_ingest/audit-record.json")
    event["account"] = OUTSIDER
    response = invoke_central(central, "CentralIngestFunction", event)
    assert response["rejected"] is True and "detail.account" in response["reason"]
    assert central_items(central) == []


def test_given_a_malformed_audit_item_then_it_is_rejected_naming_the_field_and_nothing_is_stored(
    central: Central,
) -> None:
    event = load_event("central_ingest/audit-record.json")
    del event["detail"]["item"]["guardrail"]
    response = invoke_central(central, "CentralIngestFunction", event)
    assert response["rejected"] is True and "detail.item.guardrail" in response["reason"]
    assert central_items(central) == []


def test_given_a_sender_outside_the_organization_then_put_events_is_denied_and_every_record_reported_failed(
    shim: CrossAccountBusShim, central: Central
) -> None:
    with as_account(OUTSIDER):
        template = load_template()
        outsider = Stack(provision(template, account=OUTSIDER, parameters={"CentralBusArn": central.bus_arn}), template)
        batch = load_event("audit_forwarder/dynamodb-stream-insert.json")
        [response] = outsider.invoke(FN, batch)
    assert response == {"batchItemFailures": [{"itemIdentifier": batch["Records"][0]["dynamodb"]["SequenceNumber"]}]}
    assert shim.denied == [OUTSIDER] and shim.deliveries(central) == []


def partial_put_events_failure(failed_positions: set[int]) -> list[int]:
    """Shim: moto never rejects a single entry; EventBridge may (ThrottlingException, InternalFailure per
    entry, FailedEntryCount > 0). Answers PutEvents with those positions failed, the rest accepted."""
    sizes: list[int] = []

    def answer(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        entries = json.loads(params["body"])["Entries"]
        sizes.append(len(entries))
        results = [
            {"ErrorCode": "InternalFailure", "ErrorMessage": "injected"}
            if i in failed_positions
            else {"EventId": f"e{i}"}
            for i in range(len(entries))
        ]
        return AWSResponse("", 200, HTTPHeaders(), None), {
            "FailedEntryCount": len(failed_positions),
            "Entries": results,
        }

    client("events", REGION).meta.events.register("before-call.events.PutEvents", answer)
    return sizes


def test_given_eventbridge_rejects_one_entry_then_only_that_record_is_reported_for_retry(lone_member: Stack) -> None:
    seed_log_groups()
    lone_member.invoke("LogRetentionFunction", load_event("log_retention/scheduled-sweep.json"))
    [batch] = list(stream_batches(lone_member.resolver.refs["AuditTable"], REGION, batch_size=1000))
    batch["Records"] = batch["Records"][:12]
    sizes = partial_put_events_failure({3})

    [response] = lone_member.invoke(FN, batch)

    assert sizes == [10, 2]  # the first call's rejection does not stop the next one
    assert response["batchItemFailures"] == [{"itemIdentifier": batch["Records"][3]["dynamodb"]["SequenceNumber"]}]


def put_events_throttled() -> None:
    """Raise ThrottlingException from PutEvents, as after the SDK's retries (cf. tests/conftest.py::fail_calls)."""

    def throttle(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected"}}, "PutEvents")

    client("events", REGION).meta.events.register("before-call.events.PutEvents", throttle)


def test_given_put_events_fails_outright_then_that_batch_and_the_rest_are_reported_and_no_more_calls_made(
    lone_member: Stack,
) -> None:
    seed_log_groups()
    lone_member.invoke("LogRetentionFunction", load_event("log_retention/scheduled-sweep.json"))
    [batch] = list(stream_batches(lone_member.resolver.refs["AuditTable"], REGION, batch_size=1000))
    batch["Records"] = batch["Records"][:15]
    calls = record_put_events()
    put_events_throttled()

    [response] = lone_member.invoke(FN, batch)

    assert len(calls.params) == 1
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [
        r["dynamodb"]["SequenceNumber"] for r in batch["Records"]
    ]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("Records"), "Records"),
        (lambda b: b["Records"][0].pop("eventSourceARN"), "Records[0].eventSourceARN"),
        (lambda b: b["Records"][0]["dynamodb"].pop("SequenceNumber"), "Records[0].dynamodb.SequenceNumber"),
        (lambda b: b["Records"][0]["dynamodb"]["NewImage"].pop("action_id"), "NewImage.action_id"),
        (lambda b: b["Records"][0].update(eventSource="aws:kinesis"), "eventSource"),
    ],
)
def test_given_a_malformed_stream_batch_then_it_is_rejected_naming_the_field_and_nothing_is_sent(
    mutate: Any, field: str, central: Central, member: Stack
) -> None:
    batch = load_event("audit_forwarder/dynamodb-stream-insert.json")
    mutate(batch)
    calls = record_put_events()
    [response] = member.invoke(FN, batch)
    assert response["rejected"] is True and field in response["reason"]
    assert calls.params == []


def test_given_no_central_bus_setting_then_the_forwarder_refuses_before_any_call(stack: Stack) -> None:
    with pytest.raises(SettingsError, match="ECOGUARD_CENTRAL_BUS_ARN"):
        stack.invoke(FN, load_event("audit_forwarder/dynamodb-stream-insert.json"))


def test_given_only_checkpoints_and_removals_then_nothing_is_sent(central: Central, member: Stack) -> None:
    batch = load_event("audit_forwarder/dynamodb-stream-insert.json")
    record = batch["Records"][0]
    checkpoint = json.loads(json.dumps(record))
    checkpoint["dynamodb"]["NewImage"] = {
        "pk": {"S": "checkpoint#log-retention"},
        "sk": {"S": "run"},
        "kind": {"S": "checkpoint"},
    }
    removal = {**json.loads(json.dumps(record)), "eventName": "REMOVE"}
    del removal["dynamodb"]["NewImage"]
    calls = record_put_events()
    [response] = member.invoke(FN, {"Records": [checkpoint, removal]})
    assert response == {"batchItemFailures": []} and calls.params == []


def test_the_central_report_rejects_events_that_are_not_its_schedule(central: Central) -> None:
    response = invoke_central(central, "CentralReportFunction", load_event("central_ingest/audit-record.json"))
    assert response["rejected"] is True and "does not handle" in response["reason"]


def test_given_a_dry_run_sweep_then_each_record_is_stored_centrally_once_in_its_only_state(
    shim: CrossAccountBusShim, central: Central, member: Stack
) -> None:
    seed_log_groups()
    member.invoke("LogRetentionFunction", load_event("log_retention/scheduled-sweep.json"))
    forward_all(member)
    forward_all(member)  # the stream read again from the start: at-least-once delivery
    stored = ingest_all(shim, central)
    records = member.records()
    assert len(stored) == 2 * len(records) and sum(s["stored"] for s in stored) == len(records)
    assert len(central_items(central)) == len(records)


def test_the_central_functions_use_exactly_the_permissions_management_yaml_grants(
    shim: CrossAccountBusShim, central: Central, member: Stack
) -> None:
    member.invoke(FN, load_event("audit_forwarder/dynamodb-stream-insert.json"))
    ingest_all(shim, central)
    invoke_central(central, "CentralReportFunction", load_event("central_report/weekly-report.json"))
    specs = functions(central.template)
    granted = {fn: allowed_actions(specs[fn].properties["Policies"][0]["Statement"]) for fn in CENTRAL_FUNCTIONS}
    used = {fn: {iam_action(service, op) for service, op in API_CALLS[fn]} for fn in CENTRAL_FUNCTIONS}
    assert mismatches(used, granted) == []
