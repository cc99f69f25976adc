"""Re-creating a deleted endpoint (the restore): AWS's reserved ``aws:`` tags are never passed back, also from
records written before the deletion dropped them (SageMaker API Reference, Tag: keys may not begin with aws:)."""

from __future__ import annotations

from botocore.stub import Stubber

from ecoguard.adapters.sagemaker import SageMakerAdapter
from tests.builders.clients import offline


def test_given_recorded_aws_tags_then_create_endpoint_sends_only_the_tags_a_caller_may_set() -> None:
    sm = offline("sagemaker")
    with Stubber(sm) as stub:
        stub.add_response(
            "describe_endpoint_config",
            {
                "EndpointConfigName": "churn-config",
                "EndpointConfigArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/churn-config",
                "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": "m"}],
                "CreationTime": "2026-01-01T00:00:00Z",
            },
            {"EndpointConfigName": "churn-config"},
        )
        stub.add_response(
            "create_endpoint",
            {"EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn"},
            {"EndpointName": "churn", "EndpointConfigName": "churn-config", "Tags": [{"Key": "team", "Value": "nlp"}]},
        )
        tags = {"team": "nlp", "aws:cloudformation:stack-name": "ml-stack", "aws:cloudformation:logical-id": "Ep"}
        SageMakerAdapter(sm).create_endpoint("churn", "churn-config", tags)
        stub.assert_no_pending_responses()
