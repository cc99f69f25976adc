"""The Studio and idle-compute adapters against botocore Stubbers: the requests they send, and the errors
SageMaker documents mapped to ecoguard's."""

from __future__ import annotations

from botocore.stub import Stubber

from ecoguard.adapters.sagemaker_compute import ComputeAdapter
from ecoguard.adapters.sagemaker_studio import StudioAdapter
from tests.builders.clients import offline

LAB = {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}, "AppLifecycleManagement": {"IdleSettings": {}}}


def test_update_defaults_sends_each_app_settings_object_whole_under_its_member_and_nothing_else() -> None:
    sagemaker = offline("sagemaker")
    with Stubber(sagemaker) as stub:
        stub.add_response(
            "update_domain",
            {"DomainArn": "arn:aws:sagemaker:us-east-1:123456789012:domain/d-abc"},
            {
                "DomainId": "d-abc",
                "DefaultUserSettings": {"JupyterLabAppSettings": LAB},
                "DefaultSpaceSettings": {"JupyterLabAppSettings": LAB},
            },
        )
        StudioAdapter(sagemaker).update_defaults(
            "d-abc",
            {"DefaultUserSettings.JupyterLabAppSettings": LAB, "DefaultSpaceSettings.JupyterLabAppSettings": LAB},
        )
        stub.assert_no_pending_responses()


def test_a_domain_sagemaker_no_longer_knows_reads_as_gone() -> None:
    # DescribeDomain documents ResourceNotFound (SageMaker API reference).
    sagemaker = offline("sagemaker")
    with Stubber(sagemaker) as stub:
        stub.add_client_error("describe_domain", "ResourceNotFound", "Domain d-gone not found")
        assert StudioAdapter(sagemaker).domain("d-gone") is None


def test_a_canvas_app_sagemaker_forgot_has_no_status() -> None:
    sagemaker = offline("sagemaker")
    with Stubber(sagemaker) as stub:
        stub.add_client_error("describe_app", "ResourceNotFound", "App does not exist")
        assert StudioAdapter(sagemaker).app_status("d-abc", "carol", "Canvas", "default") is None


def test_end_warm_pool_sends_a_keep_alive_of_zero_and_nothing_else() -> None:
    sagemaker = offline("sagemaker")
    with Stubber(sagemaker) as stub:
        stub.add_response(
            "update_training_job",
            {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/bert"},
            {"TrainingJobName": "bert", "ResourceConfig": {"KeepAlivePeriodInSeconds": 0}},
        )
        ComputeAdapter(sagemaker).end_warm_pool("bert")
        stub.assert_no_pending_responses()


def test_the_warm_pool_listing_asks_only_for_available_pools_a_page_at_a_time() -> None:
    sagemaker = offline("sagemaker")
    with Stubber(sagemaker) as stub:
        stub.add_response(
            "list_training_jobs",
            {"TrainingJobSummaries": [], "NextToken": "next"},
            {"WarmPoolStatusEquals": "Available", "MaxResults": 100},
        )
        page = ComputeAdapter(sagemaker).warm_pool_page(None)
        assert page.items == [] and page.next_token == "next"


def test_a_tracking_server_that_no_longer_exists_reads_as_gone() -> None:
    # DescribeMlflowTrackingServer documents ResourceNotFound (SageMaker API reference).
    sagemaker = offline("sagemaker")
    with Stubber(sagemaker) as stub:
        stub.add_client_error("describe_mlflow_tracking_server", "ResourceNotFound", "not found")
        assert ComputeAdapter(sagemaker).server_status("gone") is None
