"""StudioIdleFunction end to end: the handler from template.yaml, on a simulated account.

moto lacks UpdateDomain and every Studio app call: ``tools/simulator/studio_shim.py`` covers them
(shims ``moto_has_no_update_domain``, ``moto_has_no_studio_apps``; tests/README.md's gaps table).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.cloudwatch.models import cloudwatch_backends

from ecoguard.adapters.clients import client
from ecoguard.audit import AuditRecord
from ecoguard.decisions import Outcome
from ecoguard.invocation import invoke_own_function
from ecoguard_cli import operations
from tests.conftest import ACCOUNT, REGION, Stack, fail_calls, lambda_async_invoke_shim, load_event, record_calls
from tools.simulator.invoke import as_another_actor
from tools.simulator.seed_studio import (
    CANVAS_NAMESPACE,
    idle,
    seed_canvas,
    seed_domains,
    seed_studio_apps,
    studio_snapshot,
)
from tools.simulator.studio_owners_shim import seed_profile, seed_space
from tools.simulator.studio_shim import app_status, seed_app

FN = "StudioIdleFunction"
SWEEP = "studio_idle/scheduled-sweep.json"
ENABLED_60 = {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 60}


def idle_of(settings: dict[str, Any], member: str, app: str) -> Any:
    return settings[member].get(app, {}).get("AppLifecycleManagement", {}).get("IdleSettings")


@pytest.fixture
def seeded(stack: Stack) -> tuple[Stack, dict[str, str]]:
    ids = seed_domains()
    seed_studio_apps(ids, datetime.now(UTC))
    return stack, ids


def test_given_domains_when_enforce_sweeps_then_only_unconfigured_settings_change_and_siblings_survive(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, ids = seeded
    before = studio_snapshot(ids)
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert result["finished"] is True
    after = studio_snapshot(ids)

    research = after["research"]
    for member, app in (
        ("DefaultUserSettings", "JupyterLabAppSettings"),
        ("DefaultUserSettings", "CodeEditorAppSettings"),
        ("DefaultSpaceSettings", "JupyterLabAppSettings"),
    ):
        assert idle_of(research, member, app) == ENABLED_60, (member, app)
    # The owner's default instance and the execution roles are untouched.
    assert research["DefaultUserSettings"]["JupyterLabAppSettings"]["DefaultResourceSpec"] == {
        "InstanceType": "ml.t3.medium"
    }
    assert (
        research["DefaultUserSettings"]["ExecutionRole"] == before["research"]["DefaultUserSettings"]["ExecutionRole"]
    )
    assert (
        research["DefaultSpaceSettings"]["ExecutionRole"] == before["research"]["DefaultSpaceSettings"]["ExecutionRole"]
    )

    assert after["vision"] == before["vision"], "the owner's own 75-minute settings are kept"
    assert after["legal-hold"] == before["legal-hold"], "exempt"
    # mlops: only the disabled JupyterLab user default changes; its enabled 120-minute settings stay.
    assert idle_of(after["mlops"], "DefaultUserSettings", "JupyterLabAppSettings") == ENABLED_60
    assert (
        idle_of(after["mlops"], "DefaultUserSettings", "CodeEditorAppSettings")
        == idle("ENABLED", 120)["AppLifecycleManagement"]["IdleSettings"]
    )

    records = [r for r in stack.records() if r.guardrail == "studio-idle"]
    applied = {r.resource.name: r for r in records if r.outcome is Outcome.APPLIED}
    assert set(applied) == {ids["research"], ids["mlops"]}
    assert applied[ids["mlops"]].before == {"DefaultUserSettings.JupyterLabAppSettings": idle("DISABLED", 240)}, (
        "the audit record holds the exact previous object"
    )
    assert applied[ids["research"]].impact is not None
    skipped = {r.resource.name: r.reason for r in records if r.outcome is Outcome.SKIPPED}
    assert skipped == {ids["legal-hold"]: "tagged ecoguard:exempt=true"}


def test_given_running_studio_apps_then_each_is_reported_with_instance_type_and_age_and_none_is_touched(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, _ = seeded
    calls = record_calls("sagemaker")
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    findings = [r for r in stack.records() if r.outcome is Outcome.FINDING]
    assert sorted((f.before["app_type"], f.before["instance_type"]) for f in findings) == [
        ("CodeEditor", "ml.t3.medium"),
        ("JupyterLab", "ml.g5.xlarge"),
        ("KernelGateway", "ml.m5.large"),
    ]
    kernel = next(f for f in findings if f.before["app_type"] == "KernelGateway")
    assert 51.9 <= kernel.before["age_hours"] <= 52.1
    assert kernel.impact is not None and kernel.impact["usd"] is not None
    assert "DeleteApp" not in calls.calls and "DescribeApp" not in calls.calls


def test_given_dry_run_then_nothing_changes_no_update_is_sent_and_each_would_apply_is_recorded(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, ids = seeded
    before = studio_snapshot(ids)
    calls = record_calls("sagemaker")
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "dry-run"})
    assert studio_snapshot(ids) == before
    assert "UpdateDomain" not in calls.calls
    would = {r.resource.name for r in stack.records() if r.outcome is Outcome.WOULD_APPLY}
    assert would == {ids["research"], ids["mlops"]}
    assert result["would-apply"] == 2


def test_given_the_same_sweep_delivered_twice_then_the_second_updates_nothing(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, _ = seeded
    event = load_event(SWEEP)
    stack.invoke(FN, event, env={"ECOGUARD_MODE": "enforce"})
    calls = record_calls("sagemaker")
    [again] = stack.invoke(FN, event, env={"ECOGUARD_MODE": "enforce"})
    assert "UpdateDomain" not in calls.calls
    assert again.get("applied", 0) == 0


def test_given_an_applied_record_when_restored_then_the_exact_previous_settings_are_back(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, ids = seeded
    before = studio_snapshot(ids)
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    record = next(r for r in stack.records() if r.resource.name == ids["mlops"] and r.outcome is Outcome.APPLIED)
    # Through RestoreFunction, as a deployed stack restores (`aws lambda invoke`).
    [done] = stack.invoke("RestoreFunction", {"action_id": record.action_id, "apply": True})
    assert done["outcome"] == "restored"
    assert studio_snapshot(ids)["mlops"] == before["mlops"]


def test_given_a_domain_that_had_no_idle_settings_when_restored_then_idle_shutdown_is_off_again_siblings_kept(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, ids = seeded
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    record = next(r for r in stack.records() if r.resource.name == ids["research"] and r.outcome is Outcome.APPLIED)
    assert "not fully reversible" in record.reason, "said before acting: UpdateDomain cannot remove a field"
    session = boto3.session.Session(region_name=REGION)
    table = stack.resolver.refs["AuditTable"]
    assert (
        operations.restore_record(session, table, record.action_id, apply=True, record_key=stack.record_key).outcome
        is Outcome.RESTORED
    )
    research = studio_snapshot(ids)["research"]
    off = {"LifecycleManagement": "DISABLED"}
    assert idle_of(research, "DefaultUserSettings", "JupyterLabAppSettings") == off
    assert idle_of(research, "DefaultUserSettings", "CodeEditorAppSettings") == off
    assert idle_of(research, "DefaultSpaceSettings", "JupyterLabAppSettings") == off
    assert research["DefaultUserSettings"]["JupyterLabAppSettings"]["DefaultResourceSpec"] == {
        "InstanceType": "ml.t3.medium"
    }


def test_given_update_domain_fails_with_resource_in_use_then_that_domain_is_failed_and_the_sweep_goes_on(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    # UpdateDomain documents ResourceInUse ("Resource being accessed is in use"), SageMaker API reference.
    stack, ids = seeded
    fail_calls("sagemaker", "UpdateDomain", "ResourceInUse", when=lambda body: body.get("DomainId") == ids["research"])
    before = studio_snapshot(ids)
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert result["finished"] is True
    assert studio_snapshot(ids)["research"] == before["research"]
    outcomes = {r.resource.name: r.outcome for r in stack.records() if r.action == "configure-idle-shutdown"}
    assert outcomes == {ids["research"]: Outcome.FAILED, ids["mlops"]: Outcome.APPLIED}


def test_given_an_idle_minutes_tag_then_that_domain_gets_its_timeout(stack: Stack) -> None:
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    arn = sagemaker.create_domain(
        DomainName="tagged",
        AuthMode="IAM",
        DefaultUserSettings={"ExecutionRole": "arn:aws:iam::123456789012:role/StudioExecution"},
        SubnetIds=["subnet-0a1b2c3d"],
        VpcId="vpc-0a1b2c3d",
        Tags=[{"Key": "ecoguard:idle-minutes", "Value": "180"}],
    )["DomainArn"]
    domain_id = arn.rsplit("/", 1)[1]
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    settings = studio_snapshot({"tagged": domain_id})["tagged"]
    assert idle_of(settings, "DefaultUserSettings", "JupyterLabAppSettings") == {
        "LifecycleManagement": "ENABLED",
        "IdleTimeoutInMinutes": 180,
    }


def test_given_a_sweep_out_of_time_then_it_hands_off_to_itself_and_the_next_invocation_finishes(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, ids = seeded
    invoked = lambda_async_invoke_shim()
    [paused] = stack.invoke(
        FN,
        load_event(SWEEP),
        env={"ECOGUARD_MODE": "enforce"},
        hand_off=invoke_own_function,
        remaining_ms=lambda: 10_000,  # already inside the deadline margin
    )
    assert paused["finished"] is False
    [request] = invoked
    assert request["url_path"].endswith(f"/functions/{stack.resolver.refs[FN]}/invocations")
    continuation = json.loads(request["body"])
    assert continuation["ecoguard-continuation"]["run_id"] == load_event(SWEEP)["id"]
    [finished] = stack.invoke(FN, continuation, env={"ECOGUARD_MODE": "enforce"})
    assert finished["finished"] is True
    applied = [r.resource.name for r in stack.records() if r.outcome is Outcome.APPLIED]
    assert sorted(applied) == sorted([ids["research"], ids["mlops"]])


@pytest.fixture
def with_canvas(seeded: tuple[Stack, dict[str, str]]) -> tuple[Stack, dict[str, str]]:
    stack, ids = seeded
    seed_canvas(ids, datetime.now(UTC))
    return stack, ids


def test_given_canvas_apps_when_enforce_sweeps_then_exactly_the_idle_one_is_deleted(
    with_canvas: tuple[Stack, dict[str, str]],
) -> None:
    stack, ids = with_canvas
    calls = record_calls("cloudwatch")
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    research, legal = ids["research"], ids["legal-hold"]
    assert app_status(research, "carol", "Canvas", "default") == "Deleted"
    assert app_status(research, "dave", "Canvas", "default") == "InService", "active 4 minutes ago"
    assert app_status(research, "erin", "Canvas", "default") == "InService", "no metric data is never idle"
    assert app_status(legal, "frank", "Canvas", "default") == "InService", "exempt domain"
    deleted = [r for r in stack.records() if r.action == "delete-canvas-app"]
    assert [(r.outcome, r.before["DomainId"], r.before["UserProfileName"]) for r in deleted] == [
        (Outcome.APPLIED, research, "carol")
    ]
    assert deleted[0].before["TimeSinceLastActive"] == 3 * 3600.0
    assert "not fully reversible" in deleted[0].reason
    skipped = [r for r in stack.records() if r.outcome is Outcome.SKIPPED and r.before.get("UserProfileName")]
    assert [r.before["UserProfileName"] for r in skipped] == ["frank"]
    # moto ignores the namespace when dimensions are given (tests/README.md): assert what was asked for.
    queries = [q for name, p in calls.params if name == "GetMetricData" for q in p["MetricDataQueries"]]
    assert queries and all(q["MetricStat"]["Metric"]["Namespace"] == CANVAS_NAMESPACE for q in queries)
    assert all(q["MetricStat"]["Metric"]["MetricName"] == "TimeSinceLastActive" for q in queries)
    assert {tuple(d["Name"] for d in q["MetricStat"]["Metric"]["Dimensions"]) for q in queries} == {
        ("DomainId", "UserProfileName")
    }


def test_given_canvas_apps_when_dry_run_sweeps_then_no_app_is_deleted_and_the_would_apply_is_recorded(
    with_canvas: tuple[Stack, dict[str, str]],
) -> None:
    stack, ids = with_canvas
    calls = record_calls("sagemaker")
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "dry-run"})
    assert app_status(ids["research"], "carol", "Canvas", "default") == "InService"
    assert "DeleteApp" not in calls.calls
    would = [r for r in stack.records() if r.action == "delete-canvas-app" and r.outcome is Outcome.WOULD_APPLY]
    assert [r.before["UserProfileName"] for r in would] == ["carol"]


def test_given_a_user_active_again_since_the_listing_then_the_fresh_read_keeps_their_canvas(
    with_canvas: tuple[Stack, dict[str, str]],
) -> None:
    stack, ids = with_canvas
    research = ids["research"]
    # Written to moto's backend directly: a client call here would count as the function's own call.
    cloudwatch = cloudwatch_backends[ACCOUNT][REGION]
    reads = {"n": 0}

    def active_after_first_read(**_: Any) -> None:
        reads["n"] += 1
        if reads["n"] == 1:  # carol comes back between the sweep's read and the confirming read
            cloudwatch.put_metric_data(
                CANVAS_NAMESPACE,
                [
                    {
                        "MetricName": "TimeSinceLastActive",
                        "Dimensions": [
                            {"Name": "DomainId", "Value": research},
                            {"Name": "UserProfileName", "Value": "carol"},
                        ],
                        "Timestamp": (datetime.now(UTC) - timedelta(seconds=90)).replace(
                            tzinfo=None
                        ),  # moto: naive UTC
                        "Value": 0.0,
                        "Unit": "Seconds",
                    }
                ],
            )

    client("cloudwatch").meta.events.register("after-call.cloudwatch.GetMetricData", active_after_first_read)
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert reads["n"] >= 2, "the domain is read again before the deletion"
    assert app_status(research, "carol", "Canvas", "default") == "InService"
    assert not [r for r in stack.records() if r.action == "delete-canvas-app"]


def canvas_deleted(stack: Stack) -> AuditRecord:
    """The enforce sweep's deletion of the idle Canvas app, applied."""
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    return next(r for r in stack.records() if r.action == "delete-canvas-app" and r.outcome is Outcome.APPLIED)


