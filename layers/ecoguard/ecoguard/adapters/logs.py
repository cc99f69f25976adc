"""CloudWatch Logs: list log groups page by page, read tags (one group, or every group with a governing
or attribution tag through the tagging API), write retention.

DescribeLogGroups answers at most 50 groups a page (``limit``); ``arn`` ends in ``:*`` and ``logGroupArn``
(the form tagging APIs take) does not; ``retentionPolicyName`` is returned only when an account-level
retention policy applies, and ``retentionInDays`` then shows that policy's value; ``logGroupClass`` (one of
``STANDARD``, ``INFREQUENT_ACCESS``, ``DELIVERY``, ``ESSENTIALS``) prices the group's storage, ``STANDARD``
when absent (CloudWatch Logs API reference, DescribeLogGroups and LogGroup). What of those this runtime's
SDK lacks (``sdk_support.NEEDS["log-retention"]``) is parsed away from every response: ``sdk_gaps`` names
it, and a class the SDK cannot read is ``None``, not ``STANDARD``. PutRetentionPolicy takes only the listed
``retentionInDays`` values; DeleteRetentionPolicy makes a group keep its events forever (CloudWatch Logs
API reference).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from ecoguard.adapters.sdk_support import NEEDS, gaps, unsupported
from ecoguard.adapters.tagging import TaggingAdapter
from ecoguard.errors import calling, translate
from ecoguard.guardrails.log_retention import RETENTION_TAG, LogGroup
from ecoguard.guardrails.tags import EXEMPT_TAG
from ecoguard.paging import Page
from ecoguard.policy import check_retention_days

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_logs.type_defs import LogGroupTypeDef

# DescribeLogGroups returns at most 50 groups a page.
PAGE_SIZE = 50


def _group(raw: LogGroupTypeDef, *, class_known: bool = True) -> LogGroup:
    arn = raw.get("logGroupArn") or str(raw["arn"]).removesuffix(":*")
    return LogGroup(
        name=raw["logGroupName"],
        arn=arn,
        retention_days=raw.get("retentionInDays"),
        stored_bytes=raw.get("storedBytes"),
        log_class=str(raw.get("logGroupClass") or "STANDARD") if class_known else None,
        # Returned only when an account-level retention policy applies (CloudWatch Logs API, LogGroup);
        # newer than the mypy-boto3 stubs, hence read untyped.
        account_policy=cast("Mapping[str, Any]", raw).get("retentionPolicyName"),
    )


# The tagging API's name for a log group (as in its ARN, ``...:log-group:<name>``).
LOG_GROUP_TYPE = "logs:log-group"


class LogsAdapter:
    def __init__(self, logs: CloudWatchLogsClient, tagging: TaggingAdapter | None = None) -> None:
        self._logs = logs
        self._tagging = tagging
        self._class_known: bool | None = None

    def sdk_gaps(self) -> dict[str, tuple[str, ...]]:
        """What of the log-retention guardrail this runtime's SDK cannot read (``sdk_support``), said when asked."""
        return gaps(self._logs, "log-retention")

    def _parsed(self, raw: LogGroupTypeDef) -> LogGroup:
        if self._class_known is None:
            self._class_known = not unsupported(self._logs, NEEDS["log-retention"]["log-class"])
        return _group(raw, class_known=self._class_known)

    def page(self, token: str | None) -> Page[LogGroup]:
        kwargs: dict[str, Any] = {"limit": PAGE_SIZE}
        if token:
            kwargs["nextToken"] = token
        response = calling(self._logs.describe_log_groups, **kwargs)
        groups = tuple(self._parsed(raw) for raw in response.get("logGroups", []))
        return Page(groups, response.get("nextToken") or None)

    def find(self, name: str) -> LogGroup | None:
        """The group with exactly this name, or None if it no longer exists."""
        response = calling(self._logs.describe_log_groups, logGroupNamePrefix=name, limit=PAGE_SIZE)
        for raw in response.get("logGroups", []):
            if raw["logGroupName"] == name:
                return self._parsed(raw)
        return None

    def tags(self, group: LogGroup) -> dict[str, str]:
        response = calling(self._logs.list_tags_for_resource, resourceArn=group.arn)
        return dict(response.get("tags", {}))

    def listed_tags(self, attribution: Sequence[str]) -> dict[str, dict[str, str]]:
        """Log group ARN -> every tag, for every group tagged ``ecoguard:exempt`` or ``ecoguard:retention-days``
        (a group absent from it has neither) or one of the ``attribution`` keys (the policy's
        ``report.attribution_tags``, so its records carry them): one listing per distinct key, however many
        groups there are."""
        if self._tagging is None:
            raise RuntimeError("LogsAdapter was built without a tagging client")
        return self._tagging.tagged(LOG_GROUP_TYPE, (EXEMPT_TAG, RETENTION_TAG, *attribution))

    def set_retention(self, name: str, days: int | None) -> None:
        """Set a retention, or remove it (``None``: keep logs forever) when restoring."""
        if days is not None:
            # PutRetentionPolicy accepts only the listed retentionInDays values (CloudWatch Logs API reference):
            # an invalid one fails here, naming the values it accepts.
            check_retention_days(days)
        try:
            if days is None:
                self._logs.delete_retention_policy(logGroupName=name)
            else:
                self._logs.put_retention_policy(logGroupName=name, retentionInDays=days)
        except ClientError as exc:
            raise translate(exc) from exc
