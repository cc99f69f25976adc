"""The bench's floor (issue 9): the lower bound plus the reads an API's shape or a safety rule requires,
counted from the seeded truth and the outcomes, never from the calls made, so a wasted read shows."""

from __future__ import annotations

from typing import Any

from tools.bench import figures


def storage_sweep(lifecycle_reads: int) -> dict[str, Any]:
    return {
        "truth": {"listed": 20, "exempt_tagged": 1},
        "outcomes": {"applied": 19, "evaluated": 20},
        "metric_queries": 0,
        "calls": {
            "s3:ListBuckets": 1,
            "s3:GetBucketTagging": 19,  # each bucket written, read last
            "s3:GetBucketVersioning": 19,
            "s3:GetBucketLifecycleConfiguration": lifecycle_reads,
            "s3:ListBucketIntelligentTieringConfigurations": 19,
            "s3:PutBucketLifecycleConfiguration": 19,
            "dynamodb:PutItem": 40,
        },
    }


def test_given_a_storage_sweep_reading_each_bucket_once_then_it_is_at_the_floor() -> None:
    sweep = storage_sweep(lifecycle_reads=19)
    found = figures.floor("StorageLifecycleFunction", sweep)
    assert found["bound"] == 1 + 19 + 19 + 19 + 19 + 19  # listing, writes, then the required reads
    assert found["excess"] == {}
    assert sum(figures.governed(sweep["calls"]).values()) == found["bound"]


def test_given_a_storage_sweep_reading_again_a_moment_later_before_each_write_then_the_reread_is_excess() -> None:
    # Issue 20: a second read milliseconds after the first narrows no race (ecoguard.confirm.FRESH_FOR).
    found = figures.floor("StorageLifecycleFunction", storage_sweep(lifecycle_reads=19 + 19))
    assert found["excess"] == {"s3:GetBucketLifecycleConfiguration": 19}


def test_given_a_sweep_that_reads_one_bucket_twice_too_often_then_the_excess_is_reported() -> None:
    found = figures.floor("StorageLifecycleFunction", storage_sweep(lifecycle_reads=19 + 2))
    assert found["excess"] == {"s3:GetBucketLifecycleConfiguration": 2}


def test_bookkeeping_goal_is_a_tenth_of_the_changes_plus_one_a_page() -> None:
    sweep = storage_sweep(lifecycle_reads=19)
    assert figures.changes(sweep) == 19
    assert figures.bookkeeping_goal("StorageLifecycleFunction", sweep) == 1.9 + 1


def test_given_a_training_sweep_describing_every_listed_job_then_the_reads_of_jobs_not_stopped_are_excess() -> None:
    sweep = {
        "truth": {"listed": 10, "exempt_tagged": 1},
        "outcomes": {"applied": 3, "evaluated": 10},
        "metric_queries": 20,
        "calls": {
            "sagemaker:Search": 1,
            "sagemaker:ListHyperParameterTuningJobs": 1,
            "sagemaker:DescribeTrainingJob": 10,
            "sagemaker:ListTags": 10,
            "cloudwatch:GetMetricData": 1,
            "sagemaker:StopTrainingJob": 3,
        },
    }
    found = figures.floor("TrainingGuardFunction", sweep)
    assert found["excess"] == {"sagemaker:DescribeTrainingJob": 7, "sagemaker:ListTags": 7}
    assert found["required"]["sagemaker:DescribeTrainingJob"]["count"] == 3
    assert found["required"]["sagemaker:ListTags"]["count"] == 3
    assert figures.listings("TrainingGuardFunction", sweep) == 1 + 1  # one Search page, the tuning listing


