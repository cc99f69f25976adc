"""Amazon Bedrock Provisioned Throughput and its CloudWatch usage.

- ListProvisionedModelThroughputs: up to ``maxResults`` 1000 a page, ``nextToken`` to page on (Bedrock API
  reference); errors AccessDenied, Validation, InternalServer, Throttling.
- GetProvisionedModelThroughput: one throughput by ARN or name; ResourceNotFoundException once it is gone.
- ListTagsForResource: ``tags`` as ``[{key, value}]`` (at most 200: TagList).
- DeleteProvisionedModelThroughput: refused (ValidationException) before a commitment's term ends ("You
  can't delete a Provisioned Throughput before the commitment term is over"); ResourceNotFoundException when
  already gone; ConflictException while it is being changed.
- Usage: GetMetricData of ``AWS/Bedrock`` Invocations, InputTokenCount, OutputTokenCount on ``ModelId`` = the
  provisioned model's ARN, each as its daily Maximum and Sum over the window (``adapters.metrics``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ecoguard.adapters.metrics import MetricQuery, MetricsAdapter, Series
from ecoguard.errors import NotFound, calling
from ecoguard.guardrails.bedrock_throughput import DIMENSION, METRICS, NAMESPACE, MetricEvidence, Throughput
from ecoguard.paging import Page

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

PAGE_SIZE = 1000  # ListProvisionedModelThroughputs maxResults: 1 to 1000
DAY = 86_400  # one datapoint a day per statistic: a period that is a multiple of 3,600 reads data of any age


class BedrockAdapter:
    def __init__(self, bedrock: Any, cloudwatch: CloudWatchClient) -> None:
        # Any: the project's type stubs include no Bedrock client (mypy-boto3-bedrock is not a dependency).
        self._bedrock = bedrock
        self._metrics = MetricsAdapter(cloudwatch)

    def throughput_page(self, token: str | None) -> Page[str]:
        kwargs: dict[str, Any] = {"maxResults": PAGE_SIZE}
        if token:
            kwargs["nextToken"] = token
        response = calling(self._bedrock.list_provisioned_model_throughputs, **kwargs)
        arns = [s["provisionedModelArn"] for s in response.get("provisionedModelSummaries", [])]
        return Page(arns, response.get("nextToken") or None)

    def throughput(self, arn: str) -> Throughput:
        """NotFound (ecoguard.errors) once it is gone."""
        d = calling(self._bedrock.get_provisioned_model_throughput, provisionedModelId=arn)
        tags = calling(self._bedrock.list_tags_for_resource, resourceARN=d["provisionedModelArn"]).get("tags", [])
        return Throughput(
            name=d["provisionedModelName"],
            arn=d["provisionedModelArn"],
            model_arn=d["modelArn"],
            foundation_model_arn=d["foundationModelArn"],
            model_units=d["modelUnits"],
            desired_model_units=d["desiredModelUnits"],
            status=d["status"],
            created=d["creationTime"],
            commitment=d.get("commitmentDuration"),
            commitment_ends=d.get("commitmentExpirationTime"),
            tags={t["key"]: t["value"] for t in tags},
        )

    def exists(self, arn: str) -> bool:
        try:
            calling(self._bedrock.get_provisioned_model_throughput, provisionedModelId=arn)
        except NotFound:
            return False
        return True

    def delete(self, arn: str) -> None:
        calling(self._bedrock.delete_provisioned_model_throughput, provisionedModelId=arn)

    def usage(self, arn: str, days: int, now: datetime) -> dict[str, MetricEvidence]:
        end = now.replace(second=0, microsecond=0)
        start = end - timedelta(days=days)
        queries = [
            MetricQuery(f"{metric}|{stat}", NAMESPACE, metric, ((DIMENSION, arn),), stat, DAY, start, end)
            for metric in METRICS
            for stat in ("Maximum", "Sum")
        ]
        found = {query.key: series for query, series in self._metrics.fetch(queries)}
        return {metric: _evidence(found[f"{metric}|Maximum"], found[f"{metric}|Sum"]) for metric in METRICS}


def _evidence(maximum: Series, total: Series) -> MetricEvidence:
    return MetricEvidence(
        datapoints=max(len(maximum.values), len(total.values)),
        maximum=max(maximum.values) if maximum.values else None,
        total=sum(total.values) if total.values else None,
        complete=maximum.complete and total.complete,
    )
