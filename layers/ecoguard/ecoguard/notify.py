"""Send a run's summary to the stack's SNS topic. A failed notification never loses a record:
the audit trail is written before this runs, and errors here are only logged."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from ecoguard.decisions import Outcome
from ecoguard.summary import RunSummary

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

logger = Logger(child=True)

# Outcomes worth a message; a run that only found compliant resources stays quiet.
NOTEWORTHY = (Outcome.APPLIED, Outcome.WOULD_APPLY, Outcome.FAILED, Outcome.SKIPPED, Outcome.FINDING)
MAX_LISTED = 20
# SNS Publish, Subject: "UTF-8 text with no line breaks or control characters, and less than 100 characters
# long" (SNS API reference).
SUBJECT_MAX_CHARS = 99
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
ELLIPSIS = "..."


def sns_subject(text: str) -> str:
    """``text`` as a valid SNS subject: control characters become spaces; past 99 characters, cut with '...'."""
    flat = _CONTROL.sub(" ", text).strip()
    if len(flat) <= SUBJECT_MAX_CHARS:
        return flat
    return flat[: SUBJECT_MAX_CHARS - len(ELLIPSIS)].rstrip() + ELLIPSIS


def render(summary: RunSummary) -> tuple[str, str]:
    counts = ", ".join(f"{summary.count(o)} {o.value}" for o in NOTEWORTHY if summary.count(o))
    subject = sns_subject(f"ecoguard {summary.guardrail} ({summary.mode.value}): {counts}")
    lines = [subject, ""]
    listed = [e for e in summary.entries if e.outcome in NOTEWORTHY][:MAX_LISTED]
    for entry in listed:
        line = f"- {entry.outcome.value}: {entry.resource.name}: {entry.reason}"
        if entry.error:
            line += f" [{entry.error}]"
        lines.append(line)
    hidden = sum(1 for e in summary.entries if e.outcome in NOTEWORTHY) - len(listed)
    if hidden > 0:
        lines.append(f"... and {hidden} more in the audit table")
    lines += ["", json.dumps(summary.as_dict())]
    return subject, "\n".join(lines)


class Notifier:
    def __init__(self, sns: SNSClient, topic_arn: str | None) -> None:
        self._sns = sns
        self._topic_arn = topic_arn

    def publish(self, summary: RunSummary) -> bool:
        if not self._topic_arn or not any(summary.count(o) for o in NOTEWORTHY):
            return False
        subject, message = render(summary)
        try:
            self._sns.publish(TopicArn=self._topic_arn, Subject=subject, Message=message)
        except (ClientError, OSError) as exc:
            logger.error("notification failed; the audit trail has every record", extra={"error": str(exc)})
            return False
        return True
