"""Adapters of the idle inference guardrails, against botocore Stubbers (no network, no moto).

``InferenceComponentStub`` and the Stubbers of ``list_inference_components`` /
``describe_inference_component`` cover a moto 5.2.5 gap: it implements no inference components, and
rejects endpoint-config variants without a ModelName, which is how such endpoints are declared.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import pytest
from botocore.stub import Stubber

from ecoguard.adapters.autoscaling import AutoScalingAdapter
from ecoguard.adapters.metrics import MAX_QUERIES, MetricQuery, MetricsAdapter, batches
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.decisions import PlannedAction
from ecoguard.guardrails.idle_endpoint import DELETE, Component, IdleMark, ScalingTarget, decide_endpoint
from ecoguard.policy import IdleEndpointsPolicy
from tests.builders.clients import offline
from tests.unit.fakes import NOW

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

ARN = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/llm"


def query(i: int, start: datetime = NOW - timedelta(hours=24)) -> MetricQuery:
    return MetricQuery(
        key=f"ep-{i}",
        namespace="AWS/SageMaker",
        metric="Invocations",
        dimensions=(("EndpointName", f"ep-{i}"), ("VariantName", "AllTraffic")),
        stat="Sum",
        period=86400,
        start=start,
        end=NOW,
    )


def test_batches_never_exceed_the_get_metric_data_limit() -> None:
    assert [len(b) for b in batches(list(range(1201)))] == [500, 500, 201]
    with pytest.raises(AssertionError, match="at most 500"):
        batches([1, 2], size=MAX_QUERIES + 1)


def test_given_a_next_token_then_every_page_is_read_and_values_are_joined() -> None:
    cw = offline("cloudwatch")
    with Stubber(cw) as stub:
        stub.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [{"Id": "q0", "Values": [1.0], "Timestamps": [NOW], "StatusCode": "PartialData"}],
                "NextToken": "more",
            },
        )
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [{"Id": "q0", "Values": [2.0], "Timestamps": [NOW], "StatusCode": "Complete"}]},
        )
        [(_, series)] = MetricsAdapter(cw).fetch([query(0)])
        stub.assert_no_pending_responses()
    assert series.values == [1.0, 2.0] and series.complete


def test_given_a_query_cloudwatch_could_not_answer_then_its_series_is_incomplete() -> None:
    cw = offline("cloudwatch")
    with Stubber(cw) as stub:
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [{"Id": "q0", "Values": [], "Timestamps": [], "StatusCode": "InternalError"}]},
        )
        [(_, series)] = MetricsAdapter(cw).fetch([query(0)])
    assert not series.complete


# RecordingCloudWatch stands in for a boto3 CloudWatch client: it answers only the calls MetricsAdapter makes, so it is
# cast to the client type it replaces (no fake has every operation of a service).
class RecordingCloudWatch:
    """A fake CloudWatch client: answers every query with no data and records each call's queries."""

    def __init__(self) -> None:
        self.calls: list[tuple[datetime, int]] = []

    def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
        queries = kwargs["MetricDataQueries"]
        self.calls.append((kwargs["StartTime"], len(queries)))
        return {"MetricDataResults": [{"Id": q["Id"], "Values": [], "Timestamps": []} for q in queries]}


def test_given_queries_over_two_time_ranges_then_each_range_is_batched_separately() -> None:
    cw = RecordingCloudWatch()
    two_hours = NOW - timedelta(hours=2)
    queries = [query(i) for i in range(600)] + [query(i, two_hours) for i in range(600, 610)]
    results = MetricsAdapter(cast("CloudWatchClient", cw)).fetch(queries)
    assert cw.calls == [(NOW - timedelta(hours=24), 500), (NOW - timedelta(hours=24), 100), (two_hours, 10)]
    assert [q.key for q, _ in results] == [q.key for q in queries], "results come back in the order asked"


class InferenceComponentStub:
    """A Stubber'd SageMaker client serving an endpoint whose variant hosts inference components."""

    def __init__(self) -> None:
        self.client = offline("sagemaker")
        self.stub = Stubber(self.client)
        created = datetime(2026, 11, 1, tzinfo=UTC)
        self.stub.add_response(
            "describe_endpoint",
            {
                "EndpointName": "llm",
                "EndpointArn": ARN,
                "EndpointConfigName": "llm-config",
                "ProductionVariants": [{"VariantName": "AllTraffic", "CurrentInstanceCount": 2}],
                "EndpointStatus": "InService",
                "CreationTime": created,
                "LastModifiedTime": created,
            },
        )
        self.stub.add_response(
            "describe_endpoint_config",
            {
                "EndpointConfigName": "llm-config",
                "EndpointConfigArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/llm-config",
                "ProductionVariants": [
                    {
                        "VariantName": "AllTraffic",
                        "InstanceType": "ml.g5.12xlarge",
                        "InitialInstanceCount": 2,
                        "ManagedInstanceScaling": {"Status": "ENABLED", "MinInstanceCount": 1, "MaxInstanceCount": 4},
                    }
                ],
                "CreationTime": created,
            },
        )
        self.stub.add_response("list_tags", {"Tags": []})


