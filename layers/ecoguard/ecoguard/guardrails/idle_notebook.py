"""Idle notebook instances: stop those with no kernel or terminal activity, keeping their volume.

The SageMaker API shows no activity, so instances with ecoguard's lifecycle configuration publish
one (``ACTIVITY_NAMESPACE``/``ACTIVITY_METRIC``: busy kernels and active terminals, every 5 minutes).

Rules, for one InService instance:

1. The guardrail disabled, or not InService: no decision.
2. An invalid ``ecoguard:idle-hours`` tag: skipped. ``ecoguard:exempt=true``: recorded as skipped only
   when it would otherwise have been stopped.
3. With the activity metric: stopped if InService for the whole window, the metric reported in it,
   and every report was 0. Any activity (a terminal alone counts) keeps it running. No reports at all
   is a finding: the script is not running, and that is not proof of idleness.
4. Without it: the policy's fallback. ``report``: a finding. ``off-hours``: stopped inside the window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ecoguard.decisions import Decision, Finding, PlannedAction, Resource, Skip
from ecoguard.guardrails.tags import idle_hours_from_tags, is_exempt
from ecoguard.impact import CURRENT, HOURS_PER_DAY, compute_estimate, instances_cost, region_of
from ecoguard.policy import IdleNotebooksPolicy, OffHours

GUARDRAIL = "idle-notebook"
STOP = "stop-notebook"
# Published by functions/idle_notebook/on-start.sh; the template test checks both sides agree.
ACTIVITY_NAMESPACE = "ecoguard/NotebookActivity"
ACTIVITY_METRIC = "ActiveSessions"
ACTIVITY_DIMENSION = "NotebookInstanceName"


@dataclass(frozen=True)
class Notebook:
    name: str
    arn: str
    status: str
    instance_type: str
    lifecycle_config: str | None
    in_service_since: datetime  # LastModifiedTime: a start or an update
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def resource(self) -> Resource:
        return Resource(arn=self.arn, name=self.name, kind="AWS::SageMaker::NotebookInstance", tags=self.tags)


@dataclass(frozen=True)
class Activity:
    """The activity metric over the window: how many reports, the highest value, the last active time."""

    reports: int
    peak: float
    last_active: datetime | None = None


def idle_hours(notebook: Notebook, policy: IdleNotebooksPolicy) -> int | str:
    return idle_hours_from_tags(notebook.tags, policy.idle_hours)


def reports_activity(notebook: Notebook, activity_configs: frozenset[str]) -> bool:
    return notebook.lifecycle_config is not None and notebook.lifecycle_config in activity_configs


def in_off_hours(off: OffHours, now: datetime) -> bool:
    local = now.astimezone(UTC if off.time_zone == "UTC" else ZoneInfo(off.time_zone))
    if off.weekends and local.weekday() >= 5:
        return True
    start, end, t = time.fromisoformat(off.start), time.fromisoformat(off.end), local.time()
    if start < end:
        return start <= t < end
    return t >= start or t < end  # the window crosses midnight


def decide_notebook(
    notebook: Notebook,
    activity: Activity | None,
    policy: IdleNotebooksPolicy,
    activity_configs: frozenset[str],
    now: datetime,
) -> Decision | None:
    """``activity`` is None when the instance has no activity lifecycle configuration."""
    decision = _decide(notebook, activity, policy, activity_configs, now)
    if not is_exempt(notebook.tags):
        return decision
    # Exempt: recorded only when ecoguard would otherwise have stopped it; findings about it stay quiet.
    if isinstance(decision, PlannedAction):
        return Skip(GUARDRAIL, notebook.resource, "tagged ecoguard:exempt=true", decision.before)
    return None


def _decide(
    notebook: Notebook,
    activity: Activity | None,
    policy: IdleNotebooksPolicy,
    activity_configs: frozenset[str],
    now: datetime,
) -> Decision | None:
    if not policy.enabled or notebook.status != "InService":
        return None
    resource = notebook.resource
    before = {"NotebookInstanceStatus": "InService", "InstanceType": notebook.instance_type}
    after = {"NotebookInstanceStatus": "Stopped"}
    hours = idle_hours(notebook, policy)
    if isinstance(hours, str):
        return Skip(GUARDRAIL, resource, hours, before)

    if not reports_activity(notebook, activity_configs):
        if policy.fallback == "off-hours" and in_off_hours(policy.off_hours, now):
            off = policy.off_hours
            return PlannedAction(
                GUARDRAIL,
                resource,
                STOP,
                before,
                after,
                f"no activity lifecycle configuration; off-hours ({off.start}-{off.end} {off.time_zone}): "
                "stopped (instance and volume kept)",
                idle_day_impact(notebook),
            )
        if policy.fallback == "report":
            return Finding(
                GUARDRAIL,
                resource,
                "no-activity-metric",
                "no activity lifecycle configuration: kernel and terminal activity cannot be seen; "
                "attach the stack's lifecycle configuration or set fallback: off-hours",
                {"NotebookInstanceLifecycleConfigName": notebook.lifecycle_config},
            )
        return None

    window = timedelta(hours=hours)
    if now - notebook.in_service_since < window or activity is None:
        return None
    if activity.reports == 0:
        return Finding(
            GUARDRAIL,
            resource,
            "activity-metric-missing",
            f"the activity lifecycle configuration reported nothing in {hours} h: not stopped, since missing "
            "data is not idleness; check the instance's lifecycle log and its role's cloudwatch:PutMetricData",
            {"NotebookInstanceLifecycleConfigName": notebook.lifecycle_config},
        )
    if activity.peak > 0:
        return None
    return PlannedAction(
        GUARDRAIL,
        resource,
        STOP,
        before,
        after,
        f"no kernel or terminal activity in {hours} h ({activity.reports} reports, all 0): "
        "stopped (instance and volume kept)",
        idle_day_impact(notebook),
    )


def idle_day_impact(notebook: Notebook) -> dict[str, Any]:
    """What a day of the instance costs while idle (CCF at 0% utilization), and what it costs a day now
    (``CURRENT``)."""
    region = region_of(notebook.arn)
    estimate = compute_estimate(
        notebook.instance_type,
        count=1,
        hours=HOURS_PER_DAY,
        region=region,
        utilization_pct=0,
        period="per idle day",
    )
    current = instances_cost([(notebook.instance_type, 1)], hours=HOURS_PER_DAY, region=region, period="per day")
    return {**estimate.to_dict(), CURRENT: current.to_dict()}
