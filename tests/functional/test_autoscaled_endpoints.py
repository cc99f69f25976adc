"""IdleEndpointFunction and RestoreFunction on autoscaled endpoints, and right before a deletion.

Simulator shims (tools/simulator/autoscaling_shim.py): ``moto_delete_endpoint_keeps_scaling`` (AWS removes
an endpoint's scalable targets, policies and scheduled actions with it, and the policies' alarm actions),
``moto_step_policy_lists_no_alarms`` (AWS lists the alarms that invoke a step scaling policy), and
``endpoints_creating`` (``moto_endpoints_in_service_at_once``, ``moto_registers_scaling_on_any_endpoint``: a
re-created endpoint is Creating first, and its scaling cannot be registered before it is InService).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from ecoguard.adapters.clients import client
from ecoguard.decisions import Mode, Outcome
from ecoguard.guardrails.idle_endpoint import IDLE_SINCE_TAG
from ecoguard.guardrails.scale_from_zero import ASYNC_METRIC
from tests.builders.idle_endpoint import arn, marks, scaling_of, sweep, travel_past_grace
from tests.conftest import REGION, Stack, load_event, record_calls
from tools.simulator.autoscaling_shim import autoscaled_endpoint_shims, endpoints_creating
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


def alarm_actions(name: str) -> list[str]:
    [alarm] = boto3.client("cloudwatch", region_name=REGION).describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return list(alarm["AlarmActions"])


def scheduled_of(endpoint: str) -> list[tuple[str, str, object]]:
    listed = boto3.client("application-autoscaling", region_name=REGION).describe_scheduled_actions(
        ServiceNamespace="sagemaker"
    )["ScheduledActions"]
    return [
        (a["ScheduledActionName"], a["Schedule"], a["ScalableTargetAction"])
        for a in listed
        if a["ResourceId"].startswith(f"endpoint/{endpoint}/")
    ]


def attempt_outcomes(stack: Stack, endpoint: str) -> list[tuple[Outcome, bool]]:
    """Each restore attempt of the endpoint's deletion, in order: its outcome, and whether it left a step."""
    attempts = records(stack, endpoint, "restore:delete-endpoint")
    return [(a.outcome, bool(a.pending_step)) for a in sorted(attempts, key=lambda a: a.trigger_id)]


def test_given_an_autoscaled_endpoint_deleted_and_its_config_deleted_after_then_restore_brings_it_all_back_in_order(
    autoscaled: Stack,
) -> None:
    aas = boto3.client("application-autoscaling", region_name=REGION)
    resource = "endpoint/idle-scaled/variant/AllTraffic"
    aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=resource,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        SuspendedState={"DynamicScalingInSuspended": True},
    )
    aas.put_scheduled_action(
        ServiceNamespace="sagemaker",
        ScheduledActionName="night",
        ResourceId=resource,
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        Schedule="cron(0 20 * * ? *)",
        ScalableTargetAction={"MinCapacity": 1, "MaxCapacity": 1},
    )
    scaling, scheduled = scaling_of("idle-scaled"), scheduled_of("idle-scaled")
    config = sagemaker().describe_endpoint_config(EndpointConfigName="idle-scaled-config")
    assert len(alarm_actions("idle-scaled-CPUUtilization")) == 1
    marked_past_grace(autoscaled, "idle-scaled")
    sweep(autoscaled, Mode.ENFORCE, "run-2")
    [deleted] = records(autoscaled, "idle-scaled", "delete-endpoint")
    recorded = deleted.before
    assert recorded["EndpointConfig"]["ProductionVariants"] == config["ProductionVariants"]
    assert recorded["Autoscaling"]["ScalableTargets"][0]["SuspendedState"]["DynamicScalingInSuspended"] is True
    assert [a["ScheduledActionName"] for a in recorded["Autoscaling"]["ScheduledActions"]] == ["night"]
    assert [a["AlarmName"] for a in recorded["Autoscaling"]["Alarms"]] == ["idle-scaled-CPUUtilization"]
    assert alarm_actions("idle-scaled-CPUUtilization") == [], "AWS keeps the alarm, not its action"
    assert scheduled_of("idle-scaled") == []
    sagemaker().delete_endpoint_config(EndpointConfigName="idle-scaled-config")  # cleaned up after

    with endpoints_creating() as creating:
        [first] = autoscaled.invoke("RestoreFunction", {"action_id": deleted.action_id, "apply": True})
        assert first["outcome"] == "restored", first
        assert first["pending_step"].startswith("scaling pending")
        assert sagemaker().describe_endpoint(EndpointName="idle-scaled")["EndpointStatus"] == "Creating"
        assert (
            sagemaker().describe_endpoint_config(EndpointConfigName="idle-scaled-config")["ProductionVariants"]
            == (config["ProductionVariants"])
        )
        assert creating.refused == [], "no RegisterScalableTarget while the endpoint is Creating"
        assert scaling_of("idle-scaled") == ([], [])
        [early] = autoscaled.invoke("RestoreFunction", {"action_id": deleted.action_id, "apply": True})
        assert early["outcome"] == "restored" and early["pending_step"].startswith("scaling pending")

        creating.in_service("idle-scaled")
        [second] = autoscaled.invoke("RestoreFunction", {"action_id": deleted.action_id, "apply": True})

    assert second["outcome"] == "restored" and second["pending_step"] is None
    assert scaling_of("idle-scaled") == scaling and scheduled_of("idle-scaled") == scheduled
    [target] = aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[resource])["ScalableTargets"]
    assert target["SuspendedState"]["DynamicScalingInSuspended"] is True
    [step] = [
        p
        for p in aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=resource)["ScalingPolicies"]
        if p["PolicyType"] == "StepScaling"
    ]
    assert alarm_actions("idle-scaled-CPUUtilization") == [step["PolicyARN"]], "re-attached to the new policy"
    assert attempt_outcomes(autoscaled, "idle-scaled") == [
        (Outcome.RESTORED, True),
        (Outcome.RESTORED, True),
        (Outcome.RESTORED, False),
    ]
    [done] = autoscaled.invoke("RestoreFunction", {"action_id": deleted.action_id, "apply": True})
    assert done["outcome"] == "duplicate"


