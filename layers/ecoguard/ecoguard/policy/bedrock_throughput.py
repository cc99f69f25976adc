"""The ``bedrock_throughput`` section (BedrockThroughputFunction): Amazon Bedrock Provisioned Throughput."""

from __future__ import annotations

from pydantic import Field

from ecoguard.policy.base import StrictModel

# GetMetricData: a period of 86,400 s (one day) reads datapoints of any resolution; CloudWatch keeps one-hour
# datapoints for 455 days (CloudWatch User Guide, "Metrics retention"), so a window up to that is answerable.
MAX_WINDOW_DAYS = 455
# A six-month commitment is the longest Bedrock sells (CommitmentDuration: OneMonth, SixMonths).
MAX_NOTICE_DAYS = 183


class BedrockThroughputPolicy(StrictModel):
    """Amazon Bedrock Provisioned Throughput with no invocations and no tokens.

    A throughput bought without a commitment is noticed, then deleted after the grace period (enforce mode);
    deleting it cannot be undone. One bought with a commitment is never deleted: it is reported with the end
    of its term, and noticed `notice_days_before_end` days before it.

    Example::

        bedrock_throughput:
          window_days: 7
          grace_hours: 72
          notice_days_before_end: 14
    """

    enabled: bool = Field(default=True, description="Turn the Provisioned Throughput guardrail off.")
    window_days: int = Field(
        default=7,
        ge=1,
        le=MAX_WINDOW_DAYS,
        description=(
            "Idle: no Invocations, InputTokenCount or OutputTokenCount on the provisioned model's ARN for this "
            "many days. A throughput younger than this is not judged."
        ),
    )
    grace_hours: int = Field(
        default=72,
        ge=0,
        le=24 * 30,
        description=(
            "Hours between the notice that a no-commitment throughput is idle and its deletion; any invocation in "
            "between clears the notice."
        ),
    )
    notice_days_before_end: int = Field(
        default=14,
        ge=1,
        le=MAX_NOTICE_DAYS,
        description=(
            "A throughput bought with a commitment is noticed this many days before its term ends (`do not "
            "renew` when it stayed idle)."
        ),
    )
    no_data_is_idle: bool = Field(
        default=False,
        description=(
            "Treat a window with no datapoint at all as idle. Off by default: Bedrock's metric reference does not "
            "say that an absent datapoint means no request, so no data is unknown evidence."
        ),
    )
