"""Busy endpoints recognised without describing them: the pure rule, and the adapters' listings
(ListMetrics, ListInferenceComponents) against botocore Stubbers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from botocore.stub import Stubber
from hypothesis import given
from hypothesis import strategies as st

from ecoguard.adapters.metrics import LIST_METRICS_PAGE, MetricsAdapter
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.decisions import Outcome, Plan, Remove
from ecoguard.guardrails.idle_endpoint import (
    IDLE_SINCE_TAG,
    UNMARKED,
    IdleMark,
    Variant,
    busy_without_describing,
    decide_endpoint,
)
from ecoguard.guardrails.tags import EXEMPT_TAG, IDLE_HOURS_TAG
from ecoguard.policy import IdleEndpointsPolicy
from tests.builders.clients import offline
from tests.builders.endpoint_snapshots import endpoint
from tests.unit.fakes import NOW

POLICY = IdleEndpointsPolicy()
NAMES = ("EndpointName", "VariantName")


def test_given_invocations_in_the_window_then_the_endpoint_is_busy_without_describing_it() -> None:
    assert busy_without_describing({}, 3.0, False, POLICY)
    assert busy_without_describing({EXEMPT_TAG: "true", IDLE_HOURS_TAG: "48"}, 1.0, False, POLICY)


@pytest.mark.parametrize(
    ("tags", "invocations", "components", "policy", "why"),
    [
        ({}, 0.0, False, POLICY, "no invocations: a candidate"),
        ({}, None, False, POLICY, "incomplete data proves nothing"),
        ({}, 5.0, True, POLICY, "inference components are acted on whatever the traffic"),
        ({IDLE_HOURS_TAG: "soon"}, 5.0, False, POLICY, "an invalid tag is a skip"),
        ({}, 5.0, False, IdleEndpointsPolicy(enabled=False), "the guardrail disabled"),
    ],
)
def test_given_anything_short_of_proven_traffic_then_the_endpoint_is_described(
    tags: dict[str, str], invocations: float | None, components: bool, policy: IdleEndpointsPolicy, why: str
) -> None:
    assert not busy_without_describing(tags, invocations, components, policy), why


@given(
    invocations=st.floats(min_value=0.001, max_value=1e9),
    hours=st.one_of(st.none(), st.integers(min_value=1, max_value=336)),
    exempt=st.booleans(),
    serverless=st.booleans(),
    age_hours=st.integers(min_value=0, max_value=2000),
)
def test_given_an_endpoint_recognised_busy_and_unmarked_then_describing_it_would_decide_nothing(
    invocations: float, hours: int | None, exempt: bool, serverless: bool, age_hours: int
) -> None:
    # Equivalence with the full rules for the kinds that can show Invocations and host no components
    # (asynchronous endpoints publish none): instance-backed real-time and serverless, any age.
    tags = ({IDLE_HOURS_TAG: str(hours)} if hours else {}) | ({EXEMPT_TAG: "true"} if exempt else {})
    assert busy_without_describing(tags, invocations, False, POLICY)
    variants = (Variant("AllTraffic", serverless=serverless, instance_count=None if serverless else 1),)
    described = endpoint(tags=tags, variants=variants, since=timedelta(hours=age_hours))
    assert decide_endpoint(described, invocations, UNMARKED, POLICY, NOW) == Plan()


def test_given_a_marked_busy_endpoint_then_only_its_description_can_clear_the_mark() -> None:
    # Why the sweep describes a busy endpoint that carries a mark: the decision clears it.
    marked = endpoint(tags={IDLE_SINCE_TAG: "2026-11-01T00:00:00Z"})
    plan = decide_endpoint(marked, 4.0, IdleMark(NOW - timedelta(hours=1), 1), POLICY, NOW)
    assert plan.state_change is not None
    assert [plan.state_change.settled(o) for o in (Outcome.APPLIED, Outcome.FAILED)] == [Remove(), Remove()]


def metric(endpoint: str, *dimensions: tuple[str, str]) -> dict[str, Any]:
    return {
        "Namespace": "AWS/SageMaker",
        "MetricName": "Invocations",
        "Dimensions": [{"Name": "EndpointName", "Value": endpoint}] + [{"Name": n, "Value": v} for n, v in dimensions],
    }


def test_list_metrics_reads_every_page_and_keeps_only_the_exact_dimension_set() -> None:
    cw = offline("cloudwatch")
    expected = {"Namespace": "AWS/SageMaker", "MetricName": "Invocations", "Dimensions": [{"Name": n} for n in NAMES]}
    with Stubber(cw) as stub:
        stub.add_response(
            "list_metrics",
            {
                "Metrics": [
                    metric("a", ("VariantName", "blue")),
                    # Per-instance (enhanced metrics) and endpoint-only series: not the pair we query.
                    metric("b", ("VariantName", "blue"), ("InstanceId", "i-1")),
                    metric("c"),
                ],
                "NextToken": "page-2",
            },
            expected,
        )
        stub.add_response(
            "list_metrics", {"Metrics": [metric("a", ("VariantName", "green"))]}, expected | {"NextToken": "page-2"}
        )
        found = MetricsAdapter(cw).dimension_values("AWS/SageMaker", "Invocations", NAMES)
        stub.assert_no_pending_responses()
    assert found == {("a", "blue"), ("a", "green")}


def test_a_list_metrics_page_larger_than_the_api_maximum_is_refused() -> None:
    cw = offline("cloudwatch")
    with Stubber(cw) as stub:
        stub.add_response("list_metrics", {"Metrics": [metric(f"e{i}", ("VariantName", "v")) for i in range(501)]})
        with pytest.raises(AssertionError, match="501 metrics in one ListMetrics page"):
            MetricsAdapter(cw).dimension_values("AWS/SageMaker", "Invocations", NAMES)
    assert LIST_METRICS_PAGE == 500


def test_component_endpoints_come_from_one_account_wide_listing_at_the_maximum_page_size() -> None:
    sm = offline("sagemaker")
    summary = {
        "CreationTime": NOW,
        "LastModifiedTime": NOW,
        "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/x",
        "VariantName": "AllTraffic",
    }

    def component(name: str, endpoint: str) -> dict[str, Any]:
        arn = f"arn:aws:sagemaker:us-east-1:123456789012:inference-component/{name}"
        return summary | {"InferenceComponentName": name, "InferenceComponentArn": arn, "EndpointName": endpoint}

    with Stubber(sm) as stub:
        stub.add_response(
            "list_inference_components",
            {"InferenceComponents": [component("llama", "llm"), component("mistral", "llm")], "NextToken": "t"},
            {"MaxResults": 100},
        )
        stub.add_response(
            "list_inference_components",
            {"InferenceComponents": [component("bert", "nlp")]},
            {"MaxResults": 100, "NextToken": "t"},
        )
        assert SageMakerAdapter(sm).component_endpoints() == {"llm", "nlp"}
        stub.assert_no_pending_responses()
