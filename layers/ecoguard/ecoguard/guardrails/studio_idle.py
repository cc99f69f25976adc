"""Studio idle: give every Studio domain the built-in idle shutdown, and report running Studio apps.

Idle shutdown lives in ``AppLifecycleManagement.IdleSettings`` of three app settings on a domain's
defaults (``TARGETS``): ``DefaultUserSettings`` JupyterLab and Code Editor, ``DefaultSpaceSettings``
JupyterLab (the only Studio app settings ``DefaultSpaceSettings`` has; SageMaker API reference). It is off
until a domain, user profile or space enables it, and a JupyterLab app is idle only with no kernel or terminal
active (Developer Guide, "Idle shutdown"). User profile and space settings are read (rule 9), never changed.

Rules, in order:

1. Out of scope (the guardrail disabled): no decision. A domain not ``InService`` (DescribeDomain ``Status``:
   Pending, Updating, Deleting or a failed state) is not updated: UpdateDomain answers ``ResourceInUse`` to a
   busy domain (SageMaker API reference, UpdateDomain errors). Skipped, decided again on the next sweep.
2. Each running JupyterLab, Code Editor or KernelGateway app is a finding with its instance type and
   age (``report_running_apps``). ``LastUserActivityTimestamp`` is never read: SageMaker also updates it on
   health checks (SageMaker API reference, DescribeApp; aws/amazon-sagemaker-feedback #54).
3. For each target, as the domain has it:
   a. lifecycle management absent or not ``ENABLED``: enable it with the timeout (3d);
   b. enabled without a timeout: give it the timeout;
   c. enabled with a timeout above the maximum (if the policy sets one): lower it to the maximum;
   d. otherwise (an owner's explicit setting, shorter or longer): keep it.
   A target that needs no change is left out of the action; a domain needing none is compliant.
4. ``ecoguard:exempt=true`` on the domain: skipped, with the reason recorded.
5. ``ecoguard:idle-minutes=N`` on the domain replaces the timeout (N from 60 to 525,600, the range of
   ``IdleSettings.IdleTimeoutInMinutes`` in the SageMaker API reference; any other value is skipped, never
   applied); the policy's maximum then never lowers a timeout below N.
6. An owner's ``MinIdleTimeoutInMinutes``/``MaxIdleTimeoutInMinutes`` (the bounds a user may choose within,
   IdleSettings) are kept; a timeout outside them is not applied (skipped, with the reason).
7. Canvas apps idle past the policy's window are logged out (``guardrails/canvas_idle.py``).
9. User profiles and spaces with their own idle settings override the domain's (Developer Guide, "Idle
   shutdown"): each JupyterLab or Code Editor setting of a profile or space that disables idle shutdown, or
   sets a timeout above the policy's maximum, is a finding (``owner-overrides-idle-shutdown``) naming it,
   so a compliant domain is not reported as covering users it does not. They are not changed: the setting is
   the owner's.
8. A runtime whose SDK predates ``AppLifecycleManagement`` (``ObservedDomain.sdk_gaps``) parses the idle
   settings out of DescribeDomain's response: they would read as absent on every sweep, and the same
   UpdateDomain be planned every hour. No settings are decided then (the runner says why once per run:
   ``adapters.sdk_support``); apps and Canvas are still decided.

A domain's plan holds, in order: its app findings, its Canvas deletions, then its settings change.

The action's ``before`` holds each changed app-settings object exactly as DescribeDomain returned it
(``None`` where absent), ``after`` the object sent to UpdateDomain: the whole object, its other fields
as read, so nothing beside ``IdleSettings`` changes whether UpdateDomain merges or replaces nested fields.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ecoguard.decisions import OUT_OF_SCOPE, Decision, Finding, Plan, PlannedAction, Resource, Skip
from ecoguard.guardrails.canvas_idle import decide_canvas, profile_of
from ecoguard.guardrails.studio import GUARDRAIL, Domain, ObservedDomain, Owner, StudioApp
from ecoguard.guardrails.tags import is_exempt
from ecoguard.impact import CURRENT, compute_estimate, instances_cost, not_estimated, region_of
from ecoguard.policy import MAX_IDLE_MINUTES, MIN_IDLE_MINUTES, StudioIdlePolicy

ACTION = "configure-idle-shutdown"
IDLE_MINUTES_TAG = "ecoguard:idle-minutes"
ENABLED = "ENABLED"
DISABLED = "DISABLED"
HOURS_PER_MONTH = 730.0  # 365 x 24 / 12

# (settings member of DescribeDomain / UpdateDomain, app-settings member): where idle shutdown is set.
TARGETS: tuple[tuple[str, str], ...] = (
    ("DefaultUserSettings", "JupyterLabAppSettings"),
    ("DefaultUserSettings", "CodeEditorAppSettings"),
    ("DefaultSpaceSettings", "JupyterLabAppSettings"),
)
# Studio apps that run on an instance of their own and bill while they run.
REPORTED_APPS = frozenset({"JupyterLab", "CodeEditor", "KernelGateway"})


def target_key(settings: str, app: str) -> str:
    """The key of one target in an action's ``before`` and ``after``: ``DefaultUserSettings.JupyterLabAppSettings``."""
    return f"{settings}.{app}"


