"""RestoreFunction: undo by action id, invoked directly like `aws lambda invoke`."""

from __future__ import annotations

import boto3
import pytest

from ecoguard.decisions import Outcome
from tests.conftest import REGION, Stack, assert_rejected, load_event
from tools.simulator.seed import retention_snapshot, seed_log_groups

FN = "RestoreFunction"


def test_given_an_applied_action_when_restore_is_invoked_then_preview_first_then_apply(stack: Stack) -> None:
    seed_log_groups()
    stack.invoke(
        "LogRetentionFunction", load_event("log_retention/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"}
    )
    record = next(r for r in stack.records() if r.resource.name == "/aws/lambda/echoapi")
    assert record.outcome is Outcome.APPLIED

    [preview] = stack.invoke(FN, {"action_id": record.action_id})
    assert preview["outcome"] == "would-apply"
    assert retention_snapshot()["/aws/lambda/echoapi"] == 30

    [done] = stack.invoke(FN, {"action_id": record.action_id, "apply": True})
    assert done["outcome"] == "restored"
    assert retention_snapshot()["/aws/lambda/echoapi"] is None


def test_given_the_sample_event_for_an_unknown_action_then_it_reports_not_found(stack: Stack) -> None:
    [result] = stack.invoke(FN, load_event("restore/preview.json"))
    assert result["outcome"] == "not-found"


@pytest.mark.parametrize("event", [{}, {"action_id": "../etc"}, {"action_id": "0123456789abcdef", "force": True}])
def test_given_a_malformed_request_then_it_is_rejected(stack: Stack, event: dict[str, object]) -> None:
    [result] = stack.invoke(FN, event)
    assert_rejected(result, "malformed restore request")


def test_given_a_shortened_retention_when_restored_then_the_longer_one_returns(stack: Stack) -> None:
    stack.use_policy('{"log_retention": {"max_days": 365}}')
    logs = boto3.client("logs", region_name=REGION)
    logs.create_log_group(logGroupName="/aws/sagemaker/Endpoints/kept-ten-years")
    logs.put_retention_policy(logGroupName="/aws/sagemaker/Endpoints/kept-ten-years", retentionInDays=3653)
    stack.invoke(
        "LogRetentionFunction", load_event("log_retention/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"}
    )
    record = next(r for r in stack.records() if r.resource.name.endswith("kept-ten-years"))
    assert (record.before, record.after) == ({"retentionInDays": 3653}, {"retentionInDays": 365})

    [done] = stack.invoke(FN, {"action_id": record.action_id, "apply": True})
    assert done["outcome"] == "restored"
    assert retention_snapshot()["/aws/sagemaker/Endpoints/kept-ten-years"] == 3653
