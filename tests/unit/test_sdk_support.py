"""The SDK in Lambda (issue 16, item 1.9): an S3 client built from an older botocore model, without ListBuckets
``MaxBuckets``/``BucketRegion`` and the lifecycle ``TransitionDefaultMinimumObjectSize``.

Sent anyway, such a parameter makes botocore raise ``ParamValidationError`` ("Unknown parameter in input")
before any request, which is not a ``ClientError`` and which no ecoguard handler would catch. S3Adapter asks
the client's service model first: it then neither sends the parameter nor writes a configuration that would
reset the owner's setting (S3 API reference, PutBucketLifecycleConfiguration: without the header, S3 applies
its default minimum object size).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.exceptions import ParamValidationError
from botocore.stub import Stubber

from ecoguard.adapters.s3 import S3Adapter
from ecoguard.adapters.sdk_support import SDK_TOO_OLD, SdkTooOld, accepts, gaps, unsupported
from ecoguard.guardrails.storage_lifecycle import BucketConfig
from tests.builders.older_sdk import older_logs_models, older_s3_models, older_sagemaker_models

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

RULE = {"ID": "ecoguard-abort-multipart", "Filter": {"Prefix": ""}, "Status": "Enabled"}
ABORT = {**RULE, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}


def s3_client() -> S3Client:
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
    return session.client("s3")


@pytest.fixture
def older(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> S3Client:
    older_s3_models(tmp_path, monkeypatch)
    return s3_client()


def test_given_the_installed_sdk_then_it_accepts_every_parameter_ecoguard_sends() -> None:
    current = s3_client()
    assert accepts(current, "ListBuckets", "MaxBuckets", "BucketRegion", "ContinuationToken")
    assert accepts(current, "PutBucketLifecycleConfiguration", "TransitionDefaultMinimumObjectSize")


def test_given_an_older_model_then_sending_the_new_parameters_raises_param_validation_error(older: S3Client) -> None:
    assert not accepts(older, "ListBuckets", "MaxBuckets")
    assert not accepts(older, "PutBucketLifecycleConfiguration", "TransitionDefaultMinimumObjectSize")
    # Raised while the request is built, before anything is sent (no Stubber: it would answer first).
    with pytest.raises(ParamValidationError, match='Unknown parameter in input: "MaxBuckets"'):
        older.list_buckets(MaxBuckets=10_000, BucketRegion="us-east-1")


def test_given_an_older_model_then_the_listing_is_refused_without_a_call(older: S3Client) -> None:
    # The Stubber has no responses: any call would fail the test (UnStubbedResponseError).
    with Stubber(older), pytest.raises(SdkTooOld) as refused:
        S3Adapter(older, "us-east-1").page(None)
    assert refused.value.code == SDK_TOO_OLD and "MaxBuckets, BucketRegion" in str(refused.value)


def test_given_an_older_model_and_an_owner_configuration_then_it_is_not_written_back(older: S3Client) -> None:
    owner = {"Rules": [{"ID": "mine", "Filter": {"Prefix": "x/"}, "Status": "Enabled", "Expiration": {"Days": 9}}]}
    target = {"Rules": [*owner["Rules"], ABORT]}
    with Stubber(older), pytest.raises(SdkTooOld, match="could reset the owner's minimum object size"):
        S3Adapter(older, "us-east-1").write("b", BucketConfig(owner), BucketConfig(target))


def test_given_an_older_model_and_no_configuration_yet_then_the_new_one_is_written(older: S3Client) -> None:
    with Stubber(older) as stub:
        stub.add_response(
            "put_bucket_lifecycle_configuration",
            {},
            {"Bucket": "b", "LifecycleConfiguration": {"Rules": [ABORT]}},
        )
        S3Adapter(older, "us-east-1").write("b", BucketConfig(None), BucketConfig({"Rules": [ABORT]}))
        stub.assert_no_pending_responses()


def test_given_a_sagemaker_model_without_is_active_and_idle_settings_then_each_guardrail_part_names_its_gap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A botocore that predates DescribeMlflowTrackingServer's IsActive and the app settings'
    # AppLifecycleManagement (SageMaker API reference) would parse them away from every response.
    older_sagemaker_models(
        tmp_path,
        monkeypatch,
        drop={"DescribeMlflowTrackingServerResponse": "IsActive", "JupyterLabAppSettings": "AppLifecycleManagement"},
    )
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
    older = session.client("sagemaker")
    assert gaps(older, "idle-compute") == {"tracking-server": ("DescribeMlflowTrackingServerResponse.IsActive",)}
    assert gaps(older, "studio-idle") == {"idle-shutdown": ("JupyterLabAppSettings.AppLifecycleManagement",)}
    monkeypatch.delenv("AWS_DATA_PATH")
    current = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
    assert gaps(current.client("sagemaker"), "idle-compute") == {}


def test_given_a_logs_model_without_retention_policy_name_and_class_then_log_retention_names_both_gaps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CloudWatch Logs API reference, LogGroup: retentionPolicyName (returned only when an account-level retention
    # policy applies) and logGroupClass; a botocore whose model predates them parses them away.
    older_logs_models(tmp_path, monkeypatch, drop={"LogGroup": ("retentionPolicyName", "logGroupClass")})
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
    assert gaps(session.client("logs"), "log-retention") == {
        "account-policy": ("LogGroup.retentionPolicyName",),
        "log-class": ("LogGroup.logGroupClass",),
    }


def test_a_missing_operation_counts_as_unsupported() -> None:
    s3 = s3_client()
    assert unsupported(s3, (("s3", "NoSuchOperationResponse", "Anything"),)) == ("NoSuchOperationResponse.Anything",)
    assert unsupported(s3, (("sagemaker", "Elsewhere", "X"),)) == (), "another service's needs are not this client's"
