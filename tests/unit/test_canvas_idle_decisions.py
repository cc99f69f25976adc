"""The Canvas rules of studio-idle (guardrails/canvas_idle.py), with no AWS at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecoguard.decisions import Finding, PlannedAction, Skip
from ecoguard.guardrails.canvas_idle import ANOMALY, DELETE_CANVAS, decide_canvas
from ecoguard.guardrails.studio import CanvasIdle, Domain, ObservedDomain, StudioApp
from ecoguard.guardrails.studio_idle import plan_studio_idle
from ecoguard.policy import StudioIdlePolicy

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
POLICY = StudioIdlePolicy()  # canvas_idle_minutes 120
DOMAIN = Domain("d-abc", "research", "arn:aws:sagemaker:us-east-1:123456789012:domain/d-abc", "InService", {})


def canvas(status: str = "InService", owner: str = "user/carol", app_type: str = "Canvas") -> StudioApp:
    return StudioApp("d-abc", app_type, "default", status, owner, "system", NOW - timedelta(hours=5))


def idle(seconds: float) -> CanvasIdle:
    return CanvasIdle(seconds, NOW - timedelta(minutes=2))


@pytest.mark.parametrize(("seconds", "deleted"), [(0, False), (7199, False), (7200, True), (86_400, True)])
def test_given_time_since_last_active_then_only_at_or_past_the_window_is_the_app_deleted(
    seconds: float, deleted: bool
) -> None:
    decision = decide_canvas(DOMAIN, canvas(), idle(seconds), {}, POLICY)
    if not deleted:
        assert decision is None
        return
    assert isinstance(decision, PlannedAction)
    assert decision.action == DELETE_CANVAS
    assert decision.before["DomainId"] == "d-abc" and decision.before["UserProfileName"] == "carol"
    assert decision.before["AppType"] == "Canvas" and decision.before["AppName"] == "default"
    assert decision.after == {"Status": "Deleted"}
    assert decision.resource.arn == "arn:aws:sagemaker:us-east-1:123456789012:app/d-abc/carol/canvas/default"
    assert "models and datasets kept" in decision.reason


def test_given_no_metric_data_then_the_app_never_counts_as_idle() -> None:
    assert decide_canvas(DOMAIN, canvas(), None, {}, POLICY) is None


@pytest.mark.parametrize("status", ["Pending", "Deleting", "Deleted", "Failed"])
def test_given_an_app_not_in_service_then_no_decision(status: str) -> None:
    assert decide_canvas(DOMAIN, canvas(status=status), idle(86_400), {}, POLICY) is None


def test_given_an_idle_jupyterlab_app_then_the_canvas_rule_ignores_it() -> None:
    assert decide_canvas(DOMAIN, canvas(app_type="JupyterLab"), idle(86_400), {}, POLICY) is None


def test_given_the_domain_is_exempt_then_the_idle_canvas_app_is_skipped() -> None:
    decision = decide_canvas(DOMAIN, canvas(), idle(86_400), {"ecoguard:exempt": "true"}, POLICY)
    assert isinstance(decision, Skip)
    assert decision.before["UserProfileName"] == "carol"


def test_given_canvas_disabled_or_a_longer_window_then_no_deletion() -> None:
    assert decide_canvas(DOMAIN, canvas(), idle(86_400), {}, StudioIdlePolicy(canvas_enabled=False)) is None
    assert decide_canvas(DOMAIN, canvas(), idle(7200), {}, StudioIdlePolicy(canvas_idle_minutes=121)) is None


def test_given_a_domain_plan_then_each_users_canvas_is_decided_on_its_own_activity() -> None:
    apps = (canvas(owner="user/carol"), canvas(owner="user/dave"), canvas(owner="user/erin"))
    observed = ObservedDomain(DOMAIN, {}, apps, {"user/carol": idle(10_800), "user/dave": idle(240)})
    plan = plan_studio_idle(observed, POLICY, NOW)
    deleted = [a.before["UserProfileName"] for a in plan.actions if a.action == DELETE_CANVAS]
    assert deleted == ["carol"]


def test_given_a_canvas_app_in_a_private_space_then_it_is_decided_on_its_owner_s_activity_and_recorded_by_space() -> (
    None
):
    # CreateApp(SpaceName=..., AppType=Canvas) puts Canvas in a private space: DeleteApp and CreateApp then
    # name the space, and the activity is the space owner's (DescribeSpace OwnershipSettings.OwnerUserProfileName;
    # SageMaker API reference).
    in_space = canvas(owner="space/carol-canvas")
    decision = decide_canvas(DOMAIN, in_space, idle(10_800), {}, POLICY, space_owners={"carol-canvas": "carol"})
    assert isinstance(decision, PlannedAction)
    assert decision.before["owner"] == "space/carol-canvas" and decision.before["SpaceName"] == "carol-canvas"
    assert decision.before["UserProfileName"] == "carol"
    assert decision.resource.arn.endswith(":app/d-abc/carol-canvas/canvas/default")
    assert decide_canvas(DOMAIN, in_space, idle(10_800), {}, POLICY) is None, "a space whose owner is unknown"


# --- rule 3a: evidence others cannot fake; rule 4: the user profile's tags -----------------------------------


@pytest.mark.parametrize(("samples", "anomaly"), [(None, False), (1, False), (5, False), (6, True), (600, True)])
def test_given_a_periods_sample_count_then_more_than_one_a_minute_is_a_finding_never_a_log_out(
    samples: float | None, anomaly: bool
) -> None:
    decision = decide_canvas(DOMAIN, canvas(), CanvasIdle(86_400, NOW, samples, 300), {}, POLICY)
    if anomaly:
        assert isinstance(decision, Finding) and decision.kind == ANOMALY and "not logged out" in decision.reason
        assert decision.evidence["expected_samples"] == 5
    else:
        assert isinstance(decision, PlannedAction)


def test_given_the_user_profile_tagged_exempt_then_the_app_is_skipped_naming_the_profile() -> None:
    decision = decide_canvas(DOMAIN, canvas(), idle(86_400), {}, POLICY, profile_tags={"ecoguard:exempt": "TRUE"})
    assert isinstance(decision, Skip) and decision.reason == "user profile carol tagged ecoguard:exempt=true"


def test_given_the_profile_tags_in_the_observed_domain_then_the_plan_honours_them() -> None:
    observed = ObservedDomain(
        DOMAIN, {}, (canvas(),), {"user/carol": idle(86_400)}, profile_tags={"carol": {"ecoguard:exempt": "true"}}
    )
    plan = plan_studio_idle(observed, POLICY, NOW)
    assert not [a for a in plan.actions if a.action == DELETE_CANVAS]
    assert any(isinstance(d, Skip) and "user profile carol" in d.reason for d in plan.decisions)