def test_given_an_endpoint_with_inference_components_then_it_is_recognised_and_never_deleted() -> None:
    fake = InferenceComponentStub()
    with fake.stub:
        endpoint = SageMakerAdapter(fake.client).endpoint("llm")
        fake.stub.assert_no_pending_responses()
    assert endpoint is not None and endpoint.inference_components
    plan = decide_endpoint(endpoint, 0.0, IdleMark(NOW - timedelta(days=1), 1), IdleEndpointsPolicy(), NOW)
    assert not any(isinstance(d, PlannedAction) and d.action == DELETE for d in plan.decisions)


def test_inference_components_are_listed_on_every_page_with_their_current_copies() -> None:
    client = offline("sagemaker")
    with Stubber(client) as stub:
        page = {"EndpointNameEquals": "llm", "MaxResults": 100}
        summary = {
            "EndpointArn": ARN,
            "EndpointName": "llm",
            "VariantName": "AllTraffic",
            "CreationTime": NOW,
            "LastModifiedTime": NOW,
        }
        stub.add_response(
            "list_inference_components",
            {
                "InferenceComponents": [
                    {**summary, "InferenceComponentName": "mistral", "InferenceComponentArn": f"{ARN}-ic-m"}
                ],
                "NextToken": "p2",
            },
            page,
        )
        stub.add_response(
            "list_inference_components",
            {
                "InferenceComponents": [
                    {**summary, "InferenceComponentName": "llama", "InferenceComponentArn": f"{ARN}-ic-l"}
                ]
            },
            {**page, "NextToken": "p2"},
        )
        for name, copies in (("llama", 3), ("mistral", 1)):
            stub.add_response(
                "describe_inference_component",
                {
                    "InferenceComponentName": name,
                    "InferenceComponentArn": f"{ARN}-ic-{name}",
                    "EndpointName": "llm",
                    "EndpointArn": ARN,
                    "CreationTime": NOW,
                    "LastModifiedTime": NOW,
                    "RuntimeConfig": {"DesiredCopyCount": copies, "CurrentCopyCount": copies},
                },
                {"InferenceComponentName": name},
            )
        components = SageMakerAdapter(client).inference_components("llm")
        stub.assert_no_pending_responses()
    assert components == (Component("llama", 3), Component("mistral", 1))


def test_component_targets_use_the_copy_count_dimension() -> None:
    client = offline("application-autoscaling")
    with Stubber(client) as stub:
        stub.add_response(
            "describe_scalable_targets",
            {
                "ScalableTargets": [
                    {
                        "ServiceNamespace": "sagemaker",
                        "ResourceId": "inference-component/llama",
                        "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount",
                        "MinCapacity": 1,
                        "MaxCapacity": 4,
                        "RoleARN": "arn:aws:iam::123456789012:role/aas",
                        "CreationTime": NOW,
                    }
                ]
            },
            {
                "ServiceNamespace": "sagemaker",
                "ResourceIds": ["inference-component/llama", "inference-component/mistral"],
                "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount",
                "MaxResults": 50,
            },
        )
        stub.add_response(
            "register_scalable_target",
            {},
            {
                "ServiceNamespace": "sagemaker",
                "ResourceId": "inference-component/llama",
                "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount",
                "MinCapacity": 0,
                "MaxCapacity": 4,
            },
        )
        adapter = AutoScalingAdapter(client)
        assert adapter.component_targets(["llama", "mistral"]) == (ScalingTarget("llama", 1, 4),)
        adapter.register_component("llama", 0, 4)
        stub.assert_no_pending_responses()


def test_given_a_missing_endpoint_then_the_adapter_returns_none() -> None:
    client = offline("sagemaker")
    with Stubber(client) as stub:
        stub.add_client_error("describe_endpoint", "ValidationException", f'Could not find endpoint "{ARN}".')
        assert SageMakerAdapter(client).endpoint("llm") is None
