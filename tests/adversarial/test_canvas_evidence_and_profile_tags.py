"""Attack 2c and 4c: Canvas. ``/aws/sagemaker/Canvas/AppActivity`` is not a reserved namespace (PutMetricData
reserves only ``AWS/``: CloudWatch API reference, PutMetricData, ``Namespace``): any principal allowed
``cloudwatch:PutMetricData`` wrote many high ``TimeSinceLastActive`` values for a user whose Canvas had published
nothing yet, and the user was logged out (DeleteApp). And the user profile's own ``ecoguard:exempt=true`` was not
read: only the domain's tags were.

Controls: ``guardrails/canvas_idle.py`` rule 3a (each period's Minimum and SampleCount; more datapoints in a period
than one a minute is another principal's: an ``evidence-anomaly`` finding, never a log-out) and rule 4 (the user
profile's tags, read for each profile idle past the window: ``actions/studio_idle.py``).
Shims: ``moto_has_no_studio_apps`` (studio_shim), ``moto_has_no_studio_profiles_or_spaces`` (studio_owners_shim,
which answers ListTags on a profile's ARN too).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from ecoguard.decisions import Outcome
from tests.conftest import REGION, Stack, load_event
from tools.simulator.seed_studio import CANVAS_NAMESPACE, seed_canvas, seed_domains
from tools.simulator.studio_owners_shim import seed_profile, tag_profile
from tools.simulator.studio_shim import app_status

FN = "StudioIdleFunction"
SWEEP = "studio_idle/scheduled-sweep.json"
ENFORCE = {"ECOGUARD_MODE": "enforce"}


@pytest.fixture
def ids(stack: Stack) -> dict[str, str]:
    ids = seed_domains()
    seed_canvas(ids, datetime.now(UTC))
    return ids


def forge_idle(domain_id: str, profile: str, per_minute: int = 20) -> None:
    """What any principal with cloudwatch:PutMetricData can do: many 'idle for 10 hours' datapoints a minute."""
    now = datetime.now(UTC)
    data: list[Any] = [
        {
            "MetricName": "TimeSinceLastActive",
            "Dimensions": [{"Name": "DomainId", "Value": domain_id}, {"Name": "UserProfileName", "Value": profile}],
            "Timestamp": now - timedelta(minutes=m, seconds=s),
            "Value": 36_000.0,
            "Unit": "Seconds",
        }
        for m in range(1, 30)
        for s in range(per_minute)
    ]
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    for offset in range(0, len(data), 1000):
        cloudwatch.put_metric_data(Namespace=CANVAS_NAMESPACE, MetricData=data[offset : offset + 1000])


def test_given_forged_idle_datapoints_for_a_user_canvas_never_reported_then_they_are_not_logged_out(
    stack: Stack, ids: dict[str, str]
) -> None:
    research = ids["research"]
    forge_idle(research, "erin")  # erin's Canvas published nothing: "no data is never idle", until forged
    stack.invoke(FN, load_event(SWEEP), env=ENFORCE)
    assert app_status(research, "erin", "Canvas", "default") == "InService"
    [anomaly] = [r for r in stack.records() if r.action == "finding:evidence-anomaly"]
    assert anomaly.outcome is Outcome.FINDING and "erin" in anomaly.reason and "not logged out" in anomaly.reason
    assert app_status(research, "carol", "Canvas", "default") == "Deleted", "the genuinely idle user still is"


def test_given_a_user_profile_tagged_exempt_then_its_idle_canvas_is_skipped_not_logged_out(
    stack: Stack, ids: dict[str, str]
) -> None:
    research = ids["research"]
    seed_profile(research, "carol")
    tag_profile(research, "carol", {"ecoguard:exempt": "true"})  # the domain is not exempt; carol's profile is
    stack.invoke(FN, load_event(SWEEP), env=ENFORCE)
    assert app_status(research, "carol", "Canvas", "default") == "InService"
    skipped = [
        r for r in stack.records() if r.outcome is Outcome.SKIPPED and r.before.get("UserProfileName") == "carol"
    ]
    assert [r.reason for r in skipped] == ["user profile carol tagged ecoguard:exempt=true"]