def test_given_scaling_pending_then_the_restores_schedule_finishes_it_once_the_endpoint_is_in_service(
    autoscaled: Stack,
) -> None:
    scaling = scaling_of("idle-scaled")
    marked_past_grace(autoscaled, "idle-scaled")
    sweep(autoscaled, Mode.ENFORCE, "run-2")
    [deleted] = records(autoscaled, "idle-scaled", "delete-endpoint")
    schedule = load_event("restore/scheduled-finish-steps.json")

    with endpoints_creating() as creating:
        [first] = autoscaled.invoke("RestoreFunction", {"action_id": deleted.action_id, "apply": True})
        assert first["pending_step"].startswith("scaling pending")
        calls = record_calls("application-autoscaling")
        [waiting] = autoscaled.invoke("RestoreFunction", schedule)
        assert waiting == {"finished": []}, "still Creating: not due, nothing written"
        assert calls.calls["RegisterScalableTarget"] == 0 and creating.refused == []
        assert len(records(autoscaled, "idle-scaled", "restore:delete-endpoint")) == 1

        creating.in_service("idle-scaled")
        [finished] = autoscaled.invoke("RestoreFunction", schedule | {"id": "next-run"})
        [again] = autoscaled.invoke("RestoreFunction", schedule | {"id": "run-after"})

    assert [f["outcome"] for f in finished["finished"]] == ["restored"]
    assert "finish the restore: scaling pending" in finished["finished"][0]["message"]
    assert scaling_of("idle-scaled") == scaling, "registered, without the user restoring again"
    assert again == {"finished": []}, "done: the earlier attempt's index entry is passed over"
    assert attempt_outcomes(autoscaled, "idle-scaled") == [
        (Outcome.RESTORED, True),
        (Outcome.RESTORED, False),
    ]
    [done] = autoscaled.invoke("RestoreFunction", {"action_id": deleted.action_id, "apply": True})
    assert done["outcome"] == "duplicate"


def test_given_scaling_pending_when_the_endpoint_fails_then_the_schedule_fails_the_step_once_and_stops_waiting(
    autoscaled: Stack,
) -> None:
    marked_past_grace(autoscaled, "idle-scaled")
    sweep(autoscaled, Mode.ENFORCE, "run-2")
    [deleted] = records(autoscaled, "idle-scaled", "delete-endpoint")
    schedule = load_event("restore/scheduled-finish-steps.json")

    with endpoints_creating() as creating:
        [first] = autoscaled.invoke("RestoreFunction", {"action_id": deleted.action_id, "apply": True})
        assert first["pending_step"].startswith("scaling pending")
        # DescribeEndpoint: "Failed - Endpoint could not be created, updated, or re-scaled."
        creating.failed(
            "idle-scaled", "The primary container for production variant AllTraffic did not pass the ping health check."
        )
        calls = record_calls("application-autoscaling")
        [failed] = autoscaled.invoke("RestoreFunction", schedule)
        [later] = autoscaled.invoke("RestoreFunction", schedule | {"id": "next-run"})

    [outcome] = failed["finished"]
    assert outcome["outcome"] == "failed" and "is Failed" in outcome["message"] and "re-create" in outcome["message"]
    assert calls.calls["RegisterScalableTarget"] == 0
    assert later == {"finished": []}, "a Failed endpoint is not awaited again"
    assert attempt_outcomes(autoscaled, "idle-scaled") == [
        (Outcome.RESTORED, True),
        (Outcome.FAILED, False),
    ]
