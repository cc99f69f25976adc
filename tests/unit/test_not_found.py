"""Not-found signals, as AWS sends them (ecoguard/not_found.py): each adapter reads a missing resource as
gone, whichever way its service says so, and nothing else as gone."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ecoguard.actions.training_guard import StopTrainingJob
from ecoguard.adapters.autoscaling import AutoScalingAdapter
from ecoguard.adapters.sagemaker import SageMakerAdapter
from ecoguard.adapters.sagemaker_training import SageMakerTrainingAdapter
from ecoguard.errors import AwsError, NotFound, translate
from ecoguard.not_found import SIGNALS, is_not_found
from tests.builders.clients import offline

# DescribeTrainingJob of a job that does not exist (aws/aws-sdk #165; aws/amazon-sagemaker-examples #2360).
MISSING_JOB = ("ValidationException", "Requested resource not found.")
# A second DeleteEndpoint after a retried first one (aws/amazon-sagemaker-examples #2402).
MISSING_ENDPOINT = (
    "ValidationException",
    'Could not find endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/gone".',
)


def test_given_every_signal_then_each_names_its_source() -> None:
    assert all(signal.source for signal in SIGNALS)
    assert {s.service for s in SIGNALS} >= {"sagemaker", "application-autoscaling", "logs", "dynamodb", "ssm", "s3"}


def test_given_a_validation_error_of_unknown_origin_then_it_is_not_taken_for_gone() -> None:
    assert not is_not_found(*MISSING_JOB)
    assert is_not_found(*MISSING_JOB, service="sagemaker")
    # Any other validation error from SageMaker is an error, not a missing resource.
    assert not is_not_found("ValidationException", "Value 'x' at 'trainingJobName' failed", "sagemaker")


def test_given_application_auto_scaling_object_not_found_then_it_is_not_found() -> None:
    # Application Auto Scaling API Reference, DeregisterScalableTarget: ObjectNotFoundException (HTTP 400).
    error = ClientError(
        {"Error": {"Code": "ObjectNotFoundException", "Message": "No scalable target registered"}},
        "DeregisterScalableTarget",
    )
    assert isinstance(translate(error, "application-autoscaling"), NotFound)


def test_given_a_missing_training_job_then_the_event_path_reads_it_as_gone() -> None:
    sm = offline("sagemaker")
    with Stubber(sm) as stub:
        stub.add_client_error("describe_training_job", *MISSING_JOB, http_status_code=400)
        assert SageMakerTrainingAdapter(sm).training_job("gone") is None
        stub.assert_no_pending_responses()


def test_given_restored_names_probed_then_a_free_name_answered_not_found_is_taken() -> None:
    sm = offline("sagemaker")
    with Stubber(sm) as stub:
        taken = {
            "TrainingJobName": "bert-restored-1",
            "TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/bert-restored-1",
            "TrainingJobStatus": "Completed",
            "ModelArtifacts": {"S3ModelArtifacts": "s3://b/m"},
            "AlgorithmSpecification": {"TrainingInputMode": "File"},
            "ResourceConfig": {"VolumeSizeInGB": 1},
            "StoppingCondition": {},
            "CreationTime": "2026-01-01T00:00:00Z",
            "SecondaryStatus": "Completed",
        }
        stub.add_response("describe_training_job", taken, {"TrainingJobName": "bert-restored-1"})
        stub.add_client_error("describe_training_job", *MISSING_JOB, http_status_code=400)
        assert StopTrainingJob(SageMakerTrainingAdapter(sm)).new_name("bert") == "bert-restored-2"
        stub.assert_no_pending_responses()


def test_given_any_other_error_on_the_name_probe_then_it_is_raised_not_taken_for_free() -> None:
    sm = offline("sagemaker")
    with Stubber(sm) as stub:
        stub.add_client_error("describe_training_job", "InternalFailure", "oops", http_status_code=500)
        with pytest.raises(AwsError) as raised:
            StopTrainingJob(SageMakerTrainingAdapter(sm)).new_name("bert")
        assert not isinstance(raised.value, NotFound)


@pytest.mark.parametrize("operation", ["describe_endpoint", "describe_endpoint_config"])
def test_given_a_missing_endpoint_or_config_then_the_endpoint_adapter_says_none(operation: str) -> None:
    sm = offline("sagemaker")
    with Stubber(sm) as stub:
        if operation == "describe_endpoint_config":
            stub.add_client_error(
                operation,
                "ValidationException",
                # aws/amazon-sagemaker-examples #2339
                'Could not find endpoint configuration "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/c".',
            )
            assert SageMakerAdapter(sm).endpoint_config("c") is None
        else:
            stub.add_client_error(operation, *MISSING_ENDPOINT)
            assert SageMakerAdapter(sm).endpoint("gone", {}) is None


def test_given_a_second_delete_of_an_endpoint_then_it_is_not_found() -> None:
    sm = offline("sagemaker")
    with Stubber(sm) as stub:
        stub.add_client_error("delete_endpoint", *MISSING_ENDPOINT)
        with pytest.raises(NotFound):
            SageMakerAdapter(sm).delete_endpoint("gone")


def test_given_deregistering_a_target_already_gone_then_it_is_not_found() -> None:
    aas = offline("application-autoscaling")
    with Stubber(aas) as stub:
        stub.add_client_error(
            "deregister_scalable_target", "ObjectNotFoundException", "No scalable target registered for ..."
        )
        with pytest.raises(NotFound):
            AutoScalingAdapter(aas).deregister("ep", "AllTraffic")