def plan_studio_idle(observed: ObservedDomain, policy: StudioIdlePolicy, now: datetime) -> Plan:
    if not policy.enabled:
        return OUT_OF_SCOPE
    decisions: list[Decision] = []
    if policy.report_running_apps:
        decisions.extend(app_finding(observed.domain, app, now) for app in observed.apps if is_reported(app))
    spaces = {o.name: o.owner_profile for o in observed.owners if o.kind == "space" and o.owner_profile}
    for app in observed.apps:
        profile = profile_of(app, spaces)
        canvas = decide_canvas(
            observed.domain,
            app,
            observed.canvas.get(app.owner),
            observed.tags,
            policy,
            space_owners=spaces,
            profile_tags=observed.profile_tags.get(profile or "", {}),
        )
        if canvas is not None:
            decisions.append(canvas)
    decision = None if observed.sdk_gaps else decide_domain(observed.domain, observed.tags, policy)
    if decision is not None:
        decisions.append(decision)
    if not observed.sdk_gaps:
        decisions.extend(owner_findings(observed.domain, observed.owners, policy))
    return Plan(tuple(decisions))


def is_reported(app: StudioApp) -> bool:
    return app.app_type in REPORTED_APPS and app.status == "InService"


def app_finding(domain: Domain, app: StudioApp, now: datetime) -> Finding:
    age_hours = None if app.created is None else round((now - app.created).total_seconds() / 3600, 1)
    resource = Resource(
        arn=app.arn(domain.arn), name=f"{domain.domain_id}/{app.owner}/{app.name}", kind="AWS::SageMaker::App"
    )
    impact = None
    if app.instance_type and app.instance_type != "system":
        region = region_of(domain.arn)
        estimate = compute_estimate(
            app.instance_type,
            count=1,
            hours=HOURS_PER_MONTH,
            region=region,
            utilization_pct=None,
            period="per month, if left running",
        )
        # What the app's instance costs a month now (``CURRENT``), at the same price.
        current = instances_cost([(app.instance_type, 1)], hours=HOURS_PER_MONTH, region=region, period="per month")
        impact = {**estimate.to_dict(), CURRENT: current.to_dict()}
    return Finding(
        GUARDRAIL,
        resource,
        "running-studio-app",
        f"{app.app_type} app running on {app.instance_type or 'an unknown instance type'}"
        + ("" if age_hours is None else f" for {age_hours:g} h")
        + "; idle shutdown stops it only where the domain, profile or space enables it",
        {
            "domain": domain.domain_id,
            "owner": app.owner,
            "app_type": app.app_type,
            "instance_type": app.instance_type,
            "created": None if app.created is None else app.created.isoformat(),
            "age_hours": age_hours,
        },
        impact,
    )


def timeout_from_tags(tags: Mapping[str, str], default: int) -> int | str:
    """``ecoguard:idle-minutes=N`` (60 to 525,600), else ``default``; an invalid tag gives the reason."""
    raw = tags.get(IDLE_MINUTES_TAG)
    if raw is None:
        return default
    text = raw.strip()
    if not text.isdigit() or not MIN_IDLE_MINUTES <= int(text) <= MAX_IDLE_MINUTES:
        bounds = f"{MIN_IDLE_MINUTES} to {MAX_IDLE_MINUTES}"
        return f"tag {IDLE_MINUTES_TAG}={raw!r} is not a whole number of minutes from {bounds}"
    return int(text)


