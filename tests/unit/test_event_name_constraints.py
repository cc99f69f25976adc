"""Names and ids taken from events meet AWS's constraints before any call (defects the fuzz suite found:
a 300,000-character event id broke the audit write, whose sort key DynamoDB limits to 1024 bytes; a bucket
name ":" raised botocore's ParamValidationError instead of a rejection)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ecoguard.events import MAX_EVENT_ID, EventError, parse_event
from ecoguard.events.cloudtrail import bucket_of_event, created_log_group
from ecoguard.events.sagemaker import in_service_endpoint, parse_training_event
from tests.conftest import load_event


def with_detail(relative: str, **fields: Any) -> dict[str, Any]:
    event = copy.deepcopy(load_event(relative))
    event["detail"].update(fields)
    return event


def test_given_an_event_id_longer_than_the_limit_then_it_is_malformed_naming_the_field() -> None:
    event = load_event("log_retention/scheduled-sweep.json")
    assert parse_event(event | {"id": "a" * MAX_EVENT_ID}).id
    with pytest.raises(EventError, match="field id"):
        parse_event(event | {"id": "a" * (MAX_EVENT_ID + 1)})


@pytest.mark.parametrize("name", [":", "a" * 256, "bucket name", "日本"])
def test_given_a_bucket_name_s3_would_refuse_then_the_event_is_malformed(name: str) -> None:
    event = with_detail("storage_lifecycle/cloudtrail-createbucket.json")
    event["detail"]["requestParameters"]["bucketName"] = name
    with pytest.raises(EventError, match=r"requestParameters\.bucketName"):
        bucket_of_event(parse_event(event))


@pytest.mark.parametrize("name", ["/aws/lambda/a b", "/aws/lambda/\u00e9", "x" * 513])
def test_given_a_log_group_name_cloudwatch_logs_would_refuse_then_the_event_is_malformed(name: str) -> None:
    event = with_detail("log_retention/cloudtrail-createloggroup.json")
    event["detail"]["requestParameters"]["logGroupName"] = name
    with pytest.raises(EventError, match=r"requestParameters\.logGroupName"):
        created_log_group(parse_event(event))


@pytest.mark.parametrize("name", ["-leading-dash", "under_score", "a" * 64, ""])
def test_given_an_endpoint_or_training_job_name_sagemaker_would_refuse_then_the_event_is_malformed(name: str) -> None:
    endpoint = with_detail("idle_endpoint/sagemaker-endpoint-state-change-api-status.json", EndpointName=name)
    with pytest.raises(EventError, match=r"detail\.EndpointName"):
        in_service_endpoint(parse_event(endpoint))
    job = with_detail("training_guard/training-job-state-change.json", TrainingJobName=name)
    with pytest.raises(EventError, match=r"detail\.TrainingJobName"):
        parse_training_event(parse_event(job))


def test_given_valid_names_then_they_pass() -> None:
    assert bucket_of_event(parse_event(load_event("storage_lifecycle/cloudtrail-createbucket.json")))
    assert created_log_group(parse_event(load_event("log_retention/cloudtrail-createloggroup.json")))
    assert in_service_endpoint(parse_event(load_event("idle_endpoint/sagemaker-endpoint-state-change-api-status.json")))
    assert parse_training_event(parse_event(load_event("training_guard/training-job-state-change.json")))
