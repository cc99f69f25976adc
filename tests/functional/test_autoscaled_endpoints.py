"""IdleEndpointFunction and RestoreFunction on autoscaled endpoints, and right before a deletion.

Simulator shims (tools/simulator/autoscaling_shim.py): ``moto_delete_endpoint_keeps_scaling`` (AWS removes
an endpoint's scalable targets and policies with it) and ``moto_step_policy_lists_no_alarms`` (AWS lists the
alarms that invoke a step scaling policy).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ecoguard.adapters.clients import client
from ecoguard.decisions import Mode, Outcome
from ecoguard.guardrails.idle_endpoint import IDLE_SINCE_TAG
from ecoguard.guardrails.scale_from_zero import ASYNC_METRIC
from tests.builders.idle_endpoint import arn, marks, scaling_of, sweep, travel_past_grace
from tests.conftest import Stack, record_calls
from tools.simulator.autoscaling_shim import autoscaled_endpoint_shims
from tools.simulator.invoke import as_another_actor
from tools.simulator.seed_inference import (
    EndpointSeed,
    autoscale,
    create_endpoint,
    endpoint_names,
    put_invocations,
    sagemaker,
)


@pytest.fixture
def autoscaled(stack: Stack) -> Iterator[Stack]:
    with autoscaled_endpoint_shims():
        create_endpoint(EndpointSeed("idle-scaled", timedelta(days=3), tags={"team": "growth"}))
        autoscale("idle-scaled", minimum=1, maximum=4, from_zero_alarm="CPUUtilization")
        yield stack


def marked_past_grace(stack: Stack, name: str) -> None:
    sweep(stack, Mode.ENFORCE, "run-1")
    travel_past_grace(stack, name)


def records(stack: Stack, name: str, action: str) -> list[Any]:
    return [r for r in stack.records() if r.resource.name == name and r.action == action]


def test_given_an_autoscaled_endpoint_deleted_then_restore_puts_its_targets_and_policies_back(
    autoscaled: Stack,
) -> None:
    scaling = scaling_of("idle-scaled")
    assert len(scaling[0]) == 1 and len(scaling[1]) == 2
    marked_past_grace(autoscaled, "idle-scaled")
    sweep(autoscaled, Mode.ENFORCE, "run-2")

    [deleted] = records(autoscaled, "idle-scaled", "delete-endpoint")
    assert deleted.outcome is Outcome.APPLIED and "idle-scaled" not in endpoint_names()
    recorded = deleted.before["Autoscaling"]
    assert [t["ResourceId"] for t in recorded["ScalableTargets"]] == ["endpoint/idle-scaled/variant/AllTraffic"]
    assert sorted(p["PolicyName"] for p in recorded["ScalingPolicies"]) == [
        "idle-scaled-from-zero",
        "idle-scaled-invocations",
    ]
    assert scaling_of("idle-scaled") == ([], []), "AWS removes them with the endpoint"

    [done] = autoscaled.invoke("RestoreFunction", {"action_id": deleted.action_id, "apply": True})
    assert done["outcome"] == "restored"
    assert "idle-scaled" in endpoint_names()
    assert scaling_of("idle-scaled") == scaling, "the same targets and policies as before the deletion"


def test_given_an_invocation_after_the_decision_then_the_endpoint_is_not_deleted(autoscaled: Stack) -> None:
    marked_past_grace(autoscaled, "idle-scaled")
    arrived: list[bool] = []

    # Only the read right before a deletion reads one endpoint's tags: an invocation arrives just before it.
    def invocation_arrives(**_: Any) -> None:
        if not arrived:
            with as_another_actor():  # the endpoint's caller, not the function
                put_invocations("idle-scaled", {"AllTraffic": 1}, at=datetime.now(UTC) - timedelta(minutes=2))
            arrived.append(True)

    client("sagemaker").meta.events.register("before-call.sagemaker.ListTags", invocation_arrives)
    calls = record_calls("sagemaker")
    sweep(autoscaled, Mode.ENFORCE, "run-2")

    assert arrived and calls.calls["DeleteEndpoint"] == 0
    assert "idle-scaled" in endpoint_names()
    assert not records(autoscaled, "idle-scaled", "delete-endpoint"), "decided again: no deletion recorded"
    [cleared] = records(autoscaled, "idle-scaled", "clear-idle-mark")
    assert cleared.outcome is Outcome.APPLIED
    assert marks(autoscaled).get(arn("idle-scaled")).version == 0


@pytest.mark.parametrize("gone", ["model", "endpoint configuration"])
def test_given_its_model_or_configuration_gone_then_the_deletion_is_refused_with_the_reason(
    autoscaled: Stack, gone: str
) -> None:
    marked_past_grace(autoscaled, "idle-scaled")
    if gone == "model":
        sagemaker().delete_model(ModelName="idle-scaled-model")
    else:
        sagemaker().delete_endpoint_config(EndpointConfigName="idle-scaled-config")
    sweep(autoscaled, Mode.ENFORCE, "run-2")

    assert "idle-scaled" in endpoint_names()
    assert not records(autoscaled, "idle-scaled", "delete-endpoint")
    [refused] = [r for r in autoscaled.records() if r.outcome is Outcome.SKIPPED]
    assert refused.resource.name == "idle-scaled" and refused.before["EndpointConfigName"] == "idle-scaled-config"
    assert f"{gone} idle-scaled-" in refused.reason and "could not be undone" in refused.reason
    assert IDLE_SINCE_TAG in {t["Key"] for t in sagemaker().list_tags(ResourceArn=arn("idle-scaled"))["Tags"]}


def test_given_an_async_endpoint_then_it_scales_to_zero_only_with_a_step_policy_on_its_backlog(stack: Stack) -> None:
    with autoscaled_endpoint_shims():
        create_endpoint(EndpointSeed("async-ready", timedelta(days=3), asynchronous=True))
        autoscale("async-ready", minimum=1, maximum=2, from_zero_alarm=ASYNC_METRIC)
        create_endpoint(EndpointSeed("async-stranded", timedelta(days=3), asynchronous=True))
        autoscale("async-stranded", minimum=1, maximum=2)  # target tracking alone
        sweep(stack, Mode.ENFORCE, "run-1")

    [ready] = records(stack, "async-ready", "scale-to-zero")
    assert ready.outcome is Outcome.APPLIED and ready.impact
    assert scaling_of("async-ready")[0] == [
        ("endpoint/async-ready/variant/AllTraffic", "sagemaker:variant:DesiredInstanceCount", 0, 2)
    ]
    [advice] = [r for r in stack.records() if r.resource.name == "async-stranded"]
    assert (advice.action, advice.outcome) == ("finding:no-scale-from-zero-policy", Outcome.FINDING)
    assert ASYNC_METRIC in advice.reason and not advice.impact, "no savings booked for a change not made"
    assert scaling_of("async-stranded")[0] == [
        ("endpoint/async-stranded/variant/AllTraffic", "sagemaker:variant:DesiredInstanceCount", 1, 2)
    ]
