"""The fake-versus-model check itself (``tests/response_shapes.py``): what it rejects, from botocore's own
service models, with no AWS and no moto."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.stub import Stubber

from tests.builders.clients import offline
from tests.response_shapes import ResponseChecks, problems

SAGEMAKER = botocore.session.get_session().get_service_model("sagemaker")


def test_given_a_status_the_model_does_not_define_then_it_is_named_with_the_values_aws_defines() -> None:
    found = problems(
        SAGEMAKER.operation_model("DescribeMlflowTrackingServer").output_shape,
        {"TrackingServerArn": "arn", "TrackingServerStatus": "Running", "IsActive": "Active"},
    )
    assert len(found) == 1 and "'Running' is not one of TrackingServerStatus's values" in found[0]


def test_given_a_member_aws_never_returns_then_it_is_named() -> None:
    shape = SAGEMAKER.operation_model("DescribeTrainingJob").output_shape
    response = {"WarmPoolStatus": {"Status": "Available", "IdleSince": "2026-01-01"}}
    assert any("WarmPoolStatus.IdleSince: not a member of WarmPoolStatus" in p for p in problems(shape, response))


def test_given_a_required_member_absent_then_it_is_named_and_a_complete_answer_passes() -> None:
    shape = SAGEMAKER.operation_model("DescribeInferenceComponent").output_shape
    partial = {"InferenceComponentName": "c", "RuntimeConfig": {"DesiredCopyCount": 1, "CurrentCopyCount": 1}}
    assert any("EndpointArn: required" in p for p in problems(shape, partial))
    with_required = {
        **partial,
        "InferenceComponentArn": "arn",
        "EndpointName": "e",
        "EndpointArn": "arn",
        "CreationTime": 0,
        "LastModifiedTime": 0,
    }
    assert problems(shape, with_required) == []


def test_given_a_stubbed_response_with_a_status_aws_does_not_define_then_every_test_s_checks_name_it(
    responses_as_aws_models_them: ResponseChecks,
) -> None:
    # Stubber validates members and types, not enum values: the checks every test runs under (tests/conftest.py)
    # see what it lets through. Cleared once seen, so that this test, which sends it on purpose, passes.
    sagemaker = offline("sagemaker")
    with Stubber(sagemaker) as stub:
        stub.add_response(
            "describe_mlflow_tracking_server", {"TrackingServerStatus": "Running"}, {"TrackingServerName": "t"}
        )
        sagemaker.describe_mlflow_tracking_server(TrackingServerName="t")
    found = list(responses_as_aws_models_them.found)
    responses_as_aws_models_them.found.clear()
    assert responses_as_aws_models_them.checked == 1
    assert len(found) == 1 and "'Running' is not one of TrackingServerStatus's values" in found[0]


@pytest.mark.parametrize("status", ["Available", "InUse", "Reused", "Terminated"])
def test_given_each_warm_pool_status_aws_defines_then_nothing_is_named(status: str) -> None:
    shape = SAGEMAKER.operation_model("DescribeTrainingJob").output_shape
    assert not [p for p in problems(shape, {"WarmPoolStatus": {"Status": status}}) if "WarmPoolStatus" in p]
