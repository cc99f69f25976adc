"""TrainingGuardFunction end to end: the handler from template.yaml, on a simulated account.

moto 5.2.5 gaps met here, each covered by the named shim in tools/simulator/training_jobs.py:

- ``moto_jobs_finish_at_once``: training jobs are Completed the moment they are created, so no
  job would ever be InProgress. ``RunningTrainingJobs.start`` holds them in progress.
- ``moto_has_no_stop_training_job``: StopTrainingJob is not implemented. ``RunningTrainingJobs.install``
  adds it (InProgress -> Stopping; any other status -> ValidationException, as AWS answers).
- GetMetricData ignores the namespace when dimensions are given, and does not enforce 500
  queries a call: the namespace of every query is asserted from the recorded calls below, and
  the limit in ``MetricsAdapter`` (tests/unit/test_metrics_adapter.py).
- ``moto_search_ignores_max_results``: moto's Search answers every match at once; the shim
  (tools/simulator/search_shim.py, installed by the ``aws`` fixture) pages it by MaxResults and
  NextToken, as AWS does. moto's Search filters on ``TrainingJobStatus`` against the job as it is now,
  so the jobs ``RunningTrainingJobs.start`` holds in progress are the ones it finds.
- ``search_index_lag`` (below): Search's index is eventually consistent, moto's is always current. The
  shim changes a job (finished, or tagged) while every Search still shows the record it had before.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from moto.sagemaker.models import sagemaker_backends

from ecoguard.adapters.clients import client
from ecoguard.decisions import Mode, Outcome
from ecoguard.errors import AccessDenied
from ecoguard.restore import restore, unit_for
from tests.builders.restore_checks import account_checks
from tests.builders.training_guard import ALL_JOBS, EPOCH_EVENT, sagemaker, state_change, statuses
from tests.conftest import ACCOUNT, REGION, Stack, assert_rejected, event_files, fail_calls, load_event, record_calls
from tools.simulator.training_jobs import RunningTrainingJobs, SeededJob, seed_training_jobs

FN = "TrainingGuardFunction"
SWEEP = "training_guard/scheduled-sweep.json"
ISO_EVENT = "training_guard/training-job-state-change-iso.json"

SHOULD_STOP = {"resnet-idle", "xgboost-cpu"}


@pytest.fixture
def running(stack: Stack) -> Iterator[RunningTrainingJobs]:
    with RunningTrainingJobs.install():
        yield seed_training_jobs(ALL_JOBS, datetime.now(UTC))


@pytest.mark.parametrize(
    "path", sorted(Path(p) for p in event_files() if p.parent.name == "training_guard"), ids=lambda p: p.name
)
def test_given_each_sample_event_when_invoked_in_dry_run_then_it_succeeds_and_stops_nothing(
    running: RunningTrainingJobs, stack: Stack, path: Path
) -> None:
    before = statuses()
    calls = record_calls("sagemaker")
    [result] = stack.invoke(FN, json.loads(path.read_text()), env={"ECOGUARD_MODE": "dry-run"})
    assert statuses() == before
    assert result["mode"] == "dry-run"
    assert "StopTrainingJob" not in calls.calls


@pytest.mark.parametrize("path", [EPOCH_EVENT, ISO_EVENT])
def test_given_the_aws_authored_completed_events_in_both_timestamp_styles_then_they_are_accepted_and_not_guarded(
    stack: Stack, path: str
) -> None:
    calls = record_calls("sagemaker")
    [result] = stack.invoke(FN, load_event(path), env={"ECOGUARD_MODE": "enforce"})
    # A completed job goes to the model-card impact record, which finds no such job here.
    assert result["guardrail"] == "model-card-impact"
    assert result["evaluated"] == 0
    assert set(calls.calls) == {"DescribeTrainingJob"}, "a finished job is never stopped"


def test_given_enforce_sweeps_then_exactly_the_jobs_idle_after_warm_up_through_the_window_are_stopped(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    calls = record_calls("sagemaker", "cloudwatch")
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert result["finished"] is True
    after = statuses()
    assert {n for n, s in after.items() if s == "Stopping"} == SHOULD_STOP
    assert {n for n, s in after.items() if s == "InProgress"} == {j.name for j in ALL_JOBS} - SHOULD_STOP

    records = stack.records()
    applied = {r.resource.name: r for r in records if r.outcome is Outcome.APPLIED}
    assert set(applied) == SHOULD_STOP
    idle = applied["resnet-idle"]
    assert idle.before["utilization"]["host_means"] == {"resnet-idle/algo-1": 2.0, "resnet-idle/algo-2": 3.0}
    assert idle.before["utilization"]["threshold"] == 10
    assert idle.before["config"]["ResourceConfig"]["InstanceType"] == "ml.g5.12xlarge"
    assert applied["xgboost-cpu"].before["utilization"]["metric"] == "CPUUtilization"
    skipped = {r.resource.name: r.reason for r in records if r.outcome is Outcome.SKIPPED}
    assert skipped["idle-but-exempt"].startswith("tagged ecoguard:exempt=true")
    assert "unknown instance type 'ml.m4.xlarge'" in skipped["mystery-instance"]
    assert set(skipped) == {"idle-but-exempt", "mystery-instance"}

    # One listing page each; one GetMetricData for every host of the page's jobs to judge (busy, idle, cpu,
    # exempt, four-host): they share one window.
    assert calls.calls["Search"] == 1 and calls.calls["ListHyperParameterTuningJobs"] == 1
    assert "ListTrainingJobs" not in calls.calls
    listing = next(p for op, p in calls.params if op == "Search")
    assert listing["Resource"] == "TrainingJob" and listing["MaxResults"] == 100
    assert listing["SearchExpression"] == {
        "Filters": [{"Name": "TrainingJobStatus", "Operator": "Equals", "Value": "InProgress"}]
    }
    assert calls.calls["GetMetricData"] == 2, "one per metric (GPUUtilization, CPUUtilization), not per job"
    assert calls.calls["StopTrainingJob"] == 2
    queries = [q for op, p in calls.params if op == "GetMetricData" for q in p["MetricDataQueries"]]
    # moto ignores the namespace when dimensions are given; assert the one we send.
    assert {q["MetricStat"]["Metric"]["Namespace"] for q in queries} == {"/aws/sagemaker/TrainingJobs"}
    # Each host twice: its Maximum and its SampleCount (guardrails/training_guard.py, rule 5a).
    assert len(queries) == 2 * (1 + 2 + 1 + 1 + 4)
    assert {q["MetricStat"]["Stat"] for q in queries} == {"Maximum", "SampleCount"}


def test_given_dry_run_sweeps_then_nothing_is_stopped_and_each_would_stop_is_recorded(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    calls = record_calls("sagemaker")
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "dry-run"})
    assert set(statuses().values()) == {"InProgress"}
    assert "StopTrainingJob" not in calls.calls
    assert set(calls.calls) <= {
        "Search",
        "ListHyperParameterTuningJobs",
        "DescribeTrainingJob",
        "ListTags",
    }
    would = {r.resource.name for r in stack.records() if r.outcome is Outcome.WOULD_APPLY}
    assert would == SHOULD_STOP and result["would-apply"] == 2
    assert all(r.mode is Mode.DRY_RUN for r in stack.records())


def test_given_two_sweeps_then_findings_are_recorded_once_per_job_not_on_every_sweep(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "dry-run"})
    first = Counter((r.resource.name, r.action) for r in stack.records() if r.outcome is Outcome.FINDING)
    [again] = stack.invoke(FN, load_event(SWEEP) | {"id": "second-sweep"}, env={"ECOGUARD_MODE": "dry-run"})
    second = Counter((r.resource.name, r.action) for r in stack.records() if r.outcome is Outcome.FINDING)
    assert first == second and max(second.values()) == 1
    assert ("llm-finetune-busy", "finding:trainium-alternative") in second
    assert ("llm-finetune-busy", "finding:no-managed-spot") in second
    assert again.get("finding", 0) == 0 and again["duplicate"] >= len(first)


def test_given_an_in_progress_event_for_a_job_that_has_finished_then_nothing_is_done(stack: Stack) -> None:
    # Out of order: the InProgress event arrives after the job completed (moto's jobs are Completed at once).
    with RunningTrainingJobs.install():
        seed_training_jobs([SeededJob("late-event", "ml.g5.xlarge", 1, 120, (0.0,))], datetime.now(UTC))
        sagemaker().stop_training_job(TrainingJobName="late-event")
        calls = record_calls("sagemaker", "cloudwatch")
        [result] = stack.invoke(FN, state_change("late-event"), env={"ECOGUARD_MODE": "enforce"})
    assert calls.calls["DescribeTrainingJob"] == 1, "the state is confirmed before anything else"
    assert "StopTrainingJob" not in calls.calls and "GetMetricData" not in calls.calls
    assert result.get("applied", 0) == 0 and not stack.records()


def test_given_an_in_progress_event_for_an_idle_job_then_it_is_stopped_at_once(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    [result] = stack.invoke(FN, state_change("resnet-idle"), env={"ECOGUARD_MODE": "enforce"})
    assert result["applied"] == 1
    assert statuses()["resnet-idle"] == "Stopping"


def test_given_a_low_gpu_rule_that_found_issues_on_a_busy_job_then_metrics_decide_and_it_runs_on(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    rule = [{"RuleConfigurationName": "LowGPUUtilization", "RuleEvaluationStatus": "IssuesFound"}]
    event = state_change("llm-finetune-busy", ProfilerRuleEvaluationStatuses=rule)
    [result] = stack.invoke(FN, event, env={"ECOGUARD_MODE": "enforce"})
    assert result["evaluated"] == 1 and result.get("applied", 0) == 0
    assert statuses()["llm-finetune-busy"] == "InProgress"


def test_given_a_malformed_training_event_then_the_error_names_the_field_and_nothing_is_called(stack: Stack) -> None:
    event = state_change("x")
    del event["detail"]["TrainingJobName"]
    calls = record_calls("sagemaker")
    [result] = stack.invoke(FN, event, env={"ECOGUARD_MODE": "enforce"})
    assert_rejected(result, r"detail\.TrainingJobName")
    assert not calls.calls


def test_given_a_stopped_job_then_restore_recreates_it_under_a_new_name_once(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    record = next(r for r in stack.records() if r.outcome is Outcome.APPLIED and r.resource.name == "resnet-idle")
    unit = unit_for(record, lambda _: sagemaker())
    result = restore(
        record,
        unit=unit,
        audit=stack.audit,
        mode=Mode.ENFORCE,
        clock=lambda: datetime.now(UTC),
        checks=account_checks(client),
    )
    assert result.outcome is Outcome.RESTORED
    recreated = sagemaker().describe_training_job(TrainingJobName="resnet-idle-restored-1")
    assert recreated["ResourceConfig"] == record.before["config"]["ResourceConfig"]
    assert recreated["RoleArn"] == record.before["config"]["RoleArn"]
    again = restore(
        record,
        unit=unit,
        audit=stack.audit,
        mode=Mode.ENFORCE,
        clock=lambda: datetime.now(UTC),
        checks=account_checks(client),
    )
    assert again.outcome is Outcome.DUPLICATE
    with pytest.raises(Exception, match="Could not find"):
        sagemaker().describe_training_job(TrainingJobName="resnet-idle-restored-2")


def test_given_throttled_metric_reads_then_the_sweep_hands_off_and_every_job_is_judged_once(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    injected = fail_calls("cloudwatch", "GetMetricData", "Throttling", rate=0.5, seed=3)
    calls = record_calls("sagemaker")
    results = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert injected["GetMetricData"] >= 1
    assert len(results) == injected["GetMetricData"] + 1 and results[-1]["finished"] is True
    assert {n for n, s in statuses().items() if s == "Stopping"} == SHOULD_STOP
    assert calls.calls["StopTrainingJob"] == 2, "no job stopped twice across the hand-offs"


def test_given_stop_is_denied_then_the_failure_is_recorded_and_the_sweep_goes_on(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    fail_calls(
        "sagemaker", "StopTrainingJob", "AccessDeniedException", when=lambda p: p["TrainingJobName"] == "resnet-idle"
    )
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert result["failed"] == 1 and result["applied"] == 1
    failed = next(r for r in stack.records() if r.outcome is Outcome.FAILED)
    assert failed.resource.name == "resnet-idle" and "AccessDenied" in (failed.error or "")
    assert failed.before["utilization"]["peak"] == 2.5, "the pending record kept the evidence"
    assert statuses()["xgboost-cpu"] == "Stopping"


# --- the Search listing decides; a job to stop is described and its tags read fresh first ----------------


def arn_of(name: str) -> str:
    return str(sagemaker().describe_training_job(TrainingJobName=name)["TrainingJobArn"])


def tags_of(name: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in sagemaker().list_tags(ResourceArn=arn_of(name))["Tags"]}


def search_index_lag(name: str, change: Callable[[Any], None]) -> None:
    """Named shim ``search_index_lag``: SageMaker's Search index is eventually consistent, moto's is always
    current. Keeps job ``name``'s record as Search shows it now, then applies ``change`` to the job in
    moto's backend (as its owner or SageMaker would, not a write of any invocation). Every later Search of
    the function's client still answers the kept record (on the page that held it, or on the last page if
    the job no longer matches the filter); DescribeTrainingJob and ListTags see the change."""
    named = {"Filters": [{"Name": "TrainingJobName", "Operator": "Equals", "Value": name}]}
    [kept] = sagemaker().search(Resource="TrainingJob", SearchExpression=named)["Results"]
    change(sagemaker_backends[ACCOUNT][REGION].training_jobs[name])

    def lagging(parsed: dict[str, Any], **_: Any) -> None:
        results = parsed.get("Results", [])
        held = [i for i, r in enumerate(results) if r["TrainingJob"]["TrainingJobName"] == name]
        if held:
            results[held[0]] = kept
        elif not parsed.get("NextToken"):
            results.append(kept)

    client("sagemaker").meta.events.register("after-call.sagemaker.Search", lagging)


def tagged_since(tags: dict[str, str]) -> Callable[[Any], None]:
    def change(job: Any) -> None:
        assert not job.tags, "the index shows the job untagged"
        job.tags = [{"Key": k, "Value": v} for k, v in tags.items()]

    return change


def finished_since(job: Any) -> None:
    job.training_job_status = "Completed"
    job.secondary_status = "Completed"


def stop_reads(calls: Any) -> tuple[list[str], list[str]]:
    """The jobs described and the jobs whose tags were read, by name."""
    described = [p["TrainingJobName"] for op, p in calls.params if op == "DescribeTrainingJob"]
    tagged = [p["ResourceArn"].rsplit("/", 1)[1] for op, p in calls.params if op == "ListTags"]
    return sorted(described), sorted(tagged)


@pytest.mark.parametrize("mode", ["enforce", "dry-run"])
def test_given_a_sweep_then_it_decides_from_search_and_reads_state_and_tags_only_for_the_jobs_it_stops(
    running: RunningTrainingJobs, stack: Stack, mode: str
) -> None:
    calls = record_calls("sagemaker", "resourcegroupstaggingapi")
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": mode})
    assert result["finished"] is True and result["evaluated"] == len(ALL_JOBS)
    assert calls.calls["Search"] == 1 and "GetResources" not in calls.calls
    # The same reads in both modes: dry-run records the before-state enforce would, read the same way.
    assert stop_reads(calls) == (sorted(SHOULD_STOP), sorted(SHOULD_STOP))
    assert calls.calls["StopTrainingJob"] == (len(SHOULD_STOP) if mode == "enforce" else 0)
    # The exempt job came from its Search record alone: skipped, never described nor its tags read.
    skipped = {r.resource.name for r in stack.records() if r.outcome is Outcome.SKIPPED}
    assert "idle-but-exempt" in skipped


def test_given_more_than_100_in_progress_jobs_then_search_pages_at_100_and_no_job_is_described_or_tag_read(
    stack: Stack,
) -> None:
    # 105 GPU jobs at 8 % per GPU: idle by the policy's 10 %, busy by their own tag's 5 %, which only their
    # Search record carries. Had a page been missed, or a tag not taken from it, a job would be judged idle
    # and described before a stop.
    jobs = [
        SeededJob(f"own-threshold-{i:03d}", "ml.g5.xlarge", 1, 90, (8.0,), tags=(("ecoguard:min-gpu-util", "5"),))
        for i in range(105)
    ]
    with RunningTrainingJobs.install():
        seed_training_jobs(jobs, datetime.now(UTC))
        calls = record_calls("sagemaker", "resourcegroupstaggingapi")
        [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert result["finished"] is True and result["evaluated"] == 105 and result.get("applied", 0) == 0
    searches = [p for op, p in calls.params if op == "Search"]
    assert len(searches) == 2, "ceil(105 / 100)"
    assert all(p["MaxResults"] == 100 and p["Resource"] == "TrainingJob" for p in searches)
    assert "NextToken" not in searches[0] and "NextToken" in searches[1]
    assert stop_reads(calls) == ([], [])
    assert "StopTrainingJob" not in calls.calls and "GetResources" not in calls.calls


def test_given_search_is_throttled_on_its_second_page_then_the_sweep_resumes_there_from_its_checkpoint(
    stack: Stack,
) -> None:
    # 100 busy jobs fill the first Search page; the 5 idle ones are on the second.
    jobs = [SeededJob(f"busy-{i:03d}", "ml.g5.xlarge", 1, 90, (70.0,)) for i in range(100)]
    jobs += [SeededJob(f"idle-{i}", "ml.g5.xlarge", 1, 90, (1.0,)) for i in range(5)]
    throttled: list[dict[str, Any]] = []

    def second_page_once(request: dict[str, Any]) -> bool:
        if "NextToken" in request and not throttled:
            throttled.append(request)
            return True
        return False

    with RunningTrainingJobs.install():
        seed_training_jobs(jobs, datetime.now(UTC))
        fail_calls("sagemaker", "Search", "ThrottlingException", when=second_page_once)
        calls = record_calls("sagemaker")
        results = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert [r["finished"] for r in results] == [False, True], "paused at the second page, then finished"
    searches = [p for op, p in calls.params if op == "Search"]
    assert len(searches) == 3, "the first page, the throttled second, the second again after the hand-off"
    assert searches[1]["NextToken"] == searches[2]["NextToken"], "resumed from the checkpoint's Search token"
    assert sorted(p["TrainingJobName"] for op, p in calls.params if op == "StopTrainingJob") == [
        f"idle-{i}" for i in range(5)
    ]
    assert results[0]["evaluated"] == 100 and results[1]["evaluated"] == 5


@pytest.mark.parametrize("mode", ["enforce", "dry-run"])
def test_given_a_job_tagged_exempt_after_the_search_index_then_it_is_not_stopped_and_recorded_skipped(
    running: RunningTrainingJobs, stack: Stack, mode: str
) -> None:
    search_index_lag("resnet-idle", tagged_since({"ecoguard:exempt": "true"}))
    calls = record_calls("sagemaker")
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": mode})
    assert statuses()["resnet-idle"] == "InProgress"
    assert [p["TrainingJobName"] for op, p in calls.params if op == "StopTrainingJob"] == (
        ["xgboost-cpu"] if mode == "enforce" else []
    )
    records = [r for r in stack.records() if r.resource.name == "resnet-idle"]
    assert [r.outcome for r in records if r.action == "stop-training-job"] == []
    [skip] = [r for r in records if r.outcome is Outcome.SKIPPED]
    assert skip.reason.startswith("tagged ecoguard:exempt=true; would stop")
    assert stop_reads(calls) == (sorted(SHOULD_STOP), sorted(SHOULD_STOP))


@pytest.mark.parametrize("mode", ["enforce", "dry-run"])
def test_given_a_job_the_search_index_shows_in_progress_but_finished_since_then_it_is_not_stopped(
    running: RunningTrainingJobs, stack: Stack, mode: str
) -> None:
    search_index_lag("resnet-idle", finished_since)
    calls = record_calls("sagemaker")
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": mode})
    assert statuses()["resnet-idle"] == "Completed"
    assert [p["TrainingJobName"] for op, p in calls.params if op == "StopTrainingJob"] == (
        ["xgboost-cpu"] if mode == "enforce" else []
    )
    assert result.get("applied" if mode == "enforce" else "would-apply") == 1
    assert not [r for r in stack.records() if r.resource.name == "resnet-idle" and r.action == "stop-training-job"]
    # Described (and its tags read) once, as every job about to be stopped: that is how it was found finished.
    assert stop_reads(calls) == (sorted(SHOULD_STOP), sorted(SHOULD_STOP))


def test_given_a_threshold_tag_set_after_the_search_index_then_the_job_is_decided_again_on_it_and_kept(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    # resnet-idle runs at 2.5 % per GPU: idle by the policy's 10 %, not by its owner's 1 % set a moment ago.
    search_index_lag("resnet-idle", tagged_since({"ecoguard:min-gpu-util": "1"}))
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert statuses()["resnet-idle"] == "InProgress" and statuses()["xgboost-cpu"] == "Stopping"
    assert result["applied"] == 1
    assert not [r for r in stack.records() if r.resource.name == "resnet-idle" and r.action == "stop-training-job"]


def test_given_an_idle_job_with_other_tags_then_its_stop_record_holds_every_tag_and_restore_recreates_them(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    # The record's before-state comes from the description and tags read just before the stop.
    tags = {"team": "vision", "cost-center": "ml-42"}
    sagemaker().add_tags(ResourceArn=arn_of("resnet-idle"), Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    record = next(r for r in stack.records() if r.outcome is Outcome.APPLIED and r.resource.name == "resnet-idle")
    assert {t["Key"]: t["Value"] for t in record.before["config"]["Tags"]} == tags
    unit = unit_for(record, lambda _: sagemaker())
    result = restore(
        record,
        unit=unit,
        audit=stack.audit,
        mode=Mode.ENFORCE,
        clock=lambda: datetime.now(UTC),
        checks=account_checks(client),
    )
    assert result.outcome is Outcome.RESTORED
    assert tags_of("resnet-idle-restored-1") == tags


def test_given_search_is_denied_then_the_sweep_fails_and_stops_nothing(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    injected = fail_calls("sagemaker", "Search", "AccessDeniedException")
    calls = record_calls("sagemaker")
    with pytest.raises(AccessDenied, match="Search"):
        stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert injected["Search"] == 1
    assert "StopTrainingJob" not in calls.calls and "DescribeTrainingJob" not in calls.calls
    assert stack.records() == []


def test_given_no_job_in_progress_then_the_sweep_searches_once_and_reads_nothing_else(stack: Stack) -> None:
    calls = record_calls("sagemaker", "resourcegroupstaggingapi")
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert result["finished"] is True
    assert dict(calls.calls) == {"Search": 1, "ListHyperParameterTuningJobs": 1}


def test_given_an_event_for_one_job_then_it_is_described_and_its_own_tags_read_and_nothing_is_listed(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    calls = record_calls("sagemaker", "resourcegroupstaggingapi")
    [result] = stack.invoke(FN, state_change("idle-but-exempt"), env={"ECOGUARD_MODE": "enforce"})
    assert result["skipped"] == 1 and "StopTrainingJob" not in calls.calls
    assert calls.calls["DescribeTrainingJob"] == 1 and calls.calls["ListTags"] == 1
    assert "Search" not in calls.calls and "GetResources" not in calls.calls


def test_given_a_job_to_stop_cannot_be_described_then_it_is_recorded_failed_and_not_stopped(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    fail_calls(
        "sagemaker",
        "DescribeTrainingJob",
        "AccessDeniedException",
        when=lambda p: p["TrainingJobName"] == "resnet-idle",
    )
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert result["failed"] == 1 and result["applied"] == 1
    assert statuses()["resnet-idle"] == "InProgress" and statuses()["xgboost-cpu"] == "Stopping"
    [failed] = [r for r in stack.records() if r.outcome is Outcome.FAILED]
    assert failed.resource.name == "resnet-idle" and "AccessDenied" in (failed.error or "")


def test_given_the_tags_of_a_job_to_stop_cannot_be_read_then_it_is_recorded_failed_and_not_stopped(
    running: RunningTrainingJobs, stack: Stack
) -> None:
    fail_calls(
        "sagemaker", "ListTags", "AccessDeniedException", when=lambda p: p["ResourceArn"].endswith("/resnet-idle")
    )
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert result["failed"] == 1 and result["applied"] == 1
    assert statuses()["resnet-idle"] == "InProgress" and statuses()["xgboost-cpu"] == "Stopping"
    [failed] = [r for r in stack.records() if r.outcome is Outcome.FAILED]
    assert failed.resource.name == "resnet-idle" and "AccessDenied" in (failed.error or "")
