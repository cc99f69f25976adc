"""The studio-idle rules (guardrails/studio_idle.py), with no AWS at all."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from ecoguard.decisions import Finding, PlannedAction, Skip
from ecoguard.guardrails.studio import Domain, ObservedDomain, Owner, StudioApp
from ecoguard.guardrails.studio_idle import (
    OWNER_OVERRIDES,
    decide_domain,
    plan_studio_idle,
    timeout_from_tags,
    with_timeout,
)
from ecoguard.policy import Policy, StudioIdlePolicy

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
POLICY = StudioIdlePolicy()
CAPPED = StudioIdlePolicy(max_idle_timeout_minutes=240)
ARN = "arn:aws:sagemaker:us-east-1:123456789012:domain/d-abc"
UJ, UC, SJ = (
    "DefaultUserSettings.JupyterLabAppSettings",
    "DefaultUserSettings.CodeEditorAppSettings",
    "DefaultSpaceSettings.JupyterLabAppSettings",
)


def idle(lifecycle: str | None = "ENABLED", minutes: int | None = None, **extra: int) -> dict[str, Any]:
    settings: dict[str, Any] = {**extra}
    if lifecycle is not None:
        settings["LifecycleManagement"] = lifecycle
    if minutes is not None:
        settings["IdleTimeoutInMinutes"] = minutes
    return {"AppLifecycleManagement": {"IdleSettings": settings}}


def domain(
    user_lab: Mapping[str, Any] | None = None,
    user_code: Mapping[str, Any] | None = None,
    space_lab: Mapping[str, Any] | None = None,
    status: str = "InService",
) -> Domain:
    user: dict[str, Any] = {"ExecutionRole": "arn:aws:iam::123456789012:role/Studio"}
    space: dict[str, Any] = {}
    if user_lab is not None:
        user["JupyterLabAppSettings"] = user_lab
    if user_code is not None:
        user["CodeEditorAppSettings"] = user_code
    if space_lab is not None:
        space["JupyterLabAppSettings"] = space_lab
    return Domain("d-abc", "research", ARN, status, {"DefaultUserSettings": user, "DefaultSpaceSettings": space})


ALL_SHORT = domain(idle(minutes=90), idle(minutes=90), idle(minutes=90))


def test_given_a_domain_without_idle_settings_then_all_three_targets_get_idle_shutdown_at_the_default() -> None:
    decision = decide_domain(domain(), {}, POLICY)
    assert isinstance(decision, PlannedAction)
    assert decision.before == {UJ: None, UC: None, SJ: None}
    expected = {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 60}
    assert {key: value["AppLifecycleManagement"]["IdleSettings"] for key, value in decision.after.items()} == {
        UJ: expected,
        UC: expected,
        SJ: expected,
    }
    assert "absent -> enabled, 60 min" in decision.reason


def test_given_app_settings_with_other_fields_then_they_are_kept_and_only_idle_settings_change() -> None:
    lab = {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}, "LifecycleConfigArns": ["arn:lcc"]}
    decision = decide_domain(domain(user_lab=lab, user_code=idle(minutes=90), space_lab=idle(minutes=90)), {}, POLICY)
    assert isinstance(decision, PlannedAction)
    assert set(decision.after) == {UJ}, "targets already configured are left out of the change"
    assert decision.before == {UJ: lab}
    assert decision.after[UJ] == lab | idle(minutes=60)


def test_given_idle_shutdown_disabled_then_it_is_enabled_and_the_owners_bounds_are_kept() -> None:
    lab = idle("DISABLED", 300, MinIdleTimeoutInMinutes=60, MaxIdleTimeoutInMinutes=600)
    decision = decide_domain(domain(lab, idle(minutes=90), idle(minutes=90)), {}, POLICY)
    assert isinstance(decision, PlannedAction)
    assert decision.after[UJ]["AppLifecycleManagement"]["IdleSettings"] == {
        "LifecycleManagement": "ENABLED",
        "IdleTimeoutInMinutes": 60,
        "MinIdleTimeoutInMinutes": 60,
        "MaxIdleTimeoutInMinutes": 600,
    }
    assert "disabled -> enabled" in decision.reason


def test_given_enabled_without_a_timeout_then_it_gets_the_timeout() -> None:
    decision = decide_domain(domain(idle(minutes=None), idle(minutes=90), idle(minutes=90)), {}, POLICY)
    assert isinstance(decision, PlannedAction)
    assert decision.after[UJ]["AppLifecycleManagement"]["IdleSettings"]["IdleTimeoutInMinutes"] == 60


@pytest.mark.parametrize("minutes", [60, 61, 90, 1440, 525_600])
def test_given_an_owners_explicit_timeout_and_no_maximum_then_it_is_kept(minutes: int) -> None:
    assert (
        decide_domain(domain(idle(minutes=minutes), idle(minutes=minutes), idle(minutes=minutes)), {}, POLICY) is None
    )


@pytest.mark.parametrize(("minutes", "lowered"), [(239, False), (240, False), (241, True), (525_600, True)])
def test_given_a_maximum_then_only_a_longer_timeout_is_lowered_to_it(minutes: int, lowered: bool) -> None:
    decision = decide_domain(domain(idle(minutes=minutes), idle(minutes=90), idle(minutes=90)), {}, CAPPED)
    if not lowered:
        assert decision is None
        return
    assert isinstance(decision, PlannedAction)
    assert decision.after == {UJ: idle(minutes=240)}
    assert decision.before == {UJ: idle(minutes=minutes)}
    assert "exceeds the maximum 240" in decision.reason


def test_given_an_exempt_domain_then_it_is_skipped_with_the_before_state() -> None:
    decision = decide_domain(domain(), {"ecoguard:exempt": " TRUE "}, POLICY)
    assert isinstance(decision, Skip)
    assert decision.reason == "tagged ecoguard:exempt=true"
    assert decision.before == {UJ: None, UC: None, SJ: None}


@pytest.mark.parametrize(("raw", "expected"), [("60", 60), (" 120 ", 120), ("525600", 525_600)])
def test_given_a_valid_idle_minutes_tag_then_it_replaces_the_timeout(raw: str, expected: int) -> None:
    assert timeout_from_tags({"ecoguard:idle-minutes": raw}, 60) == expected
    decision = decide_domain(domain(), {"ecoguard:idle-minutes": raw}, POLICY)
    assert isinstance(decision, PlannedAction)
    assert all(
        v["AppLifecycleManagement"]["IdleSettings"]["IdleTimeoutInMinutes"] == expected for v in decision.after.values()
    )
    assert "from tag ecoguard:idle-minutes" in decision.reason


@pytest.mark.parametrize("raw", ["59", "525601", "0", "-60", "1h", "", "90.5"])
def test_given_an_invalid_idle_minutes_tag_then_the_domain_is_skipped_never_applied(raw: str) -> None:
    assert isinstance(timeout_from_tags({"ecoguard:idle-minutes": raw}, 60), str)
    decision = decide_domain(domain(), {"ecoguard:idle-minutes": raw}, POLICY)
    assert isinstance(decision, Skip)
    assert "ecoguard:idle-minutes" in decision.reason


def test_given_a_tag_above_the_maximum_then_the_maximum_does_not_lower_the_tagged_timeout() -> None:
    tagged = {"ecoguard:idle-minutes": "600"}
    assert decide_domain(domain(idle(minutes=600), idle(minutes=600), idle(minutes=600)), tagged, CAPPED) is None
    decision = decide_domain(domain(idle(minutes=900), idle(minutes=600), idle(minutes=600)), tagged, CAPPED)
    assert isinstance(decision, PlannedAction)
    assert decision.after == {UJ: idle(minutes=600)}


def test_given_a_timeout_outside_the_owners_bounds_then_it_is_skipped() -> None:
    lab = idle("DISABLED", MinIdleTimeoutInMinutes=120)
    decision = decide_domain(domain(lab, idle(minutes=90), idle(minutes=90)), {}, POLICY)
    assert isinstance(decision, Skip)
    assert "below the owner's MinIdleTimeoutInMinutes 120" in decision.reason


def test_given_a_domain_not_in_service_then_it_is_skipped_to_the_next_sweep() -> None:
    decision = decide_domain(domain(status="Updating"), {}, POLICY)
    assert isinstance(decision, Skip)
    assert "Updating" in decision.reason


def test_given_a_fully_configured_domain_then_the_plan_is_compliant_even_if_exempt_or_updating() -> None:
    assert plan_studio_idle(ObservedDomain(ALL_SHORT, {}), POLICY, NOW).compliant
    assert decide_domain(ALL_SHORT, {"ecoguard:exempt": "true"}, POLICY) is None
    updating = domain(idle(minutes=90), idle(minutes=90), idle(minutes=90), status="Updating")
    assert decide_domain(updating, {}, POLICY) is None


def test_given_the_guardrail_disabled_then_the_domain_is_out_of_scope() -> None:
    assert not plan_studio_idle(ObservedDomain(domain(), {}), StudioIdlePolicy(enabled=False), NOW).in_scope


def app(app_type: str, status: str = "InService", instance: str | None = "ml.g5.xlarge") -> StudioApp:
    return StudioApp("d-abc", app_type, "default", status, "space/team-a", instance, NOW - timedelta(hours=30))


def test_given_running_studio_apps_then_each_is_a_finding_with_instance_type_and_age() -> None:
    apps = (
        app("JupyterLab"),
        app("CodeEditor", instance="ml.t3.medium"),
        app("KernelGateway"),
        app("JupyterLab", status="Deleted"),
        app("Canvas"),
        app("JupyterServer", instance="system"),
    )
    plan = plan_studio_idle(ObservedDomain(ALL_SHORT, {}, apps), POLICY, NOW)
    findings = [d for d in plan.decisions if isinstance(d, Finding)]
    assert [f.evidence["app_type"] for f in findings] == ["JupyterLab", "CodeEditor", "KernelGateway"]
    first = findings[0]
    assert first.kind == "running-studio-app"
    assert first.evidence["instance_type"] == "ml.g5.xlarge" and first.evidence["age_hours"] == 30.0
    assert first.resource.arn == "arn:aws:sagemaker:us-east-1:123456789012:app/d-abc/team-a/jupyterlab/default"
    assert first.impact is not None and first.impact["period"] == "per month, if left running"
    assert plan.compliant, "advice alone leaves the domain compliant"


def test_given_report_running_apps_off_then_no_finding() -> None:
    plan = plan_studio_idle(
        ObservedDomain(ALL_SHORT, {}, (app("JupyterLab"),)), StudioIdlePolicy(report_running_apps=False), NOW
    )
    assert plan.decisions == ()


def test_with_timeout_never_changes_the_object_it_is_given() -> None:
    lab = idle("DISABLED", 300)
    with_timeout(lab, 60)
    assert lab == idle("DISABLED", 300)


@pytest.mark.parametrize(
    "section",
    [
        {"idle_timeout_minutes": 59},
        {"idle_timeout_minutes": 525_601},
        {"max_idle_timeout_minutes": 59},
        {"idle_timeout_minutes": 120, "max_idle_timeout_minutes": 90},
        {"unknown": 1},
    ],
)
def test_given_an_invalid_policy_then_it_is_rejected(section: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Policy.model_validate({"version": 1, "studio_idle": section})


def test_given_a_compliant_domain_whose_profile_and_space_override_idle_shutdown_then_each_is_a_finding() -> None:
    # User profile settings override domain settings, and spaces have their own (Developer Guide, "Idle
    # shutdown"); DescribeUserProfile UserSettings, DescribeSpace SpaceSettings (SageMaker API reference).
    off = {"AppLifecycleManagement": {"IdleSettings": {"LifecycleManagement": "DISABLED"}}}
    long = {
        "AppLifecycleManagement": {"IdleSettings": {"LifecycleManagement": "ENABLED", "IdleTimeoutInMinutes": 9000}}
    }
    owners = (
        Owner("user", "carol", {"JupyterLabAppSettings": off}),
        Owner("space", "team", {"CodeEditorAppSettings": long}, "dave"),
        Owner("user", "erin", {}),
    )
    compliant = ALL_SHORT
    policy = StudioIdlePolicy(max_idle_timeout_minutes=480)
    assert plan_studio_idle(ObservedDomain(compliant, {}), policy, NOW).compliant
    plan = plan_studio_idle(ObservedDomain(compliant, {}, (), owners=owners), policy, NOW)
    found = {d.resource.name: d for d in plan.decisions if isinstance(d, Finding) and d.kind == OWNER_OVERRIDES}
    assert set(found) == {"d-abc/user/carol", "d-abc/space/team"}
    assert "idle shutdown disabled" in found["d-abc/user/carol"].reason
    assert "9000 min above 480 min" in found["d-abc/space/team"].reason

    assert not plan.actions, "the owners' settings are theirs: reported, never changed"


def test_given_an_sdk_without_app_lifecycle_management_then_no_settings_are_decided() -> None:
    # An SDK that predates AppLifecycleManagement parses the idle settings away: every domain would read as
    # without them, and the same UpdateDomain be planned every hour (adapters.sdk_support).
    blind = ObservedDomain(domain(), {}, sdk_gaps=("JupyterLabAppSettings.AppLifecycleManagement",))
    assert plan_studio_idle(blind, POLICY, NOW).actions == ()
    assert plan_studio_idle(ObservedDomain(domain(), {}), POLICY, NOW).actions
