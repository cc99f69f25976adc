"""Idle notebook decisions: pure, no AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecoguard.decisions import Finding, PlannedAction, Skip
from ecoguard.guardrails.idle_notebook import Activity, Notebook, decide_notebook, in_off_hours
from ecoguard.policy import IdleNotebooksPolicy, OffHours
from tests.unit.fakes import NOW

POLICY = IdleNotebooksPolicy()
CONFIGS = frozenset({"ecoguard-activity"})


def notebook(
    *,
    config: str | None = "ecoguard-activity",
    since: timedelta = timedelta(days=1),
    tags: dict[str, str] | None = None,
) -> Notebook:
    return Notebook(
        name="research",
        arn="arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/research",
        status="InService",
        instance_type="ml.g5.xlarge",
        lifecycle_config=config,
        in_service_since=NOW - since,
        tags=tags or {},
    )


def test_given_three_hours_of_zero_activity_then_the_notebook_is_stopped_and_kept() -> None:
    decision = decide_notebook(notebook(), Activity(reports=36, peak=0.0), POLICY, CONFIGS, NOW)
    assert isinstance(decision, PlannedAction)
    assert decision.after == {"NotebookInstanceStatus": "Stopped"}
    assert decision.before["NotebookInstanceStatus"] == "InService" and "volume kept" in decision.reason


def test_given_a_terminal_only_session_then_the_activity_keeps_it_running() -> None:
    # The script counts terminals as sessions: one terminal reports 1.
    activity = Activity(reports=36, peak=1.0, last_active=NOW - timedelta(minutes=5))
    assert decide_notebook(notebook(), activity, POLICY, CONFIGS, NOW) is None


def test_given_no_reports_at_all_then_it_is_a_finding_not_a_stop() -> None:
    decision = decide_notebook(notebook(), Activity(reports=0, peak=0.0), POLICY, CONFIGS, NOW)
    assert isinstance(decision, Finding) and decision.kind == "activity-metric-missing"


def test_given_an_instance_started_within_the_window_then_it_is_not_stopped() -> None:
    fresh = notebook(since=timedelta(hours=2, minutes=59))
    assert decide_notebook(fresh, Activity(reports=30, peak=0.0), POLICY, CONFIGS, NOW) is None


def test_given_an_idle_hours_tag_then_it_replaces_the_policy_hours() -> None:
    tagged = notebook(since=timedelta(hours=2), tags={"ecoguard:idle-hours": "1"})
    decision = decide_notebook(tagged, Activity(reports=12, peak=0.0), POLICY, CONFIGS, NOW)
    assert isinstance(decision, PlannedAction) and "in 1 h" in decision.reason


def test_given_an_invalid_idle_hours_tag_or_the_exempt_tag_then_it_is_skipped() -> None:
    bad = decide_notebook(notebook(tags={"ecoguard:idle-hours": "soon"}), Activity(36, 0.0), POLICY, CONFIGS, NOW)
    exempt = decide_notebook(notebook(tags={"ecoguard:exempt": "true"}), Activity(36, 0.0), POLICY, CONFIGS, NOW)
    assert isinstance(bad, Skip) and "ecoguard:idle-hours" in bad.reason
    assert isinstance(exempt, Skip) and exempt.reason == "tagged ecoguard:exempt=true"


def test_given_no_lifecycle_config_and_report_fallback_then_a_finding() -> None:
    decision = decide_notebook(notebook(config=None), None, POLICY, CONFIGS, NOW)
    assert isinstance(decision, Finding) and decision.kind == "no-activity-metric"


def test_given_no_lifecycle_config_and_off_hours_fallback_then_stopped_only_inside_the_window() -> None:
    policy = IdleNotebooksPolicy(fallback="off-hours", off_hours=OffHours(time_zone="Europe/Paris", weekends=False))
    night = datetime(2026, 11, 26, 21, 30, tzinfo=UTC)  # 22:30 in Paris
    day = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    assert isinstance(decide_notebook(notebook(config=None), None, policy, CONFIGS, night), PlannedAction)
    assert decide_notebook(notebook(config=None), None, policy, CONFIGS, day) is None


@pytest.mark.parametrize(
    ("local", "expected"),
    [("19:59", False), ("20:00", True), ("23:59", True), ("00:00", True), ("06:59", True), ("07:00", False)],
)
def test_off_hours_crossing_midnight(local: str, expected: bool) -> None:
    off = OffHours(time_zone="UTC", start="20:00", end="07:00", weekends=False)
    hour, minute = map(int, local.split(":"))
    assert in_off_hours(off, datetime(2026, 11, 26, hour, minute, tzinfo=UTC)) is expected


def test_off_hours_weekends_are_off_all_day() -> None:
    saturday_noon = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert in_off_hours(OffHours(), saturday_noon)
    assert not in_off_hours(OffHours(weekends=False), saturday_noon)


def test_given_a_stopped_notebook_then_no_decision() -> None:
    stopped = Notebook(**{**notebook().__dict__, "status": "Stopped"})
    assert decide_notebook(stopped, Activity(36, 0.0), POLICY, CONFIGS, NOW) is None


def test_given_the_exempt_tag_on_an_active_or_unmeasured_notebook_then_nothing_is_recorded() -> None:
    exempt = {"ecoguard:exempt": "true"}
    assert decide_notebook(notebook(tags=exempt), Activity(36, 2.0), POLICY, CONFIGS, NOW) is None
    assert decide_notebook(notebook(config=None, tags=exempt), None, POLICY, CONFIGS, NOW) is None
