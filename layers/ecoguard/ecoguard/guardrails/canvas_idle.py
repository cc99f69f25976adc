"""Canvas idle: log out (DeleteApp) Canvas apps idle longer than the policy's window. Part of studio-idle.

Canvas bills its workspace instance while a user stays logged in. SageMaker Canvas publishes
``TimeSinceLastActive`` (seconds) in the CloudWatch namespace ``/aws/sagemaker/Canvas/AppActivity`` with the
dimensions ``DomainId`` and ``UserProfileName`` (AWS Machine Learning Blog, "Optimizing costs for Amazon
SageMaker Canvas with automatic shutdown of idle apps"; aws-samples/sagemaker-canvas-auto-shutdown-on-idle).
Deleting the Canvas app logs the user out; models and datasets are kept (Developer Guide, "Logging out of
Amazon SageMaker Canvas").

A Canvas app may run in a private space (``CreateApp`` with ``SpaceName``, ``AppType`` Canvas): it is then
the space's app, deleted and re-created with its ``SpaceName`` (SageMaker API reference, CreateApp, DeleteApp),
and its activity is its owner's (DescribeSpace ``OwnershipSettings.OwnerUserProfileName``, the profile the
metric's ``UserProfileName`` dimension names).

Rules, for each Canvas app of a domain, in order:

1. Not ``InService`` (or not Canvas), or in a space whose owner is unknown (a shared space): no decision.
2. No ``TimeSinceLastActive`` datapoint in the look-back: no decision. Missing data never counts as idle.
3. The latest value below ``canvas_idle_minutes``: no decision (active). Each period is read as its Minimum:
   added high values cannot hide the real, lower ones, which cannot be removed.
3a. Evidence others cannot fake: ``/aws/sagemaker/Canvas/AppActivity`` is not reserved (PutMetricData reserves
   only ``AWS/``). A period of the look-back holding more datapoints (SampleCount) than one a minute
   (``CANVAS_CADENCE_SECONDS``: the finest standard resolution; Canvas documents no finer cadence) was written to
   by another principal: an ``evidence-anomaly`` finding, never a log-out.
4. ``ecoguard:exempt=true`` on the domain, or on the user profile whose activity it is: skipped.
5. Otherwise: delete the app (``delete-canvas-app``), recording its domain, its owner (``owner``:
   "user/<profile>" or "space/<space>", with ``UserProfileName`` and, in a space, ``SpaceName``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecoguard.decisions import Decision, Finding, PlannedAction, Resource, Skip
from ecoguard.guardrails.studio import GUARDRAIL, CanvasIdle, Domain, StudioApp
from ecoguard.guardrails.tags import is_exempt
from ecoguard.impact import not_estimated
from ecoguard.policy import StudioIdlePolicy

DELETE_CANVAS = "delete-canvas-app"
CANVAS = "Canvas"
CANVAS_NAMESPACE = "/aws/sagemaker/Canvas/AppActivity"
CANVAS_METRIC = "TimeSinceLastActive"
CANVAS_DIMENSIONS = ("DomainId", "UserProfileName")
# At most one datapoint a minute from Canvas: 60 s is CloudWatch's standard resolution (CloudWatch User Guide,
# "Metrics concepts", resolution); Canvas documents no high-resolution publishing of its activity metric.
CANVAS_CADENCE_SECONDS = 60
ANOMALY = "evidence-anomaly"


def is_canvas_candidate(app: StudioApp) -> bool:
    return app.app_type == CANVAS and app.status == "InService"


def profile_of(app: StudioApp, space_owners: Mapping[str, str] | None = None) -> str | None:
    """The user profile whose activity is the app's: its own, or its private space's owner (None: unknown)."""
    kind, name = app.owner.split("/", 1)
    return name if kind == "user" else (space_owners or {}).get(name)


def canvas_resource(domain: Domain, app: StudioApp) -> Resource:
    return Resource(
        arn=app.arn(domain.arn), name=f"{domain.domain_id}/{app.owner}/{app.name}", kind="AWS::SageMaker::App"
    )


def decide_canvas(
    domain: Domain,
    app: StudioApp,
    idle: CanvasIdle | None,
    tags: Mapping[str, str],
    policy: StudioIdlePolicy,
    *,
    space_owners: Mapping[str, str] | None = None,
    profile_tags: Mapping[str, str] | None = None,
) -> Decision | None:
    """``space_owners``: each private space's owning profile (DescribeSpace OwnershipSettings); ``profile_tags``:
    the tags of the user profile whose activity it is."""
    profile = profile_of(app, space_owners)
    if not policy.canvas_enabled or not is_canvas_candidate(app) or profile is None:
        return None
    if idle is None:
        return None
    window = policy.canvas_idle_minutes * 60
    if idle.seconds < window:
        return None
    before: dict[str, Any] = {
        "DomainId": domain.domain_id,
        "owner": app.owner,
        "UserProfileName": profile,
        **({"SpaceName": app.owner.split("/", 1)[1]} if app.owner.startswith("space/") else {}),
        "AppType": CANVAS,
        "AppName": app.name,
        "Status": app.status,
        "TimeSinceLastActive": idle.seconds,
        "reported_at": idle.at.isoformat(),
    }
    resource = canvas_resource(domain, app)
    expected = max(1, idle.period_seconds // CANVAS_CADENCE_SECONDS)
    if idle.samples is not None and idle.samples > expected:
        return Finding(
            GUARDRAIL,
            resource,
            ANOMALY,
            f"{CANVAS_METRIC} in {CANVAS_NAMESPACE} for {profile} holds {int(idle.samples)} datapoints in one "
            f"{idle.period_seconds} s period (Canvas publishes at most {expected}): another principal wrote to the "
            "series; the app is not judged on it and not logged out",
            {**before, "samples": idle.samples, "expected_samples": expected},
        )
    if is_exempt(tags):
        return Skip(GUARDRAIL, resource, "domain tagged ecoguard:exempt=true", before)
    if is_exempt(profile_tags or {}):
        return Skip(GUARDRAIL, resource, f"user profile {profile} tagged ecoguard:exempt=true", before)
    hours = idle.seconds / 3600
    where = f" (space {before['SpaceName']})" if "SpaceName" in before else ""
    reason = (
        f"Canvas app of {profile}{where} in {domain.domain_id} inactive {hours:.1f} h "
        f"(TimeSinceLastActive) >= {policy.canvas_idle_minutes} min: logged out, models and datasets kept"
    )
    impact = not_estimated(
        "per hour logged out",
        f"Canvas workspace instance of {profile}",
        "no sourced price or power figure for the Canvas workspace instance",
    )
    return PlannedAction(GUARDRAIL, resource, DELETE_CANVAS, before, {"Status": "Deleted"}, reason, impact)
