"""TrainingGuardFunction in template.yaml: routing, schedule, least privilege, restore permissions."""

from __future__ import annotations

import json
from typing import Any

from moto.events.models import EventPattern

from tests.conftest import REFERENCE_EVENTS
from tools.simulator.template import functions, load_template

TEMPLATE = load_template()
FUNCTION = functions(TEMPLATE)["TrainingGuardFunction"]


def statements(logical_id: str) -> dict[str, dict[str, Any]]:
    spec = functions(TEMPLATE)[logical_id]
    return {s["Sid"]: s for s in spec.properties["Policies"][0]["Statement"]}


def test_the_state_change_pattern_matches_the_aws_training_events_and_no_other_reference_event() -> None:
    [pattern] = [s["Properties"]["Pattern"] for s in FUNCTION.events.values() if s["Type"] == "EventBridgeRule"]
    for path in REFERENCE_EVENTS.glob("*.json"):
        matched = EventPattern.load(json.dumps(pattern)).matches_event(json.loads(path.read_text()))
        assert matched is path.name.startswith("sagemaker-training-job-state-change"), path.name


def test_the_sweep_runs_every_15_minutes() -> None:
    [schedule] = [s for s in FUNCTION.events.values() if s["Type"] == "Schedule"]
    assert schedule["Properties"]["Schedule"] == "rate(15 minutes)"


def test_stop_is_scoped_to_training_jobs_and_denied_on_exempt_ones() -> None:
    policy = statements("TrainingGuardFunction")
    assert policy["StopIdleJobs"]["Resource"]["Fn::Sub"].endswith(":training-job/*")
    deny = policy["NeverStopExemptJobs"]
    assert deny["Effect"] == "Deny" and deny["Action"] == "sagemaker:StopTrainingJob"
    assert deny["Condition"] == {"StringEqualsIgnoreCase": {"aws:ResourceTag/ecoguard:exempt": "true"}}


def test_the_sweep_searches_in_progress_jobs_and_reads_one_jobs_state_and_tags_only_on_training_and_tuning_jobs() -> (
    None
):
    policy = statements("TrainingGuardFunction")
    # Search and ListHyperParameterTuningJobs support no resource-level permission; the Deny above stays the
    # exempt backstop. ListTrainingJobs and the tagging API are no longer needed by the sweep.
    assert policy["ListJobs"]["Action"] == ["sagemaker:Search", "sagemaker:ListHyperParameterTuningJobs"]
    assert policy["ListJobs"]["Resource"] == "*"
    granted = {a for s in policy.values() for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert not {"sagemaker:ListTrainingJobs", "tag:GetResources"} & granted
    reads = policy["ReadJobs"]
    assert {"sagemaker:DescribeTrainingJob", "sagemaker:ListTags"} <= set(reads["Action"])
    assert [r["Fn::Sub"].rsplit(":", 1)[1] for r in reads["Resource"]] == [
        "training-job/*",
        "hyper-parameter-tuning-job/*",
    ]


def test_restore_may_recreate_training_jobs_and_pass_roles_only_to_sagemaker() -> None:
    policy = statements("RestoreFunction")
    assert "sagemaker:CreateTrainingJob" in policy["RestoreTrainingJob"]["Action"]
    passrole = policy["PassTrainingRole"]
    assert passrole["Action"] == "iam:PassRole"
    # Roles under the deploy-time TrainingRolePath only (every role by default: "/").
    assert passrole["Resource"]["Fn::Sub"].endswith(":role${TrainingRolePath}*")
    assert passrole["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
