"""The Studio and idle-compute adapters against botocore Stubbers: the requests they send, and the errors
SageMaker documents mapped to ecoguard's."""

from __future__ import annotations

from datetime import UTC, datetime

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
        assert StudioAdapter(sagemaker).app_status("d-abc", "user/carol", "Canvas", "default") is None


def test_a_canvas_app_in_a_private_space_is_deleted_and_created_again_by_its_space_name() -> None:
    # DeleteApp and CreateApp take SpaceName for an app in a space (SageMaker API reference).
    sagemaker = offline("sagemaker")
    app = {"DomainId": "d-abc", "AppType": "Canvas", "AppName": "default", "SpaceName": "carol-canvas"}
    with Stubber(sagemaker) as stub:
        stub.add_response("delete_app", {}, app)
        stub.add_response("create_app", {"AppArn": "arn:aws:sagemaker:us-east-1:1:app/x"}, app)
        StudioAdapter(sagemaker).delete_app("d-abc", "space/carol-canvas", "Canvas", "default")
        StudioAdapter(sagemaker).create_app("d-abc", "space/carol-canvas", "Canvas", "default")


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


def test_an_empty_warm_pool_page_with_a_token_is_not_the_end_of_the_listing() -> None:
    # ListTrainingJobs: a page may hold fewer matches than MaxResults, or none, while NextToken says more follow
    # (SageMaker API reference, ListTrainingJobs, NextToken).
    sagemaker = offline("sagemaker")
    arn = "arn:aws:sagemaker:us-east-1:123456789012:training-job/bert"
    summary = {
        "TrainingJobName": "bert",
        "TrainingJobArn": arn,
        "CreationTime": datetime(2026, 3, 4, tzinfo=UTC),
        "TrainingJobStatus": "Completed",
        "WarmPoolStatus": {"Status": "Available"},
    }
    with Stubber(sagemaker) as stub:
        asked = {"WarmPoolStatusEquals": "Available", "MaxResults": 100}
        stub.add_response("list_training_jobs", {"TrainingJobSummaries": [], "NextToken": "t1"}, asked)
        stub.add_response("list_training_jobs", {"TrainingJobSummaries": [summary]}, {**asked, "NextToken": "t1"})
        adapter = ComputeAdapter(sagemaker)
        first = adapter.warm_pool_page(None)
        assert first.items == [] and first.next_token == "t1"
        last = adapter.warm_pool_page(first.next_token)
    assert last.items == ["bert"] and last.next_token is None


def test_a_tracking_server_that_no_longer_exists_reads_as_gone() -> None:
    # DescribeMlflowTrackingServer documents ResourceNotFound (SageMaker API reference).
    sagemaker = offline("sagemaker")
    with Stubber(sagemaker) as stub:
        stub.add_client_error("describe_mlflow_tracking_server", "ResourceNotFound", "not found")
        assert ComputeAdapter(sagemaker).server_state("gone") is None


def test_a_tracking_server_never_stopped_reads_as_created_and_active() -> None:
    # DescribeMlflowTrackingServer: TrackingServerStatus is "the current creation status"; IsActive says
    # whether it runs (SageMaker API reference; IsTrackingServerActive: Active | Inactive).
    sagemaker = offline("sagemaker")
    arn = "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/team"
    with Stubber(sagemaker) as stub:
        stub.add_response(
            "describe_mlflow_tracking_server",
            {"TrackingServerArn": arn, "TrackingServerStatus": "Created", "IsActive": "Active"},
            {"TrackingServerName": "team"},
        )
        stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": arn, "MaxResults": 50})
        server = ComputeAdapter(sagemaker).server("team")
    assert server is not None and (server.status, server.active) == ("Created", "Active")


def test_a_cluster_reads_its_restricted_groups_and_its_flexible_groups_per_instance_type() -> None:
    # DescribeCluster's response as the SageMaker API reference documents it: InstanceGroups (one flexible,
    # by InstanceRequirements and InstanceTypeDetails) and RestrictedInstanceGroups.
    sagemaker = offline("sagemaker")
    arn = "arn:aws:sagemaker:us-east-1:123456789012:cluster/abc123"
    flexible = {
        "InstanceGroupName": "workers",
        "CurrentCount": 3,
        "TargetCount": 3,
        "InstanceRequirements": {"CurrentInstanceTypes": ["ml.g5.12xlarge", "ml.g5.48xlarge"]},
        "InstanceTypeDetails": [
            {"InstanceType": "ml.g5.12xlarge", "CurrentCount": 2},
            {"InstanceType": "ml.g5.48xlarge", "CurrentCount": 1},
        ],
    }
    restricted = {"InstanceGroupName": "nova", "InstanceType": "ml.p5.48xlarge", "CurrentCount": 2, "TargetCount": 2}
    with Stubber(sagemaker) as stub:
        stub.add_response(
            "describe_cluster",
            {
                "ClusterArn": arn,
                "ClusterStatus": "InService",
                "InstanceGroups": [flexible],
                "RestrictedInstanceGroups": [restricted],
            },
            {"ClusterName": "llm"},
        )
        cluster = ComputeAdapter(sagemaker).cluster("llm")
    assert cluster is not None
    workers, nova = cluster.groups
    assert workers.by_type == (("ml.g5.12xlarge", 2), ("ml.g5.48xlarge", 1)) and workers.current_count == 3
    assert workers.instance_type == "ml.g5.12xlarge|ml.g5.48xlarge"
    assert (nova.restricted, nova.current_count, nova.instance_type) == (True, 2, "ml.p5.48xlarge")
