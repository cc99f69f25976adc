"""An in-memory SageMaker inference account: boto3-shaped clients for SageMaker, CloudWatch, Application Auto
Scaling (no targets registered) and the Resource Groups Tagging API, answering the calls the idle-endpoint
sweep makes as their API references describe (page sizes, sort order, error codes), counting every call.
Fast enough for 10,000 endpoints.

ListEndpoints' NextToken is opaque in the API reference; here, as in moto, it names the first endpoint of
the next page, and a token whose endpoint is gone is refused (``ValidationException``). With
``refuse_stale_tokens=False`` it is a cursor after the last endpoint returned, which no deletion disturbs.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from botocore.exceptions import ClientError

from tests.unit.fakes import NOW

REGION = "us-east-1"
ACCOUNT = "123456789012"


def client_error(operation: str, code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def encode(value: Mapping[str, Any]) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def decode(token: str) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(token)))


@dataclass
class FakeEndpoint:
    name: str
    age: timedelta = timedelta(days=3)
    variants: tuple[str, ...] = ("AllTraffic",)
    tags: dict[str, str] = field(default_factory=dict)
    invocations: float = 0.0  # per variant, in any window
    instance_type: str = "ml.m5.large"

    @property
    def arn(self) -> str:
        # SageMaker lower-cases the name in the ARN.
        return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{self.name.lower()}"


class InferenceAccount:
    """The endpoints, and what was called: ``calls`` per operation, ``described`` and ``tags_read`` per endpoint
    name."""

    def __init__(self, *, refuse_stale_tokens: bool = True) -> None:
        self.endpoints: dict[str, FakeEndpoint] = {}
        self.refuse_stale_tokens = refuse_stale_tokens
        self.calls: Counter[str] = Counter()
        self.described: Counter[str] = Counter()
        self.tags_read: Counter[str] = Counter()
        self.deleted: Counter[str] = Counter()
        self.denied: set[str] = set()
        self.sagemaker = _SageMaker(self)
        self.cloudwatch = _CloudWatch(self)
        self.tagging = _Tagging(self)
        self.autoscaling = _AutoScaling(self)
        self._derived_for: tuple[str, ...] = ()
        self._derived: dict[str, Any] = {}

    def add(self, *endpoints: FakeEndpoint) -> None:
        for endpoint in endpoints:
            self.endpoints[endpoint.name] = endpoint

    def derived[T](self, what: str, build: Callable[[list[FakeEndpoint]], T]) -> T:
        """``build`` over every endpoint by name, built again only once endpoints have come or gone."""
        names = tuple(self.endpoints)
        if self._derived_for != names:
            self._derived_for, self._derived = names, {}
        if what not in self._derived:
            self._derived[what] = build(sorted(self.endpoints.values(), key=lambda e: e.name))
        return cast(T, self._derived[what])

    def by_arn(self, arn: str) -> FakeEndpoint:
        found = self.endpoints.get(arn.rsplit("/", 1)[-1])
        if found is None or found.arn != arn.lower():
            found = next((e for e in self.endpoints.values() if e.arn == arn.lower()), None)
        if found is None:
            raise client_error("ListTags", "ValidationException", f"Could not find endpoint {arn}")
        return found

    def count(self, operation: str) -> None:
        """Count a call; refused (AccessDeniedException) if the operation is in ``denied``."""
        self.calls[operation] += 1
        if operation in self.denied:
            raise client_error(operation, "AccessDeniedException", f"injected: {operation} denied")


class _SageMaker:
    def __init__(self, account: InferenceAccount) -> None:
        self.account = account

    def _endpoint(self, operation: str, name: str) -> FakeEndpoint:
        found = self.account.endpoints.get(name)
        if found is None:
            raise client_error(operation, "ValidationException", f'Could not find endpoint "{name}".')
        return found

    def list_endpoints(self, **kwargs: Any) -> dict[str, Any]:
        self.account.count("ListEndpoints")
        size = kwargs.get("MaxResults", 10)
        assert 1 <= size <= 100, "ListEndpoints: MaxResults is 1 to 100"
        assert (kwargs.get("SortBy"), kwargs.get("SortOrder")) == ("Name", "Ascending")
        assert kwargs.get("StatusEquals") == "InService"
        names = self.account.derived("names", lambda endpoints: [e.name for e in endpoints])
        start = 0
        if kwargs.get("NextToken"):
            token = decode(kwargs["NextToken"])
            if "next" in token:
                if token["next"] not in self.account.endpoints:
                    raise client_error("ListEndpoints", "ValidationException", "Invalid pagination token")
                start = names.index(token["next"])
            else:
                start = next((i for i, n in enumerate(names) if n > token["after"]), len(names))
        page = names[start : start + size]
        response: dict[str, Any] = {
            "Endpoints": [
                {
                    "EndpointName": n,
                    "EndpointArn": self.account.endpoints[n].arn,
                    "CreationTime": NOW - self.account.endpoints[n].age,
                    "LastModifiedTime": NOW - self.account.endpoints[n].age,
                    "EndpointStatus": "InService",
                }
                for n in page
            ]
        }
        if start + size < len(names):
            token = {"next": names[start + size]} if self.account.refuse_stale_tokens else {"after": page[-1]}
            response["NextToken"] = encode(token)
        return response

    def describe_endpoint(self, *, EndpointName: str) -> dict[str, Any]:
        self.account.count("DescribeEndpoint")
        endpoint = self._endpoint("DescribeEndpoint", EndpointName)
        self.account.described[EndpointName] += 1
        return {
            "EndpointName": endpoint.name,
            "EndpointArn": endpoint.arn,
            "EndpointConfigName": f"{endpoint.name}-config",
            "EndpointStatus": "InService",
            "ProductionVariants": [{"VariantName": v, "CurrentInstanceCount": 1} for v in endpoint.variants],
            "CreationTime": NOW - endpoint.age,
            "LastModifiedTime": NOW - endpoint.age,
        }

    def describe_endpoint_config(self, *, EndpointConfigName: str) -> dict[str, Any]:
        self.account.count("DescribeEndpointConfig")
        endpoint = self._endpoint("DescribeEndpointConfig", EndpointConfigName.removesuffix("-config"))
        variants = [
            {"VariantName": v, "ModelName": "model", "InstanceType": endpoint.instance_type, "InitialInstanceCount": 1}
            for v in endpoint.variants
        ]
        return {"EndpointConfigName": EndpointConfigName, "ProductionVariants": variants}

    def list_tags(self, *, ResourceArn: str, MaxResults: int = 50, NextToken: str | None = None) -> dict[str, Any]:
        self.account.count("ListTags")
        assert MaxResults <= 50 and NextToken is None
        endpoint = self.account.by_arn(ResourceArn)
        self.account.tags_read[endpoint.name] += 1
        tags = endpoint.tags
        return {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}

    def add_tags(self, *, ResourceArn: str, Tags: list[dict[str, str]]) -> dict[str, Any]:
        self.account.count("AddTags")
        self.account.by_arn(ResourceArn).tags.update({t["Key"]: t["Value"] for t in Tags})
        return {}

    def delete_tags(self, *, ResourceArn: str, TagKeys: list[str]) -> dict[str, Any]:
        self.account.count("DeleteTags")
        tags = self.account.by_arn(ResourceArn).tags
        for key in TagKeys:
            tags.pop(key, None)
        return {}

    def delete_endpoint(self, *, EndpointName: str) -> dict[str, Any]:
        self.account.count("DeleteEndpoint")
        self._endpoint("DeleteEndpoint", EndpointName)
        del self.account.endpoints[EndpointName]
        self.account.deleted[EndpointName] += 1
        return {}

    def list_inference_components(self, **kwargs: Any) -> dict[str, Any]:
        self.account.count("ListInferenceComponents")
        return {"InferenceComponents": []}

    def describe_model(self, *, ModelName: str) -> dict[str, Any]:
        """Every endpoint's configuration names the model ``model``, which exists."""
        self.account.count("DescribeModel")
        if ModelName != "model":
            raise client_error("DescribeModel", "ValidationException", f'Could not find model "{ModelName}".')
        return {"ModelName": ModelName}


