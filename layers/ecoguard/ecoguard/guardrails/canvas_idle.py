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
3. The latest value below ``canvas_idle_minutes``: no decision (active).
4. ``ecoguard:exempt=true`` on the domain: skipped.
5. Otherwise: delete the app (``delete-canvas-app``), recording its domain, its owner (``owner``:
   "user/<profile>" or "space/<space>", with ``UserProfileName`` and, in a space, ``SpaceName``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecoguard.decisions import Decision, PlannedAction, Resource, Skip
from ecoguard.guardrails.studio import GUARDRAIL, CanvasIdle, Domain, StudioApp
from ecoguard.guardrails.tags import is_exempt
from ecoguard.impact import not_estimated
from ecoguard.policy import StudioIdlePolicy

DELETE_CANVAS = "delete-canvas-app"
CANVAS = "Canvas"
CANVAS_NAMESPACE = "/aws/sagemaker/Canvas/AppActivity"
CANVAS_METRIC = "TimeSinceLastActive"
CANVAS_DIMENSIONS = ("DomainId", "UserProfileName")


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
) -> Decision | None:
    """``space_owners``: each private space's owning profile (DescribeSpace OwnershipSettings)."""
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
    if is_exempt(tags):
        return Skip(GUARDRAIL, resource, "domain tagged ecoguard:exempt=true", before)
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