def test_given_a_training_sweep_reading_only_the_jobs_it_stops_then_it_is_at_the_floor() -> None:
    sweep: dict[str, Any] = {
        "truth": {"listed": 250, "exempt_tagged": 25},
        "outcomes": {"applied": 75, "evaluated": 250},
        "metric_queries": 400,
        "calls": {
            "sagemaker:Search": 3,
            "sagemaker:ListHyperParameterTuningJobs": 1,
            "sagemaker:DescribeTrainingJob": 75,
            "sagemaker:ListTags": 75,
            "cloudwatch:GetMetricData": 1,
            "sagemaker:StopTrainingJob": 75,
        },
    }
    found = figures.floor("TrainingGuardFunction", sweep)
    assert found["excess"] == {}
    assert found["bound"] == (3 + 1) + 1 + 75 + 75 + 75  # Search pages + tuning, metrics, stops, reads
    assert sum(figures.governed(sweep["calls"]).values()) == found["bound"]


def test_every_required_read_is_named_as_the_bench_counts_calls_by_signing_name_and_operation() -> None:
    import boto3

    session = boto3.session.Session(region_name="us-east-1")
    signing = {
        session.client(service).meta.service_model.signing_name: session.client(service).meta.service_model
        for service in ("s3", "sagemaker", "cloudwatch", "resourcegroupstaggingapi", "logs")
    }
    for function, reads in figures.REQUIRED_READS.items():
        for op, _, _ in reads:
            prefix, operation = op.split(":", 1)
            assert prefix in signing, f"{function}: {op} is not named by signing name"
            assert operation in signing[prefix].operation_names, f"{function}: {op} is no such operation"


def test_given_a_serving_advisor_sweep_of_1000_endpoints_then_metric_calls_count_against_their_bound() -> None:
    sweep = {
        "truth": {"listed": 1000, "exempt_tagged": 50},
        "outcomes": {"applied": 0, "evaluated": 1000},
        "metric_queries": 950 * 4,
        "calls": {
            "sagemaker:ListEndpoints": 10,
            "tagging:GetResources": 1,
            "sagemaker:DescribeEndpoint": 950,
            "sagemaker:DescribeEndpointConfig": 950,
            "sagemaker:DescribeModel": 1,
            "monitoring:GetMetricData": 10,
        },
    }
    bound = figures.lower_bound("ServingAdvisorFunction", sweep)
    assert bound == {"listings": 10 + 1, "metric_calls": 8, "writes": 0, "bound": 19}
    found = figures.floor("ServingAdvisorFunction", sweep)
    assert found["excess"] == {}
    assert found["bound"] == 19 + 950 + 950 + 1


def test_the_log_group_and_notebook_sweeps_list_each_attribution_key_once() -> None:
    # One tagging listing per governing key and per cost-allocation key (report.attribution_tags), 100 a page.
    logs = {
        "truth": {"listed": 1000, "exempt_tagged": 50, "retention_tagged": 150, "attribution_tagged:team": 250,
                  "attribution_tagged:cost-center": 0},
        "outcomes": {"applied": 0, "evaluated": 1001},
    }  # fmt: skip
    assert figures.listings("LogRetentionFunction", logs) == 21 + 1 + 2 + (3 + 1)
    notebooks = {
        "truth": {"listed": 150, "exempt_tagged": 15, "attribution_tagged:team": 0,
                  "attribution_tagged:cost-center": 0},
        "outcomes": {"applied": 60, "evaluated": 150},
    }  # fmt: skip
    assert figures.listings("IdleNotebookFunction", notebooks) == 2 + 1 + 1 + (1 + 1)
    without = {"truth": {"listed": 150, "exempt_tagged": 15}, "outcomes": {"applied": 60, "evaluated": 150}}
    assert figures.listings("IdleNotebookFunction", without) == 2 + 1 + 1, "no attribution key: no listing"


def test_the_bench_seeds_record_the_bundled_policys_attribution_keys() -> None:
    from ecoguard.policy import build_policy
    from tools.bench import seed

    assert seed.ATTRIBUTION_KEYS == tuple(build_policy().report.attribution_tags) == ("team", "cost-center")