def test_given_a_deleted_canvas_app_when_restored_then_it_is_created_again(
    with_canvas: tuple[Stack, dict[str, str]],
) -> None:
    stack, ids = with_canvas
    record = canvas_deleted(stack)
    [done] = stack.invoke("RestoreFunction", {"action_id": record.action_id, "apply": True})
    assert done["outcome"] == "restored"
    assert app_status(ids["research"], "carol", "Canvas", "default") == "InService"
    [again] = stack.invoke("RestoreFunction", {"action_id": record.action_id, "apply": True})
    assert again["outcome"] == "duplicate", "the latest attempt restored it: nothing left to restore"


def test_given_the_canvas_apps_domain_exempted_since_then_the_restore_creates_nothing(
    with_canvas: tuple[Stack, dict[str, str]],
) -> None:
    # The deletion skips an app whose domain is exempt (guardrails/canvas_idle.py rule 4); so does its restore
    # (ecoguard.restore: a restore writes nothing a new write would be refused).
    stack, ids = with_canvas
    record = canvas_deleted(stack)
    domain_arn = boto3.client("sagemaker", region_name=REGION).describe_domain(DomainId=ids["research"])["DomainArn"]
    with as_another_actor():  # the domain's owner
        boto3.client("sagemaker", region_name=REGION).add_tags(
            ResourceArn=domain_arn, Tags=[{"Key": "ecoguard:exempt", "Value": "true"}]
        )

    [done] = stack.invoke("RestoreFunction", {"action_id": record.action_id, "apply": True})

    assert done["outcome"] == "skipped" and f"{domain_arn} is tagged ecoguard:exempt=true now" in done["message"]
    assert app_status(ids["research"], "carol", "Canvas", "default") != "InService", "not created again"


