"""Training job state-change events, and the stop unit's restore (naming, current, undo): pure, no AWS."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from ecoguard.actions.training_guard import StopTrainingJob, TrainingJobs
from ecoguard.audit import AuditRecord
from ecoguard.decisions import Mode, Outcome, Resource
from ecoguard.events import EventError, parse_event
from ecoguard.events.sagemaker import parse_training_event, worth_evaluating
from tests.conftest import load_event


def detail_of(path: str, **changes: Any) -> Any:
    event = copy.deepcopy(load_event(path))
    event["detail"].update(changes)
    return parse_training_event(parse_event(event))


@pytest.mark.parametrize(
    ("path", "start"),
    [
        ("training_guard/training-job-state-change.json", datetime(2020, 3, 10, 9, 18, 9, 50000, tzinfo=UTC)),
        ("training_guard/training-job-state-change-iso.json", datetime(2018, 10, 6, 12, 26, 13, tzinfo=UTC)),
    ],
)
def test_given_the_aws_authored_events_then_both_timestamp_styles_parse(path: str, start: datetime) -> None:
    detail = detail_of(path)
    assert detail.TrainingStartTime == start
    assert detail.TrainingJobName == "89c96cc8-dded-4739-afcc-6f1dc936701d"
    assert not worth_evaluating(detail), "a Completed job is never evaluated"


def test_given_an_epoch_millis_number_then_it_parses_too() -> None:
    detail = detail_of("training_guard/training-job-state-change.json", TrainingStartTime=1583831889050)
    assert detail.TrainingStartTime == datetime(2020, 3, 10, 9, 18, 9, 50000, tzinfo=UTC)


def test_given_an_in_progress_event_then_it_is_evaluated() -> None:
    assert worth_evaluating(detail_of("training_guard/training-job-state-change.json", TrainingJobStatus="InProgress"))


@pytest.mark.parametrize(
    ("field", "rule", "status", "expected"),
    [
        ("ProfilerRuleEvaluationStatuses", "LowGPUUtilization", "IssuesFound", True),
        ("DebugRuleEvaluationStatuses", "LowGPUUtilization-1a2b", "IssuesFound", True),
        ("ProfilerRuleEvaluationStatuses", "LowGPUUtilization", "NoIssuesFound", False),
        ("DebugRuleEvaluationStatuses", "VanishingGradient", "IssuesFound", False),
    ],
)
def test_given_rule_statuses_then_only_low_utilization_issues_ask_for_an_evaluation(
    field: str, rule: str, status: str, expected: bool
) -> None:
    statuses = [{"RuleConfigurationName": rule, "RuleEvaluationStatus": status}]
    detail = detail_of("training_guard/training-job-state-change.json", **{field: statuses})
    assert worth_evaluating(detail) is expected


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"TrainingJobName": ""}, "detail.TrainingJobName"),
        ({"TrainingJobName": "x" * 64}, "detail.TrainingJobName"),
        ({"TrainingStartTime": "yesterday"}, "detail.TrainingStartTime"),
        ({"TrainingJobStatus": None}, "detail.TrainingJobStatus"),
    ],
)
def test_given_a_malformed_detail_then_the_error_names_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(EventError, match=field.replace(".", r"\.")):
        detail_of("training_guard/training-job-state-change.json", **change)


class FakeJobs(TrainingJobs):
    """``ecoguard.actions.training_guard.TrainingJobs``: the jobs that exist, and those stopped and created."""

    def __init__(self, existing: set[str], role: str = "arn:aws:iam::1:role/r") -> None:
        self.existing = existing
        self.ran_with = role
        self.stopped: list[str] = []
        self.created: list[tuple[str, dict[str, Any]]] = []

    def stop(self, name: str) -> None:
        self.stopped.append(name)

    def status(self, name: str) -> str | None:
        return "Stopping" if name in self.existing else None

    def role(self, name: str) -> str | None:
        return self.ran_with if name in self.existing else None

    def create(self, name: str, request: Any) -> str:
        self.created.append((name, dict(request)))
        return f"arn:{name}"


def record(name: str, before: dict[str, Any]) -> AuditRecord:
    return AuditRecord(
        guardrail="training-guard",
        resource=Resource(f"arn:aws:sagemaker:us-east-1:1:training-job/{name}", name, "AWS::SageMaker::TrainingJob"),
        action="stop-training-job",
        trigger_id="t",
        trigger="t",
        outcome=Outcome.APPLIED,
        mode=Mode.ENFORCE,
        reason="idle",
        before=before,
        after={"TrainingJobStatus": "Stopped"},
        recorded_at=datetime(2026, 11, 26, tzinfo=UTC),
        ttl_days=1,
    )


def test_given_a_63_character_name_then_the_restored_name_stays_within_63() -> None:
    name = "a" * 63
    jobs = FakeJobs({name, f"{'a' * 52}-restored-1"})
    unit = StopTrainingJob(jobs)
    new = unit.new_name(name)
    assert new == f"{'a' * 52}-restored-2" and len(new) == 63


def test_given_a_record_then_undo_creates_the_recorded_configuration_and_stopping_counts_as_stopped() -> None:
    jobs = FakeJobs({"bert"})
    unit = StopTrainingJob(jobs)
    config = {"RoleArn": "arn:aws:iam::1:role/r", "ResourceConfig": {"InstanceType": "ml.g5.xlarge"}}
    rec = record("bert", {"TrainingJobStatus": "InProgress", "config": config})
    current = unit.current(rec)
    assert current == {"TrainingJobStatus": "Stopping"} and unit.reached(rec, current)
    assert not unit.reached(rec, {"TrainingJobStatus": "InProgress"})
    unit.undo(rec)
    assert jobs.created == [("bert-restored-1", config)]


def test_given_a_record_naming_another_role_than_the_job_ran_with_then_nothing_is_created() -> None:
    # iam:PassRole passes only the role the stopped job ran with (issue 27, deliver 2): DescribeTrainingJob's
    # RoleArn is read, and a record naming another role re-creates nothing.
    jobs = FakeJobs({"bert"}, role="arn:aws:iam::1:role/team-a")
    config = {"RoleArn": "arn:aws:iam::1:role/admin", "ResourceConfig": {"InstanceType": "ml.g5.xlarge"}}
    with pytest.raises(ValueError, match="is not the role bert ran with"):
        StopTrainingJob(jobs).undo(record("bert", {"TrainingJobStatus": "InProgress", "config": config}))
    assert jobs.created == []


def test_given_a_job_that_no_longer_exists_then_its_role_is_unknown_and_nothing_is_created() -> None:
    jobs = FakeJobs(set())
    config = {"RoleArn": "arn:aws:iam::1:role/r", "ResourceConfig": {"InstanceType": "ml.g5.xlarge"}}
    with pytest.raises(ValueError, match="no longer exists"):
        StopTrainingJob(jobs).undo(record("bert", {"TrainingJobStatus": "InProgress", "config": config}))
    assert jobs.created == []


def test_given_a_record_without_configuration_then_nothing_is_created() -> None:
    jobs = FakeJobs({"bert"})
    with pytest.raises(ValueError, match="no job configuration"):
        StopTrainingJob(jobs).undo(record("bert", {}))
    assert jobs.created == []
