"""BedrockThroughputFunction end to end: the handler from template.yaml, on a simulated account.

moto has no Provisioned Throughput: ``tools/simulator/bedrock_shim.py`` covers it (shim
``moto_has_no_provisioned_throughput``; tests/README.md's gaps table). Usage is seeded in ``AWS/Bedrock`` as
Bedrock publishes it (``tools/simulator/seed_bedrock.py``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from ecoguard.adapters.clients import client
from ecoguard.decisions import Outcome
from ecoguard.invocation import invoke_own_function
from ecoguard_cli import operations
from tests.conftest import REGION, Stack, fail_calls, lambda_async_invoke_shim, load_event, record_calls
from tools.simulator.bedrock_shim import throughput_exists
from tools.simulator.invoke import as_another_actor, reset_caches
from tools.simulator.seed_bedrock import BUSY, COMMITTED, ENDING, EXEMPT, IDLE, YOUNG, publish_usage, seed_throughputs

FN = "BedrockThroughputFunction"
SWEEP = "bedrock_throughput/scheduled-sweep.json"


def sweep(stack: Stack, mode: str, run: str) -> dict[str, object]:
    [result] = stack.invoke(FN, load_event(SWEEP) | {"id": run}, env={"ECOGUARD_MODE": mode})
    return result


def use_policy(stack: Stack, **settings: object) -> None:
    stack.use_policy({"bedrock_throughput": {"grace_hours": 0, **settings}})
    reset_caches()  # the policy parameter is cached, as Powertools caches it in Lambda


@pytest.fixture
def seeded(stack: Stack) -> tuple[Stack, dict[str, str]]:
    return stack, seed_throughputs()


def by_action(stack: Stack, action: str) -> dict[str, Outcome]:
    return {r.resource.name: r.outcome for r in stack.records() if r.action == action}


def test_given_no_data_by_default_then_nothing_is_noticed_and_the_usage_is_reported_unknown(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, arns = seeded
    use_policy(stack)
    calls = record_calls("bedrock")
    sweep(stack, "enforce", "run-1")
    sweep(stack, "enforce", "run-2")
    assert "DeleteProvisionedModelThroughput" not in calls.calls
    assert all(throughput_exists(arn) for arn in arns.values())
    unknown = by_action(stack, "finding:throughput-usage-unknown")
    assert set(unknown) == {IDLE.name, EXEMPT.name}
    assert not by_action(stack, "finding:idle-throughput-notice")


def test_given_an_idle_no_commitment_throughput_then_it_is_noticed_first_and_deleted_on_the_next_sweep(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, arns = seeded
    use_policy(stack, no_data_is_idle=True)
    calls = record_calls("bedrock")
    sweep(stack, "enforce", "run-1")
    assert "DeleteProvisionedModelThroughput" not in calls.calls, "never deleted on the sweep that first sees it"
    assert set(by_action(stack, "finding:idle-throughput-notice")) == {IDLE.name}

    sweep(stack, "enforce", "run-2")
    assert not throughput_exists(arns[IDLE.name])
    for kept in (COMMITTED, ENDING, BUSY, EXEMPT, YOUNG):
        assert throughput_exists(arns[kept.name]), kept.name
    [deleted] = [r for r in stack.records() if r.action == "delete-provisioned-throughput"]
    assert deleted.outcome is Outcome.APPLIED
    assert "not fully reversible: a deleted Provisioned Throughput cannot be brought back" in deleted.reason
    assert deleted.before["provisionedModelName"] == IDLE.name
    assert deleted.before["foundationModelArn"].endswith("foundation-model/amazon.titan-text-express-v1")
    assert deleted.before["modelUnits"] == 1 and deleted.before["commitmentDuration"] is None
    assert {"key": "team", "value": "assistants"} in deleted.before["tags"]
    assert deleted.impact is not None and deleted.impact["usd"] is None, "no sourced price: unknown, never 0"
    skipped = {r.resource.name for r in stack.records() if r.outcome is Outcome.SKIPPED}
    assert skipped == {EXEMPT.name}


def test_given_dry_run_then_nothing_is_deleted_and_the_would_apply_follows_the_notice(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, arns = seeded
    use_policy(stack, no_data_is_idle=True)
    sweep(stack, "dry-run", "run-1")
    sweep(stack, "dry-run", "run-2")
    assert throughput_exists(arns[IDLE.name])
    assert by_action(stack, "delete-provisioned-throughput") == {IDLE.name: Outcome.WOULD_APPLY}


def test_given_committed_throughputs_then_each_is_reported_with_its_end_and_none_is_deleted(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, arns = seeded
    use_policy(stack, no_data_is_idle=True)
    sweep(stack, "enforce", "run-1")
    sweep(stack, "enforce", "run-2")
    records = {r.resource.name: r for r in stack.records() if r.resource.name in (COMMITTED.name, ENDING.name)}
    assert records[COMMITTED.name].action == "finding:committed-throughput"
    assert "SixMonths commitment until" in records[COMMITTED.name].reason
    assert records[ENDING.name].action == "finding:commitment-ending"
    assert records[ENDING.name].reason.startswith("do not renew: OneMonth commitment ends")
    assert throughput_exists(arns[COMMITTED.name]) and throughput_exists(arns[ENDING.name])
    assert len([r for r in stack.records() if r.resource.name == COMMITTED.name]) == 1, "once a day"


def test_given_a_request_between_the_notice_and_the_deletion_then_the_fresh_read_keeps_it(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, arns = seeded
    use_policy(stack, no_data_is_idle=True)
    sweep(stack, "enforce", "run-1")
    publish_usage(
        boto3.client("cloudwatch", region_name=REGION), arns[IDLE.name], 1, datetime.now(UTC) - timedelta(minutes=2)
    )
    sweep(stack, "enforce", "run-2")
    assert throughput_exists(arns[IDLE.name])
    assert not by_action(stack, "delete-provisioned-throughput")


def test_given_a_deleted_throughput_then_restore_refuses_saying_why_and_writes_nothing(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, _ = seeded
    use_policy(stack, no_data_is_idle=True)
    sweep(stack, "enforce", "run-1")
    sweep(stack, "enforce", "run-2")
    [deleted] = [r for r in stack.records() if r.action == "delete-provisioned-throughput"]
    session = boto3.session.Session(region_name=REGION)
    result = operations.restore_record(
        session, stack.resolver.refs["AuditTable"], deleted.action_id, apply=True, record_key=stack.record_key
    )
    assert result.outcome is Outcome.SKIPPED
    assert result.message.startswith("cannot be restored: a deleted Provisioned Throughput cannot be brought back")
    assert "quota request" in result.message
    [through_function] = stack.invoke("RestoreFunction", {"action_id": deleted.action_id, "apply": True})
    assert through_function["outcome"] == "skipped"
    assert not [r for r in stack.records() if r.action.startswith("restore:")]


def test_given_the_delete_refused_as_aws_documents_then_the_record_is_failed_and_the_sweep_finishes(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    # DeleteProvisionedModelThroughput documents ConflictException (Bedrock API reference, Errors).
    stack, arns = seeded
    use_policy(stack, no_data_is_idle=True)
    sweep(stack, "enforce", "run-1")
    fail_calls("bedrock", "DeleteProvisionedModelThroughput", "ConflictException")
    sweep(stack, "enforce", "run-2")
    assert throughput_exists(arns[IDLE.name])
    assert by_action(stack, "delete-provisioned-throughput") == {IDLE.name: Outcome.FAILED}
    assert by_action(stack, "finding:committed-throughput") == {COMMITTED.name: Outcome.FINDING}


def test_given_cloudwatch_refusing_the_usage_read_then_the_throughput_is_failed_and_never_deleted(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    # GetMetricData documents InvalidParameterValue, MissingParameter, LimitExceeded, InternalServiceFault.
    stack, arns = seeded
    use_policy(stack, no_data_is_idle=True)
    sweep(stack, "enforce", "run-1")
    fail_calls("cloudwatch", "GetMetricData", "InternalServiceFault")
    sweep(stack, "enforce", "run-2")
    assert all(throughput_exists(arn) for arn in arns.values())
    assert not by_action(stack, "delete-provisioned-throughput")


def test_given_a_sweep_out_of_time_then_it_hands_off_and_the_continuation_finishes_the_listing(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, _ = seeded
    use_policy(stack, no_data_is_idle=True)
    invoked = lambda_async_invoke_shim()
    [paused] = stack.invoke(
        FN,
        load_event(SWEEP),
        env={"ECOGUARD_MODE": "dry-run"},
        hand_off=invoke_own_function,
        remaining_ms=lambda: 10_000,
    )
    assert paused["finished"] is False
    [request] = invoked
    [finished] = stack.invoke(FN, json.loads(request["body"]), env={"ECOGUARD_MODE": "dry-run"})
    assert finished["finished"] is True
    kinds = {r.action for r in stack.records()}
    assert {"finding:idle-throughput-notice", "finding:committed-throughput", "finding:commitment-ending"} <= kinds


def test_given_the_owner_tags_it_exempt_after_the_sweep_read_it_then_the_fresh_read_skips_the_deletion(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    # The role's Deny on aws:ResourceTag/ecoguard:exempt is not evaluated by moto; the re-read before the
    # deletion is the control exercised here.
    stack, arns = seeded
    use_policy(stack, no_data_is_idle=True)
    sweep(stack, "enforce", "run-1")
    owner = boto3.client("bedrock", region_name=REGION)
    target = arns[IDLE.name]
    asked: list[object] = []
    seen: list[str] = []

    def note_resource(params: dict[str, object], **_: object) -> None:
        asked.append(params.get("resourceARN"))

    def tag_after_first_answer(**_: object) -> None:
        # The sweep's read has its answer (not exempt); the owner tags the throughput right after it.
        if asked[-1] == target and not seen:
            seen.append(target)
            with as_another_actor():  # the owner's call, not the function's (least privilege, dry-run check)
                owner.tag_resource(resourceARN=target, tags=[{"key": "ecoguard:exempt", "value": "true"}])

    events = client("bedrock").meta.events
    events.register("provide-client-params.bedrock.ListTagsForResource", note_resource)
    events.register("after-call.bedrock.ListTagsForResource", tag_after_first_answer)
    sweep(stack, "enforce", "run-2")
    assert seen == [target]
    assert throughput_exists(target)
    assert not by_action(stack, "delete-provisioned-throughput")
    assert any(r.resource.name == IDLE.name and r.outcome is Outcome.SKIPPED for r in stack.records())
