"""Authenticated audit records: a KMS HMAC over every field the restore or the settle acts on.

Whoever can write the audit table could otherwise make RestoreFunction a confused deputy: the restore trusts a
record's ``before`` (what it puts back) and ``after`` (what it expects to find). Each record ecoguard writes in
enforce mode carries ``mac``: an HMAC (the stack's KMS key ``AuditRecordKey``, key spec HMAC_256, GenerateMac
with ``HMAC_SHA_256``) of ``message(record)``. The restore and the settle refuse a record whose MAC does not
verify (``refusal``).

``message`` is the SHA-256 of a canonical JSON of the fields below: GenerateMac takes a message of at most
4,096 bytes (KMS API reference, GenerateMac ``Message``), and a record's states can be larger. A dry-run record
is not signed: nothing restores or settles it, and a forged outcome on it fails as an unsigned record.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from ecoguard.decisions import Mode, Outcome
from ecoguard.errors import translate

if TYPE_CHECKING:
    from ecoguard.audit import AuditRecord

MAC_ALGORITHM = "HMAC_SHA_256"
# The outcomes the restore or the settle act on (a restore: applied, or an unrepeatable change left pending or
# failed; the settle: pending). A record with any other outcome is never acted on, so never refused.
ACTED_ON = frozenset({Outcome.APPLIED, Outcome.PENDING, Outcome.FAILED})
# Every field the restore or the settle reads to decide or to act (and the keys that name the record).
# A record without a MAC: forged, or written by a stack deployed before records were signed. Either way it is
# refused; the note names the way to restore such a record by hand.
UNSIGNED = (
    "the record carries no MAC: not written by ecoguard, altered, or written before this stack signed its records "
    "(see docs/MIGRATION.md, 'Unsigned audit records')"
)
SIGNED_FIELDS = (
    "pk", "sk", "guardrail", "resource_name", "resource_kind", "action", "trigger_id", "outcome", "mode",
    "before", "after", "recorded_at",
)  # fmt: skip


def canonical(record: AuditRecord) -> bytes:
    """The signed fields, as canonical JSON (sorted keys, no spaces)."""
    fields = {
        "pk": record.pk,
        "sk": record.sk,
        "guardrail": record.guardrail,
        "resource_name": record.resource.name,
        "resource_kind": record.resource.kind,
        "action": record.action,
        "trigger_id": record.trigger_id,
        "outcome": record.outcome.value,
        "mode": record.mode.value,
        "before": dict(record.before),
        "after": dict(record.after),
        "recorded_at": record.recorded_at.isoformat(),
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def message(record: AuditRecord) -> bytes:
    return hashlib.sha256(canonical(record)).digest()


def signed(record: AuditRecord) -> bool:
    """Whether ecoguard signs this record (enforce only)."""
    return record.mode is Mode.ENFORCE


class RecordMac(Protocol):
    """The MAC of a message, and its check (``KmsRecordMac`` on AWS)."""

    def generate(self, message: bytes) -> bytes: ...

    def verify(self, message: bytes, mac: bytes) -> bool: ...


class KmsRecordMac:
    """KMS GenerateMac / VerifyMac with the stack's HMAC key. ``matches`` recomputes the MAC (GenerateMac) and
    compares in constant time: the same check, for a function granted only GenerateMac."""

    def __init__(self, kms: Any, key_id: str) -> None:  # a boto3 KMS client (no mypy_boto3_kms stubs here)
        self._kms = kms
        self._key = key_id

    def generate(self, message: bytes) -> bytes:
        try:
            answer = self._kms.generate_mac(KeyId=self._key, Message=message, MacAlgorithm=MAC_ALGORITHM)
        except ClientError as exc:
            raise translate(exc) from exc
        mac = answer["Mac"]
        if not isinstance(mac, bytes):
            raise ValueError("GenerateMac answered no Mac")
        return mac

    def verify(self, message: bytes, mac: bytes) -> bool:
        try:
            answer = self._kms.verify_mac(KeyId=self._key, Message=message, MacAlgorithm=MAC_ALGORITHM, Mac=mac)
        except ClientError as exc:
            # "KMSInvalidMacException: The request was rejected because the HMAC verification failed"
            # (KMS API reference, VerifyMac): not an outage, a MAC that does not match.
            if exc.response.get("Error", {}).get("Code") == "KMSInvalidMacException":
                return False
            raise translate(exc) from exc
        return bool(answer.get("MacValid"))

    def matches(self, message: bytes, mac: bytes) -> bool:
        return hmac.compare_digest(self.generate(message), mac)


class Matching:
    """A ``RecordMac`` whose ``verify`` is ``KmsRecordMac.matches`` (GenerateMac only)."""

    def __init__(self, mac: KmsRecordMac) -> None:
        self._mac = mac

    def generate(self, message: bytes) -> bytes:
        return self._mac.generate(message)

    def verify(self, message: bytes, mac: bytes) -> bool:
        return self._mac.matches(message, mac)


def sign(record: AuditRecord, mac: RecordMac) -> str:
    """The record's MAC, base64."""
    return base64.b64encode(mac.generate(message(record))).decode()


def refusal(record: AuditRecord, mac: RecordMac | None) -> str | None:
    """Why ``record`` must not be acted on (None: it verifies, or the stack has no record key)."""
    if mac is None or record.outcome not in ACTED_ON:
        return None  # no record key; or an outcome nothing restores or settles (the restore says so)
    if record.mac is None:
        return UNSIGNED
    try:
        raw = base64.b64decode(record.mac, validate=True)
    except (binascii.Error, ValueError):
        return "the record's MAC is not base64: altered"
    if not mac.verify(message(record), raw):
        return "the record's MAC does not verify: the record was altered or forged"
    return None