class _AutoScaling:
    """No endpoint has a scalable target, a scaling policy or a scheduled action."""

    def __init__(self, account: InferenceAccount) -> None:
        self.account = account

    def describe_scalable_targets(self, **kwargs: Any) -> dict[str, Any]:
        self.account.count("DescribeScalableTargets")
        assert len(kwargs["ResourceIds"]) <= 50
        return {"ScalableTargets": []}

    def describe_scaling_policies(self, **kwargs: Any) -> dict[str, Any]:
        self.account.count("DescribeScalingPolicies")
        assert kwargs["MaxResults"] <= 10
        return {"ScalingPolicies": []}

    def describe_scheduled_actions(self, **kwargs: Any) -> dict[str, Any]:
        self.account.count("DescribeScheduledActions")
        assert kwargs["MaxResults"] <= 50, "DescribeScheduledActions takes MaxResults up to 50"
        return {"ScheduledActions": []}


class _CloudWatch:
    def __init__(self, account: InferenceAccount) -> None:
        self.account = account

    def list_metrics(self, **kwargs: Any) -> dict[str, Any]:
        """Every (EndpointName, VariantName) Invocations metric with data, 500 a page."""
        self.account.count("ListMetrics")
        metrics = self.account.derived("metrics", _metrics)
        start = int(kwargs.get("NextToken") or 0)
        response: dict[str, Any] = {"Metrics": metrics[start : start + 500]}
        if start + 500 < len(metrics):
            response["NextToken"] = str(start + 500)
        return response

    def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
        self.account.count("GetMetricData")
        queries = kwargs["MetricDataQueries"]
        assert len(queries) <= 500, "GetMetricData takes at most 500 queries"
        results = []
        for query in queries:
            dimensions = {d["Name"]: d["Value"] for d in query["MetricStat"]["Metric"]["Dimensions"]}
            endpoint = self.account.endpoints.get(dimensions["EndpointName"])
            total = endpoint.invocations if endpoint is not None else 0.0
            values = [total] if total else []
            results.append(
                {"Id": query["Id"], "Timestamps": [NOW] * len(values), "Values": values, "StatusCode": "Complete"}
            )
        return {"MetricDataResults": results}


