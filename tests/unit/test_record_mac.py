"""ecoguard.record_mac: what is signed, and KMS's answers (botocore Stubber with the KMS API reference's shapes)."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.errors import AwsError
from ecoguard.record_mac import MAC_ALGORITHM, UNSIGNED, KmsRecordMac, message, refusal, sign

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
RECORD = AuditRecord(
    guardrail="log-retention",
    resource=Resource("arn:aws:logs:us-east-1:123456789012:log-group:/g", "/g", "AWS::Logs::LogGroup"),
    action="put-retention",
    trigger_id="t",
    trigger="test",
    outcome=Outcome.APPLIED,
    mode=Mode.ENFORCE,
    reason="r",
    before={"retentionInDays": None},
    after={"retentionInDays": 30},
    recorded_at=datetime(2026, 11, 26, tzinfo=UTC),
    ttl_days=30,
)


@pytest.mark.parametrize(
    "change",
    [
        {"before": {"retentionInDays": 1}},
        {"after": {"retentionInDays": 1}},
        {"outcome": Outcome.PENDING},
        {"action": "delete-endpoint"},
        {"guardrail": "idle-endpoint"},
        {"trigger_id": "other"},
        {"recorded_at": datetime(2026, 11, 27, tzinfo=UTC)},
    ],
    ids=lambda c: next(iter(c)),
)
def test_given_any_field_the_restore_or_the_settle_acts_on_changed_then_the_message_changes(change: dict) -> None:  # type: ignore[type-arg]
    assert message(replace(RECORD, **change)) != message(RECORD)


def test_given_a_field_nothing_acts_on_changed_then_the_message_stays() -> None:
    assert message(replace(RECORD, reason="another reason", impact={"usd": 1.0})) == message(RECORD)


def stubbed() -> tuple[KmsRecordMac, Stubber]:
    kms = boto3.client("kms", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return KmsRecordMac(kms, KEY), Stubber(kms)


def test_given_kms_answers_invalid_mac_then_the_record_is_refused() -> None:
    mac, stub = stubbed()
    record = replace(RECORD, mac=base64.b64encode(b"\x01" * 32).decode())
    # VerifyMac: "KMSInvalidMacException: The request was rejected because the HMAC verification failed."
    stub.add_client_error("verify_mac", "KMSInvalidMacException", "HMAC verification failed", 400)
    with stub:
        assert refusal(record, mac) == "the record's MAC does not verify: the record was altered or forged"


def test_given_kms_verifies_then_the_record_is_not_refused() -> None:
    mac, stub = stubbed()
    record = replace(RECORD, mac=base64.b64encode(b"\x01" * 32).decode())
    expected = {"KeyId": KEY, "Message": message(RECORD), "MacAlgorithm": MAC_ALGORITHM, "Mac": b"\x01" * 32}
    stub.add_response("verify_mac", {"KeyId": KEY, "MacValid": True, "MacAlgorithm": MAC_ALGORITHM}, expected)
    with stub:
        assert refusal(record, mac) is None


def test_given_kms_is_unavailable_when_signing_then_an_aws_error_is_raised() -> None:
    mac, stub = stubbed()
    stub.add_client_error("generate_mac", "KMSInternalException", "internal", 500)
    with stub, pytest.raises(AwsError):
        sign(RECORD, mac)


def test_given_no_mac_or_a_mac_that_is_not_base64_then_the_record_is_refused_without_calling_kms() -> None:
    mac, stub = stubbed()
    with stub:
        assert refusal(RECORD, mac) == UNSIGNED and "docs/MIGRATION.md" in UNSIGNED
        assert refusal(replace(RECORD, mac="***"), mac) == "the record's MAC is not base64: altered"


def test_given_an_outcome_nothing_acts_on_then_it_is_not_refused() -> None:
    mac, stub = stubbed()
    with stub:
        assert refusal(replace(RECORD, outcome=Outcome.WOULD_APPLY, mode=Mode.DRY_RUN), mac) is None
