"""A training job that no longer exists, as AWS says so: DescribeTrainingJob answers ValidationException
"Requested resource not found." (aws/aws-sdk #165; aws/amazon-sagemaker-examples #2360), where moto says
"Could not find training job". The event path reads it as gone: nothing recorded, nothing failed."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ecoguard.adapters.clients import client
from tests.builders.training_guard import state_change
from tests.conftest import Stack, record_calls


def test_given_an_event_for_a_job_aws_answers_not_found_then_nothing_is_recorded_or_failed(stack: Stack) -> None:
    def aws_answers(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "ValidationException", "Message": "Requested resource not found."}},
            "DescribeTrainingJob",
        )

    client("sagemaker").meta.events.register("before-call.sagemaker.DescribeTrainingJob", aws_answers)
    calls = record_calls("sagemaker", "cloudwatch")
    [result] = stack.invoke("TrainingGuardFunction", state_change("gone-job"), env={"ECOGUARD_MODE": "enforce"})
    assert calls.calls["DescribeTrainingJob"] == 1
    assert not result.get("failed") and not result.get("applied")
    assert stack.records() == [], "gone: neither evaluated nor recorded as failed"