def idle_settings(app_settings: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if app_settings is None:
        return {}
    found = app_settings.get("AppLifecycleManagement", {}).get("IdleSettings", {})
    return found if isinstance(found, Mapping) else {}


def wanted_timeout(current: Mapping[str, Any], timeout: int, maximum: int | None) -> tuple[int | None, str]:
    """Rule 3: the timeout to set in one target (None: keep it as it is), and why."""
    if current.get("LifecycleManagement") != ENABLED:
        state = "absent" if not current.get("LifecycleManagement") else str(current["LifecycleManagement"]).lower()
        return timeout, f"idle shutdown {state} -> enabled, {timeout} min"
    explicit = current.get("IdleTimeoutInMinutes")
    if explicit is None:
        return timeout, f"idle shutdown enabled without a timeout -> {timeout} min"
    if maximum is not None and int(explicit) > maximum:
        return maximum, f"idle timeout {explicit} min exceeds the maximum {maximum} min"
    return None, ""


def with_timeout(app_settings: Mapping[str, Any] | None, minutes: int) -> dict[str, Any]:
    """The app settings as read, with idle shutdown enabled at ``minutes``; every other field kept."""
    merged: dict[str, Any] = copy.deepcopy(dict(app_settings or {}))
    lifecycle = dict(merged.get("AppLifecycleManagement") or {})
    idle = dict(lifecycle.get("IdleSettings") or {})
    idle.update({"LifecycleManagement": ENABLED, "IdleTimeoutInMinutes": minutes})
    lifecycle["IdleSettings"] = idle
    merged["AppLifecycleManagement"] = lifecycle
    return merged


def outside_owner_bounds(current: Mapping[str, Any], minutes: int) -> str | None:
    low, high = current.get("MinIdleTimeoutInMinutes"), current.get("MaxIdleTimeoutInMinutes")
    if low is not None and minutes < int(low):
        return f"{minutes} min is below the owner's MinIdleTimeoutInMinutes {low}"
    if high is not None and minutes > int(high):
        return f"{minutes} min is above the owner's MaxIdleTimeoutInMinutes {high}"
    return None


def decide_domain(domain: Domain, tags: Mapping[str, str], policy: StudioIdlePolicy) -> Decision | None:
    """Rules 1 and 3 to 6 for one domain. ``None`` means compliant."""
    timeout = timeout_from_tags(tags, policy.idle_timeout_minutes)
    maximum = policy.max_idle_timeout_minutes
    if isinstance(timeout, int) and IDLE_MINUTES_TAG in tags and maximum is not None:
        maximum = max(maximum, timeout)
    # An invalid tag is skipped below; the targets needing a change are found with the policy's timeout.
    effective = timeout if isinstance(timeout, int) else policy.idle_timeout_minutes
    changes: dict[str, tuple[Mapping[str, Any] | None, int, str]] = {}
    for settings, app in TARGETS:
        current = domain.app_settings(settings, app)
        minutes, why = wanted_timeout(idle_settings(current), effective, maximum)
        if minutes is not None:
            changes[target_key(settings, app)] = (current, minutes, why)
    if not changes:
        return None
    before = {key: None if current is None else dict(current) for key, (current, _, _) in changes.items()}
    if domain.status != "InService":
        return Skip(GUARDRAIL, domain.resource, f"domain is {domain.status}; UpdateDomain needs InService", before)
    if is_exempt(tags):
        return Skip(GUARDRAIL, domain.resource, "tagged ecoguard:exempt=true", before)
    if isinstance(timeout, str):
        return Skip(GUARDRAIL, domain.resource, timeout, before)
    for key, (current, minutes, _) in changes.items():
        refused = outside_owner_bounds(idle_settings(current), minutes)
        if refused is not None:
            return Skip(GUARDRAIL, domain.resource, f"{key}: {refused}", before)
    after = {key: with_timeout(current, minutes) for key, (current, minutes, _) in changes.items()}
    reason = "; ".join(f"{key}: {why}" for key, (_, _, why) in changes.items())
    if IDLE_MINUTES_TAG in tags:
        reason += f" (timeout from tag {IDLE_MINUTES_TAG})"
    return PlannedAction(GUARDRAIL, domain.resource, ACTION, before, after, reason, studio_impact(domain))


OWNER_OVERRIDES = "owner-overrides-idle-shutdown"
OWNER_APPS = ("JupyterLabAppSettings", "CodeEditorAppSettings")


def owner_findings(domain: Domain, owners: tuple[Owner, ...], policy: StudioIdlePolicy) -> list[Finding]:
    """Rule 9: a finding per profile or space whose own idle settings leave its apps running longer than the
    domain's would (idle shutdown disabled, or a timeout above the policy's maximum)."""
    found = []
    for owner in owners:
        gaps = []
        for app in OWNER_APPS:
            settings = owner.settings.get(app)
            idle = idle_settings(settings if isinstance(settings, Mapping) else None)
            state = idle.get("LifecycleManagement")
            timeout = idle.get("IdleTimeoutInMinutes")
            maximum = policy.max_idle_timeout_minutes
            if state == DISABLED:
                gaps.append(f"{app}: idle shutdown disabled")
            elif state == ENABLED and timeout is not None and maximum is not None and int(timeout) > maximum:
                gaps.append(f"{app}: idle timeout {timeout} min above {maximum} min")
        if gaps:
            kind = "user profile" if owner.kind == "user" else "space"
            found.append(
                Finding(
                    GUARDRAIL,
                    Resource(arn=owner.arn(domain), name=f"{domain.domain_id}/{owner.key}", kind=kind),
                    OWNER_OVERRIDES,
                    f"{kind} {owner.name} overrides the domain's idle shutdown ({'; '.join(gaps)}): its apps are "
                    "not stopped when idle whatever the domain sets; its settings are the owner's, ecoguard does "
                    "not change them",
                    {"domain": domain.domain_id, "owner": owner.key, "overrides": gaps},
                )
            )
    return found


def studio_impact(domain: Domain) -> dict[str, Any]:
    """What idle shutdown avoids depends on how long apps would sit idle, which nothing records: unknown."""
    return not_estimated(
        "per idle app-hour",
        f"idle shutdown on domain {domain.domain_id}",
        "the hours apps would have stayed idle without it are not observable",
    )
