"""IdleNotebookFunction end to end: the handler from template.yaml, on a simulated account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from ecoguard.decisions import Outcome
from ecoguard.guardrails.idle_notebook import ACTIVITY_METRIC, ACTIVITY_NAMESPACE
from ecoguard_cli import operations
from tests.builders.idle_notebook import HOUR_OF_REPORTS, LIFECYCLE, ZERO_DAY
from tests.conftest import REGION, Stack, load_event, record_calls
from tools.simulator.seed_inference import create_activity_lifecycle_config, create_notebook, notebook_status

FN = "IdleNotebookFunction"
SWEEP = "idle_notebook/scheduled-sweep.json"


@pytest.fixture
def seeded(stack: Stack) -> Stack:
    create_activity_lifecycle_config(LIFECYCLE)
    create_notebook("idle", age=timedelta(days=1), lifecycle_config=LIFECYCLE, activity=ZERO_DAY)
    # One busy kernel 2 hours ago, idle since: active within the 3-hour window.
    busy = ZERO_DAY[: -2 * HOUR_OF_REPORTS] + [1.0] + [0.0] * (2 * HOUR_OF_REPORTS - 1)
    create_notebook("busy-kernel", age=timedelta(days=1), lifecycle_config=LIFECYCLE, activity=busy)
    # A terminal session alone: the script reports it as 1 (see tests/unit/test_notebook_activity_script.py).
    create_notebook("terminal-only", age=timedelta(days=1), lifecycle_config=LIFECYCLE, activity=[0.0, 1.0] * 144)
    create_notebook("just-started", age=timedelta(hours=1), lifecycle_config=LIFECYCLE, activity=[0.0] * 12)
    create_notebook(
        "idle-exempt",
        age=timedelta(days=1),
        lifecycle_config=LIFECYCLE,
        activity=ZERO_DAY,
        tags={"ecoguard:exempt": "true"},
    )
    create_notebook("no-lifecycle", age=timedelta(days=2), lifecycle_config=None)
    create_notebook("script-silent", age=timedelta(days=1), lifecycle_config=LIFECYCLE)
    return stack


NAMES = ("idle", "busy-kernel", "terminal-only", "just-started", "idle-exempt", "no-lifecycle", "script-silent")


def statuses() -> dict[str, str]:
    return {name: notebook_status(name) for name in NAMES}


def outcomes(stack: Stack) -> dict[str, tuple[Outcome, str]]:
    return {r.resource.name: (r.outcome, r.action) for r in stack.records()}


def test_given_the_sample_sweep_in_dry_run_then_only_the_idle_notebook_would_stop_and_nothing_changes(
    seeded: Stack,
) -> None:
    calls = record_calls("sagemaker")
    [result] = seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "dry-run"})
    assert "StopNotebookInstance" not in calls.calls
    assert set(statuses().values()) == {"InService"}
    assert outcomes(seeded) == {
        "idle": (Outcome.WOULD_APPLY, "stop-notebook"),
        "idle-exempt": (Outcome.SKIPPED, "skip"),
        "no-lifecycle": (Outcome.FINDING, "finding:no-activity-metric"),
        "script-silent": (Outcome.FINDING, "finding:activity-metric-missing"),
    }
    assert result["evaluated"] == len(NAMES)


def test_given_enforce_then_the_idle_notebook_is_stopped_and_no_active_one_is(seeded: Stack) -> None:
    seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert statuses() == {name: "Stopped" if name == "idle" else "InService" for name in NAMES}
    [stopped] = [r for r in seeded.records() if r.outcome is Outcome.APPLIED]
    assert stopped.before == {"NotebookInstanceStatus": "InService", "InstanceType": "ml.t3.medium"}


def test_given_a_stopped_notebook_when_restored_then_it_is_started_again(seeded: Stack) -> None:
    seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    [stopped] = [r for r in seeded.records() if r.outcome is Outcome.APPLIED]
    session = boto3.session.Session(region_name=REGION)
    result = operations.restore_record(
        session, seeded.resolver.refs["AuditTable"], stopped.action_id, apply=True, record_key=seeded.record_key
    )
    assert result.outcome is Outcome.RESTORED
    assert notebook_status("idle") == "InService"


def test_given_the_off_hours_fallback_in_its_window_then_a_notebook_without_the_metric_is_stopped(stack: Stack) -> None:
    create_notebook("no-lifecycle", age=timedelta(days=2), lifecycle_config=None)
    now = datetime.now(UTC)
    window = {
        "start": f"{now - timedelta(hours=1):%H:%M}",
        "end": f"{now + timedelta(hours=1):%H:%M}",
        "weekends": False,
    }
    stack.use_policy({"idle_inference": {"notebooks": {"fallback": "off-hours", "off_hours": window}}})
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    assert notebook_status("no-lifecycle") == "Stopped"


def test_given_one_page_of_notebooks_then_activity_is_read_in_one_get_metric_data_call(seeded: Stack) -> None:
    calls = record_calls("cloudwatch")
    seeded.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "dry-run"})
    assert calls.calls["GetMetricData"] == 1
    [(_, params)] = calls.params
    metrics = [q["MetricStat"]["Metric"] for q in params["MetricDataQueries"]]
    # moto 5.2.5 ignores the namespace when dimensions are given: assert what we send instead.
    assert {(m["Namespace"], m["MetricName"]) for m in metrics} == {(ACTIVITY_NAMESPACE, ACTIVITY_METRIC)}
    assert len(metrics) == 6, "only instances with the activity lifecycle configuration are queried"


def test_given_notebooks_tagged_only_with_cost_allocation_tags_when_enforce_sweeps_then_their_records_carry_them(
    stack: Stack,
) -> None:
    create_activity_lifecycle_config(LIFECYCLE)
    create_notebook(
        "team-idle", age=timedelta(days=1), lifecycle_config=LIFECYCLE, activity=ZERO_DAY, tags={"team": "ml"}
    )
    create_notebook(
        "Cost-Idle",
        age=timedelta(days=1),
        lifecycle_config=LIFECYCLE,
        activity=ZERO_DAY,
        tags={"cost-center": "cc-7", "owner": "ana"},
    )
    create_notebook("team-no-lifecycle", age=timedelta(days=2), lifecycle_config=None, tags={"team": "growth"})
    create_notebook("untagged-idle", age=timedelta(days=1), lifecycle_config=LIFECYCLE, activity=ZERO_DAY)
    calls = record_calls("resourcegroupstaggingapi")
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    # One listing each for ecoguard:exempt and ecoguard:idle-hours, then for the bundled policy's
    # report.attribution_tags, once for the invocation.
    listings = [p for op, p in calls.params if op == "GetResources"]
    assert [p["TagFilters"] for p in listings] == [
        [{"Key": key}] for key in ("ecoguard:exempt", "ecoguard:idle-hours", "team", "cost-center")
    ]
    assert all(p["ResourceTypeFilters"] == ["sagemaker:notebook-instance"] for p in listings)
    records = {r.resource.name: r for r in stack.records()}
    assert {name: (r.outcome, r.attribution) for name, r in records.items()} == {
        "team-idle": (Outcome.APPLIED, {"team": "ml"}),
        "Cost-Idle": (Outcome.APPLIED, {"cost-center": "cc-7"}),
        "team-no-lifecycle": (Outcome.FINDING, {"team": "growth"}),
        "untagged-idle": (Outcome.APPLIED, None),
    }
    assert notebook_status("team-idle") == notebook_status("Cost-Idle") == "Stopped"


def test_given_no_attribution_tags_in_the_policy_then_the_notebook_sweep_lists_only_the_governing_keys(
    stack: Stack,
) -> None:
    stack.use_policy("report: {attribution_tags: []}")
    create_activity_lifecycle_config(LIFECYCLE)
    create_notebook(
        "team-idle", age=timedelta(days=1), lifecycle_config=LIFECYCLE, activity=ZERO_DAY, tags={"team": "ml"}
    )
    calls = record_calls("resourcegroupstaggingapi")
    stack.invoke(FN, load_event(SWEEP), env={"ECOGUARD_MODE": "enforce"})
    keys = [p["TagFilters"][0]["Key"] for op, p in calls.params if op == "GetResources"]
    assert keys == ["ecoguard:exempt", "ecoguard:idle-hours"]
    [record] = stack.records()
    assert record.outcome is Outcome.APPLIED and record.attribution is None
