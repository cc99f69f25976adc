"""The studio-idle guardrail's AWS side: how it reads Studio domains, and the one change it makes.

- ``StudioDomains``: the port (``adapters.sagemaker_studio.StudioAdapter`` implements it);
- ``StudioIdleRunner``: an hourly resumable sweep of every domain (no event announces a domain's settings
  changing in a form ecoguard routes), each read with its tags, apps and Canvas activity (ahead, on a bounded
  pool: ``Overlapped``), and decided in listing order; advice and skips are recorded once per resource per
  UTC day;
- ``ConfigureIdleShutdown``: UpdateDomain with the idle settings, and the previous settings put back;
- ``DeleteCanvasApp``: DeleteApp of an idle Canvas app (the user is logged out, their work kept), confirmed on
  a fresh read first; restore re-creates it with CreateApp, in its private space (``SpaceName``) where it ran
  in one.

Each domain is read with its user profiles and spaces (ListUserProfiles, DescribeUserProfile, ListSpaces,
DescribeSpace): their own idle settings override the domain's, and a private space's owner is whose Canvas
activity counts (``guardrails/studio_idle.py``, rule 9; ``guardrails/canvas_idle.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from ecoguard import overlap
from ecoguard.adapters.canvas_activity import CanvasActivityAdapter
from ecoguard.adapters.metrics import MetricsAdapter
from ecoguard.adapters.sagemaker_studio import StudioAdapter
from ecoguard.audit import AuditRecord
from ecoguard.confirm import Confirmation, Fresh
from ecoguard.decisions import OUT_OF_SCOPE, Decision, Outcome, Plan, PlannedAction, Resource, Unreadable
from ecoguard.executor import Executor
from ecoguard.guardrails.canvas_idle import CANVAS, DELETE_CANVAS, is_canvas_candidate, profile_of
from ecoguard.guardrails.studio import GUARDRAIL, CanvasIdle, Domain, ObservedDomain, Owner, StudioApp
from ecoguard.guardrails.studio_idle import ACTION, DISABLED, idle_settings, plan_studio_idle
from ecoguard.paging import Page
from ecoguard.reading import GONE, read
from ecoguard.runner import GuardrailRunner, daily
from ecoguard.summary import Trigger
from ecoguard.sweep import Overlapped, Sweep, SweepResult
from ecoguard.units import ActionUnit, Clients, Registry
from ecoguard.wiring import Wiring


class StudioDomains(Protocol):
    def sdk_gaps(self) -> Mapping[str, tuple[str, ...]]: ...

    def domain_page(self, token: str | None) -> Page[str]: ...

    def domain(self, domain_id: str) -> Domain | None: ...

    def tags(self, arn: str) -> dict[str, str]: ...

    def apps(self, domain_id: str) -> tuple[StudioApp, ...]: ...

    def update_defaults(self, domain_id: str, app_settings: Mapping[str, Mapping[str, Any]]) -> None: ...

    def app_status(self, domain_id: str, owner: str, app_type: str, name: str) -> str | None: ...

    def delete_app(self, domain_id: str, owner: str, app_type: str, name: str) -> None: ...

    def create_app(self, domain_id: str, owner: str, app_type: str, name: str) -> None: ...

    def owners(self, domain_id: str) -> tuple[Owner, ...]: ...


class CanvasActivity(Protocol):
    def canvas_idle(self, domain_id: str, profiles: Iterable[str], now: datetime) -> dict[str, CanvasIdle]: ...


def _restorable(before: Mapping[str, Any] | None) -> dict[str, Any]:
    """The app settings to send back. UpdateDomain cannot remove a field, so where the domain had no idle
    settings, lifecycle management goes back to DISABLED: idle shutdown off, as it was."""
    restored = dict(before or {})
    if "IdleSettings" not in (restored.get("AppLifecycleManagement") or {}):
        lifecycle = dict(restored.get("AppLifecycleManagement") or {})
        lifecycle["IdleSettings"] = {"LifecycleManagement": DISABLED}
        restored["AppLifecycleManagement"] = lifecycle
    return restored


class ConfigureIdleShutdown(ActionUnit[StudioDomains]):
    """Enable Studio idle shutdown on a domain's defaults; undone by sending the previous settings back."""

    name = ACTION
    permissions = frozenset({"sagemaker:UpdateDomain"})
    restore_permissions = frozenset({"sagemaker:DescribeDomain", "sagemaker:UpdateDomain", "sagemaker:ListTags"})
    irreversible = (
        "UpdateDomain cannot remove a setting: where a domain had no idle settings, restore sets lifecycle "
        "management DISABLED (idle shutdown off, as before) rather than removing the field"
    )
    interrupts = "apps idle past the limit shut down, their kernels with them; open them again to resume"

    def apply(self, action: PlannedAction) -> None:
        self.ports.update_defaults(action.resource.name, action.after)

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        domain = self.ports.domain(record.resource.name)
        if domain is None:
            return None
        return {key: domain.app_settings(*key.split(".", 1)) for key in record.after}

    def reached(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # Only the idle settings are compared: SageMaker may fill other fields of an app-settings object in.
        return all(idle_settings(current.get(key)) == idle_settings(after) for key, after in record.after.items())

    def undo(self, record: AuditRecord) -> None:
        """Each object as it is now, with its idle settings as they were: a field someone changed since (only
        idle settings are compared by ``reached``) is kept, and nothing else differs from the record's before."""
        domain = self.ports.domain(record.resource.name)
        if domain is None:
            raise LookupError(f"domain {record.resource.name} no longer exists")
        restored: dict[str, Mapping[str, Any]] = {}
        for key, before in record.before.items():
            live = dict(domain.app_settings(*key.split(".", 1)) or {})
            live["AppLifecycleManagement"] = _restorable(before)["AppLifecycleManagement"]
            restored[key] = live
        self.ports.update_defaults(record.resource.name, restored)


def profile_arn(domain: Domain, profile: str) -> str:
    """A user profile's ARN: ``arn:<partition>:sagemaker:<region>:<account>:user-profile/<domain-id>/<name>``
    (Service Authorization Reference, SageMaker resource type ``user-profile``)."""
    head = domain.arn.split(":domain/", 1)[0]
    return f"{head}:user-profile/{domain.domain_id}/{profile}"


def canvas_owner(before: Mapping[str, Any]) -> str:
    """The app's owner as recorded: "user/<p>" or "space/<s>" (records written before spaces name the profile)."""
    return str(before.get("owner") or f"user/{before['UserProfileName']}")


class DeleteCanvasApp(ActionUnit[StudioDomains]):
    """Log a user out of Canvas (DeleteApp, AppType Canvas); undone by creating the app again (CreateApp)."""

    name = DELETE_CANVAS
    permissions = frozenset({"sagemaker:DeleteApp"})
    restore_permissions = frozenset({"sagemaker:DescribeApp", "sagemaker:CreateApp", "sagemaker:ListTags"})
    confirm_first = True
    irreversible = (
        "a Quick build in progress is cancelled (Canvas restarts it when the user logs back in); restore "
        "creates the Canvas app again, a new workspace instance"
    )
    interrupts = "the Canvas app stops and a Quick build in progress is cancelled; relaunch Canvas to use it"

    def apply(self, action: PlannedAction) -> None:
        b = action.before
        self.ports.delete_app(b["DomainId"], canvas_owner(b), CANVAS, b["AppName"])

    def current(self, record: AuditRecord) -> Mapping[str, Any] | None:
        b = record.before
        status = self.ports.app_status(b["DomainId"], canvas_owner(b), CANVAS, b["AppName"])
        # SageMaker forgets a deleted app's metadata after 24 hours (DescribeApp, CreationTime): still deleted.
        return {"Status": "Deleted" if status is None else status}

    def reached(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        return current.get("Status") in ("Deleted", "Deleting")

    def restored(self, record: AuditRecord, current: Mapping[str, Any]) -> bool:
        # Created again by an earlier attempt whose answer was lost: a second CreateApp would be refused
        # (ResourceInUse), so the retry records it.
        return current.get("Status") in ("InService", "Pending")

    def exemption_arns(self, record: AuditRecord, current: Mapping[str, Any]) -> tuple[str, ...]:
        # The app is gone (ListTags on a deleted app answers ValidationException: aws/amazon-sagemaker-feedback
        # #108); its domain's and its user profile's or space's tags decide, as they do for the deletion.
        kind, name = canvas_owner(record.before).split("/", 1)
        head = record.resource.arn.split(":app/", 1)[0]
        domain = record.before["DomainId"]
        owner = f"{head}:{'user-profile' if kind == 'user' else 'space'}/{domain}/{name}"
        return (f"{head}:domain/{domain}", owner)

    def undo(self, record: AuditRecord) -> None:
        b = record.before
        # In a private space, the app is re-created in that space (CreateApp SpaceName), not the user's.
        self.ports.create_app(b["DomainId"], canvas_owner(b), CANVAS, b["AppName"])


def connect(clients: Clients) -> StudioDomains:
    return StudioAdapter(clients("sagemaker"))


REGISTRY = Registry(GUARDRAIL, "StudioIdleFunction", (ConfigureIdleShutdown, DeleteCanvasApp), connect)


class StudioIdleRunner(GuardrailRunner):
    guardrail = GUARDRAIL
    # Each change is to its own domain (UpdateDomain) or Canvas app (DeleteApp). SageMaker applies UpdateDomain
    # asynchronously (DescribeDomain Status "Updating", SageMaker API reference), so one at a time would not wait
    # for it before a DeleteApp in the same domain either.
    side_by_side = True

    def __init__(self, wiring: Wiring, studio: StudioDomains, canvas: CanvasActivity) -> None:
        super().__init__(wiring, REGISTRY.bind(studio))
        self._studio = studio
        self._canvas = canvas
        self._gaps: tuple[str, ...] | None = None

    def sdk_gaps(self) -> tuple[str, ...]:
        """What of idle shutdown this runtime's SDK lacks, read (and said) once per run."""
        if self._gaps is None:
            self._gaps = tuple(m for missing in self._studio.sdk_gaps().values() for m in missing)
        return self._gaps

    @classmethod
    def build(cls, wiring: Wiring) -> StudioIdleRunner:
        metrics = MetricsAdapter(wiring.clients("cloudwatch"))
        return cls(wiring, connect(wiring.clients), CanvasActivityAdapter(metrics))

    def observe(self, domain_id: str) -> ObservedDomain | Plan:
        """The domain with its tags and apps; a plan (out of scope, or unreadable) when it cannot be had."""
        where = Resource(arn=domain_id, name=domain_id, kind="AWS::SageMaker::Domain")
        domain = read(GUARDRAIL, where, lambda: self._studio.domain(domain_id))
        if domain is GONE or domain is None:
            return OUT_OF_SCOPE
        if isinstance(domain, Unreadable):
            return Plan(unreadable=domain)
        tags = read(GUARDRAIL, domain.resource, lambda: self._studio.tags(domain.arn))
        if tags is GONE:
            return OUT_OF_SCOPE
        if isinstance(tags, Unreadable):
            return Plan(unreadable=tags)
        apps = read(GUARDRAIL, domain.resource, lambda: self._studio.apps(domain.domain_id))
        if isinstance(apps, Unreadable):
            return Plan(unreadable=apps)
        listed = () if apps is GONE else apps
        owners = read(GUARDRAIL, domain.resource, lambda: self._studio.owners(domain.domain_id))
        if isinstance(owners, Unreadable):
            return Plan(unreadable=owners)
        known = () if owners is GONE else owners
        spaces = {o.name: o.owner_profile for o in known if o.kind == "space" and o.owner_profile}
        profiles = {app.owner: p for app in listed if is_canvas_candidate(app) and (p := profile_of(app, spaces))}
        if not profiles or not self._policy.studio_idle.canvas_enabled:
            return ObservedDomain(domain, tags, listed, owners=known)
        now = self._clock()
        canvas = read(
            GUARDRAIL, domain.resource, lambda: self._canvas.canvas_idle(domain.domain_id, profiles.values(), now)
        )
        if isinstance(canvas, Unreadable):
            return Plan(unreadable=canvas)
        found = {} if canvas is GONE else canvas
        by_owner = {owner: found[p] for owner, p in profiles.items() if p in found}
        # Exempt everywhere (issue 27): the user profile's own tags, read for each profile idle past the window.
        window = self._policy.studio_idle.canvas_idle_minutes * 60
        idle = sorted({p for p, activity in found.items() if activity.seconds >= window})
        profile_tags: dict[str, dict[str, str]] = {}
        for profile in idle:
            read_tags = read(GUARDRAIL, domain.resource, partial(self._studio.tags, profile_arn(domain, profile)))
            if isinstance(read_tags, Unreadable):
                return Plan(unreadable=read_tags)
            profile_tags[profile] = {} if read_tags is GONE else read_tags
        return ObservedDomain(domain, tags, listed, by_owner, known, profile_tags=profile_tags)

    def decide(self, observed: ObservedDomain) -> Plan:
        return plan_studio_idle(replace(observed, sdk_gaps=self.sdk_gaps()), self._policy.studio_idle, self._clock())

    def plan(self, domain_id: str) -> Plan:
        if not self._policy.studio_idle.enabled:
            return OUT_OF_SCOPE
        observed = self.observe(domain_id)
        return observed if isinstance(observed, Plan) else self.decide(observed)

    def confirmation(self, domain_id: str) -> Confirmation[str]:
        """Before a Canvas app is deleted, the domain is read again in full (settings, tags, apps, Canvas
        activity) and decided again: ``plan`` does both, so the fresh plan is the one carried out."""
        return Confirmation(GUARDRAIL, domain_id, lambda same: Fresh(same, changed=False), self.plan)

    def route(self, decision: Decision) -> Trigger | None:
        """Running-app findings and skips once per resource per UTC day, not once per hourly sweep."""
        return daily(decision, self._clock().date().isoformat())

    def sweep(self, trigger: Trigger) -> SweepResult:
        executor = self._executor(trigger).routed(self.route)

        def observed(domain_id: str) -> ObservedDomain | Plan:
            return self.observe(domain_id) if self._policy.studio_idle.enabled else OUT_OF_SCOPE

        def handle(domain_id: str, seen: ObservedDomain | Plan, run: Executor) -> Outcome | None:
            plan = seen if isinstance(seen, Plan) else self.decide(seen)
            return run.run(plan, self.confirmation(domain_id))

        sweep: Sweep[str] = self._make_sweep()
        # Each domain's reads are its own: made ahead, several at once; decided in listing order.
        return sweep.run(
            trigger, executor, self._studio.domain_page, Overlapped(observed, handle, overlap.READ_WORKERS)
        )
