"""Canvas idle: log out (DeleteApp) Canvas apps idle longer than the policy's window. Part of studio-idle.

Canvas bills its workspace instance while a user stays logged in. SageMaker Canvas publishes
``TimeSinceLastActive`` (seconds) in the CloudWatch namespace ``/aws/sagemaker/Canvas/AppActivity`` with the
dimensions ``DomainId`` and ``UserProfileName`` (AWS Machine Learning Blog, "Optimizing costs for Amazon
SageMaker Canvas with automatic shutdown of idle apps"; aws-samples/sagemaker-canvas-auto-shutdown-on-idle).
Deleting the Canvas app logs the user out; models and datasets are kept (Developer Guide, "Logging out of
Amazon SageMaker Canvas").

Rules, for each Canvas app of a domain, in order:

1. Not ``InService`` (or not Canvas): no decision.
2. No ``TimeSinceLastActive`` datapoint in the look-back: no decision. Missing data never counts as idle.
3. The latest value below ``canvas_idle_minutes``: no decision (active).
4. ``ecoguard:exempt=true`` on the domain: skipped.
5. Otherwise: delete the app (``delete-canvas-app``), recording its domain and user profile.
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
    return app.app_type == CANVAS and app.status == "InService" and app.owner.startswith("user/")


def profile_of(app: StudioApp) -> str:
    return app.owner.split("/", 1)[1]


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
) -> Decision | None:
    if not policy.canvas_enabled or not is_canvas_candidate(app):
        return None
    if idle is None:
        return None
    window = policy.canvas_idle_minutes * 60
    if idle.seconds < window:
        return None
    before: dict[str, Any] = {
        "DomainId": domain.domain_id,
        "UserProfileName": profile_of(app),
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
    reason = (
        f"Canvas app of {profile_of(app)} in {domain.domain_id} inactive {hours:.1f} h "
        f"(TimeSinceLastActive) >= {policy.canvas_idle_minutes} min: logged out, models and datasets kept"
    )
    impact = not_estimated(
        "per hour logged out",
        f"Canvas workspace instance of {profile_of(app)}",
        "no sourced price or power figure for the Canvas workspace instance",
    )
    return PlannedAction(GUARDRAIL, resource, DELETE_CANVAS, before, {"Status": "Deleted"}, reason, impact)