def test_given_delete_app_refused_as_in_use_then_the_canvas_record_fails_and_the_sweep_finishes(
    with_canvas: tuple[Stack, dict[str, str]],
) -> None:
    # DeleteApp documents ResourceInUse and ResourceNotFound (SageMaker API reference, DeleteApp).
    stack, ids = with_canvas
    fail_calls("sagemaker", "DeleteApp", "ResourceInUse")
    [result] = stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert result["finished"] is True
    assert app_status(ids["research"], "carol", "Canvas", "default") == "InService"
    [record] = [r for r in stack.records() if r.action == "delete-canvas-app"]
    assert record.outcome is Outcome.FAILED and "ResourceInUse" in (record.error or "")


def test_given_the_owner_changed_another_field_since_when_restored_then_their_change_is_kept(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    stack, ids = seeded
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    research = ids["research"]
    record = next(r for r in stack.records() if r.resource.name == research and r.outcome is Outcome.APPLIED)
    lab = studio_snapshot(ids)["research"]["DefaultUserSettings"]["JupyterLabAppSettings"]
    lab["DefaultResourceSpec"] = {"InstanceType": "ml.m5.large"}  # the owner's own change, after ecoguard's
    boto3.client("sagemaker", region_name=REGION).update_domain(
        DomainId=research, DefaultUserSettings={"JupyterLabAppSettings": lab}
    )
    [done] = stack.invoke("RestoreFunction", {"action_id": record.action_id, "apply": True})
    assert done["outcome"] == "restored"
    restored = studio_snapshot(ids)["research"]["DefaultUserSettings"]["JupyterLabAppSettings"]
    assert restored["DefaultResourceSpec"] == {"InstanceType": "ml.m5.large"}
    assert restored["AppLifecycleManagement"] == {"IdleSettings": {"LifecycleManagement": "DISABLED"}}


def test_given_a_private_space_canvas_and_an_overriding_profile_then_the_space_app_goes_and_is_restored_in_it(
    seeded: tuple[Stack, dict[str, str]],
) -> None:
    # moto_has_no_studio_profiles_or_spaces (tools/simulator/studio_owners_shim.py). Canvas in a private space:
    # CreateApp(SpaceName=..., AppType=Canvas); its activity is its owner's (DescribeSpace OwnershipSettings);
    # a profile's own settings override the domain's (Developer Guide, "Idle shutdown").
    stack, ids = seeded
    research = ids["research"]
    now = datetime.now(UTC)
    seed_profile(
        research,
        "gina",
        {"JupyterLabAppSettings": {"AppLifecycleManagement": {"IdleSettings": {"LifecycleManagement": "DISABLED"}}}},
    )
    seed_space(research, "gina-canvas", owner="gina")
    seed_app(
        research,
        "gina-canvas",
        "Canvas",
        "default",
        instance_type="system",
        created=now - timedelta(hours=6),
        space=True,
    )
    boto3.client("cloudwatch", region_name=REGION).put_metric_data(
        Namespace=CANVAS_NAMESPACE,
        MetricData=[
            {
                "MetricName": "TimeSinceLastActive",
                "Dimensions": [{"Name": "DomainId", "Value": research}, {"Name": "UserProfileName", "Value": "gina"}],
                "Timestamp": now - timedelta(minutes=2),
                "Value": 4 * 3600.0,
                "Unit": "Seconds",
            }
        ],
    )
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert app_status(research, "gina-canvas", "Canvas", "default") == "Deleted"
    [deleted] = [r for r in stack.records() if r.action == "delete-canvas-app" and r.before.get("SpaceName")]
    assert (deleted.before["SpaceName"], deleted.before["UserProfileName"]) == ("gina-canvas", "gina")
    [override] = [r for r in stack.records() if r.action == "finding:owner-overrides-idle-shutdown"]
    assert override.resource.name == f"{research}/user/gina" and "disabled" in (override.reason or "")
    [done] = stack.invoke("RestoreFunction", {"action_id": deleted.action_id, "apply": True})
    assert done["outcome"] == "restored"
    assert app_status(research, "gina-canvas", "Canvas", "default") == "InService", "created again in the space"