class _Tagging:
    def __init__(self, account: InferenceAccount) -> None:
        self.account = account

    def get_resources(self, **kwargs: Any) -> dict[str, Any]:
        """Every tagged endpoint with all its tags, 100 a page."""
        self.account.count("GetResources")
        assert kwargs["ResourceTypeFilters"] == ["sagemaker:endpoint"] and kwargs["ResourcesPerPage"] <= 100
        tagged = self.account.derived("tagged", lambda endpoints: [e for e in endpoints if e.tags])
        start = int(kwargs.get("PaginationToken") or 0)
        response: dict[str, Any] = {
            "ResourceTagMappingList": [
                {"ResourceARN": e.arn, "Tags": [{"Key": k, "Value": v} for k, v in e.tags.items()]}
                for e in tagged[start : start + 100]
            ],
        }
        if start + 100 < len(tagged):
            response["PaginationToken"] = str(start + 100)
        return response


def _metrics(endpoints: list[FakeEndpoint]) -> list[dict[str, Any]]:
    return [
        {
            "Namespace": "AWS/SageMaker",
            "MetricName": "Invocations",
            "Dimensions": [{"Name": "EndpointName", "Value": e.name}, {"Name": "VariantName", "Value": v}],
        }
        for e in endpoints
        if e.invocations > 0
        for v in e.variants
    ]
