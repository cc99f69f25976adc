"""API calls per sweep at a small scale (issue 9): deterministic counts against the lower bound, through
the real handlers. docs/PERFORMANCE.md has the full-scale figures (make bench), these pin the shape.

Seeding reuses the bench's (tools/bench/seed.py); its simulator shims are RunningTrainingJobs
(moto_jobs_finish_at_once, moto_has_no_stop_training_job), backdate, and the tagging and Search shims
installed by the ``aws`` fixture (moto_tagging_*, moto_sagemaker_tagging_breaks,
moto_search_ignores_max_results).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ecoguard.errors import AccessDenied
from tests.conftest import Stack, fail_calls, load_event, record_calls
from tools.bench import seed
from tools.simulator.training_jobs import RunningTrainingJobs


@pytest.fixture
def stop_shim() -> Iterator[None]:
    with RunningTrainingJobs.install():
        yield


def test_given_150_in_progress_jobs_when_enforce_sweeps_then_metrics_are_read_per_page_not_per_job(
    stack: Stack, stop_shim: None
) -> None:
    seed.seed_training_jobs(150, seed.now_utc())
    calls = record_calls("sagemaker", "cloudwatch", "resourcegroupstaggingapi")
    [result] = stack.invoke(
        "TrainingGuardFunction", load_event("training_guard/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"}
    )
    assert result["finished"] is True and result["applied"] == 45  # the idle GPU jobs and the 3 % CPU job
    # Per 10 jobs: 5 one-host GPU, 2 two-host GPU, 1 in warm-up (not measured), 1 CPU, 1 exempt GPU.
    queries = [q for op, p in calls.params if op == "GetMetricData" for q in p["MetricDataQueries"]]
    # Each host twice: its Maximum and its SampleCount (guardrails/training_guard.py, rule 5a).
    assert len(queries) == 2 * 15 * (5 + 4 + 1 + 1)
    assert dict(calls.calls) == {
        "Search": 2,  # ceil(150 / 100): filtered on status server-side, each record with instances and tags
        "ListHyperParameterTuningJobs": 1,
        "DescribeTrainingJob": 45,  # only the jobs stopped: fresh state (the index can lag), the restore config
        "ListTags": 45,  # only the jobs stopped: their tags now, for the restore and a fresh exempt check
        "GetMetricData": 4,  # two pages x two metrics (GPU, CPU)
        "StopTrainingJob": 45,
    }
    assert all(len(p["MetricDataQueries"]) <= 500 for op, p in calls.params if op == "GetMetricData")
    stopped = {p["TrainingJobName"] for op, p in calls.params if op == "StopTrainingJob"}
    tags_read = [p["ResourceArn"].rsplit("/", 1)[1] for op, p in calls.params if op == "ListTags"]
    described = [p["TrainingJobName"] for op, p in calls.params if op == "DescribeTrainingJob"]
    assert sorted(tags_read) == sorted(stopped), "ListTags exactly once per stopped job, for no other job"
    assert sorted(described) == sorted(stopped), "DescribeTrainingJob exactly once per stopped job, for no other"


def test_given_150_notebooks_when_enforce_sweeps_then_calls_meet_the_lower_bound(stack: Stack) -> None:
    seed.seed_notebooks(150)
    calls = record_calls("sagemaker", "cloudwatch", "resourcegroupstaggingapi")
    [result] = stack.invoke(
        "IdleNotebookFunction", load_event("idle_notebook/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"}
    )
    assert result["finished"] is True
    # Per 10: 4 busy, 4 idle (stopped), 1 without the activity configuration, 1 exempt and idle (skipped).
    assert result["applied"] == 60 and result["skipped"] == 15
    # ListNotebookInstances (100 a page), then GetResources (100 a page) per governing key (ecoguard:exempt,
    # ecoguard:idle-hours) and per attribution key of the bundled policy (team, cost-center: none tagged here).
    listings = 2 + (1 + 1) + (1 + 1)
    metric_calls = 2  # one per listing page: the sweep resumes page by page (lower bound alone: 1)
    assert dict(calls.calls) == {
        "ListNotebookInstances": 2,
        "GetResources": 4,
        "GetMetricData": 2,
        "StopNotebookInstance": 60,
    }
    assert sum(calls.calls.values()) == listings + metric_calls + 60
    assert "ListTags" not in calls.calls


def test_given_the_tag_listing_is_denied_then_the_notebook_sweep_fails_and_stops_nothing(stack: Stack) -> None:
    seed.seed_notebooks(20)
    injected = fail_calls("resourcegroupstaggingapi", "GetResources", "AccessDeniedException")
    calls = record_calls("sagemaker")
    with pytest.raises(AccessDenied, match="GetResources"):
        stack.invoke(
            "IdleNotebookFunction", load_event("idle_notebook/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"}
        )
    # The listings of the four keys (two governing, two attribution) go side by side: each one started is
    # refused, and those not started when the first refusal is taken are not made.
    assert 1 <= injected["GetResources"] <= 4
    assert "StopNotebookInstance" not in calls.calls
    assert stack.records() == []


def test_given_100_endpoints_when_enforce_sweeps_then_only_those_without_traffic_are_described(stack: Stack) -> None:
    seed.seed_endpoints(100, seed.now_utc())
    calls = record_calls("sagemaker", "cloudwatch", "resourcegroupstaggingapi")
    [result] = stack.invoke(
        "IdleEndpointFunction", load_event("idle_endpoint/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"}
    )
    assert result["finished"] is True
    # Per 20, two variants each: 8 busy, 8 idle, 2 new, 1 exempt and idle, 1 idle with its own 48 h window.
    assert (result["applied"], result["skipped"], result["compliant"]) == (45, 5, 50)
    assert dict(calls.calls) == {
        "ListEndpoints": 1,
        "GetResources": 1,  # every tagged endpoint, all its tags
        "ListMetrics": 1,  # the 80 (EndpointName, VariantName) pairs with data: the 40 busy endpoints
        "ListInferenceComponents": 1,  # some endpoint had traffic: which ones host components
        "GetMetricData": 3,  # the listed pairs (24 h); the candidates' variants, 24 h and 48 h windows
        "DescribeEndpoint": 60,  # the 60 endpoints without traffic; none of the 40 busy ones
        "DescribeEndpointConfig": 60,
        "AddTags": 45,  # the idle marks
    }
    queries = [len(p["MetricDataQueries"]) for op, p in calls.params if op == "GetMetricData"]
    assert sorted(queries) == [10, 80, 110]
