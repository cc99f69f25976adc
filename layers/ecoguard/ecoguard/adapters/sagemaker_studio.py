"""SageMaker Studio domains and apps: list domains, describe one, its tags and apps, update its defaults.

As the SageMaker API reference documents them: ListDomains, ListApps, ListUserProfiles and ListSpaces page
with ``NextToken`` (``MaxResults`` up to 100); ListApps filters by ``DomainIdEquals``; DescribeDomain returns the
defaults (``DefaultUserSettings``, ``DefaultSpaceSettings``) whose JupyterLab and Code Editor app settings hold
``AppLifecycleManagement.IdleSettings``; UpdateDomain answers ``ResourceInUse`` while the domain is busy (its
errors: ResourceNotFound, ResourceInUse, ResourceLimitExceeded), and each settings object is sent whole, its
other fields as read, since the reference does not say whether nested fields merge; DeleteApp and
CreateApp name a user profile's app by ``UserProfileName`` and a space's by ``SpaceName``; a Describe of a
domain, app, profile or space that no longer exists answers ``ResourceNotFound``. A runtime whose SDK lacks
``AppLifecycleManagement`` parses the idle settings away (``sdk_gaps``, ``sdk_support``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ecoguard.adapters.sagemaker_calls import PAGE_SIZE, SageMakerCalls
from ecoguard.adapters.sdk_support import gaps
from ecoguard.guardrails.studio import Domain, Owner, StudioApp
from ecoguard.guardrails.studio_idle import TARGETS
from ecoguard.paging import Page

if TYPE_CHECKING:
    pass


class StudioAdapter(SageMakerCalls):
    def sdk_gaps(self) -> dict[str, tuple[str, ...]]:
        """What of idle shutdown this runtime's SDK cannot read (``sdk_support``): without
        ``AppLifecycleManagement`` in its model, DescribeDomain's idle settings are parsed away."""
        return gaps(self._sm, "studio-idle")

    def domain_page(self, token: str | None) -> Page[str]:
        """One page of domain ids (ListDomains)."""
        kwargs: dict[str, Any] = {"MaxResults": PAGE_SIZE}
        if token:
            kwargs["NextToken"] = token
        response = self._call("list_domains", **kwargs)
        return Page([d["DomainId"] for d in response.get("Domains", [])], response.get("NextToken") or None)

    def domain(self, domain_id: str) -> Domain | None:
        raw = self._described("describe_domain", DomainId=domain_id)
        if raw is None:
            return None
        settings = {name: raw.get(name) or {} for name in {s for s, _ in TARGETS}}
        return Domain(
            domain_id=raw["DomainId"],
            name=raw.get("DomainName", raw["DomainId"]),
            arn=raw["DomainArn"],
            status=raw.get("Status", "Unknown"),
            settings=settings,
        )

    def apps(self, domain_id: str) -> tuple[StudioApp, ...]:
        """Every app of a domain (ListApps, every page)."""
        listed = self._items("list_apps", "Apps", DomainIdEquals=domain_id, MaxResults=PAGE_SIZE)
        return tuple(_app(raw) for raw in listed)

    def update_defaults(self, domain_id: str, app_settings: Mapping[str, Mapping[str, Any]]) -> None:
        """UpdateDomain with only the given app-settings objects (keyed ``<settings>.<app>``), each sent whole."""
        request: dict[str, dict[str, Any]] = {}
        for key, value in app_settings.items():
            settings, app = key.split(".", 1)
            request.setdefault(settings, {})[app] = dict(value)
        self._call("update_domain", DomainId=domain_id, **request)

    def app_status(self, domain_id: str, owner: str, app_type: str, name: str) -> str | None:
        """DescribeApp's status of an app (``owner``: "user/<p>" or "space/<s>"); None once SageMaker no longer
        knows it (ResourceNotFound)."""
        raw = self._described("describe_app", DomainId=domain_id, AppType=app_type, AppName=name, **owner_params(owner))
        if raw is None:
            return None
        return str(raw.get("Status", ""))

    def delete_app(self, domain_id: str, owner: str, app_type: str, name: str) -> None:
        self._call("delete_app", DomainId=domain_id, AppType=app_type, AppName=name, **owner_params(owner))

    def create_app(self, domain_id: str, owner: str, app_type: str, name: str) -> None:
        self._call("create_app", DomainId=domain_id, AppType=app_type, AppName=name, **owner_params(owner))

    def owners(self, domain_id: str) -> tuple[Owner, ...]:
        """The domain's user profiles and spaces with their own app settings (ListUserProfiles, ListSpaces,
        every page; DescribeUserProfile ``UserSettings``, DescribeSpace ``SpaceSettings`` and
        ``OwnershipSettings``). One that is gone between listing and describing is left out."""
        found: list[Owner] = []
        for profile in self._listed("list_user_profiles", "UserProfiles", domain_id):
            name = str(profile["UserProfileName"])
            raw = self._described("describe_user_profile", DomainId=domain_id, UserProfileName=name)
            if raw is None:
                continue
            found.append(Owner("user", name, dict(raw.get("UserSettings") or {})))
        for space in self._listed("list_spaces", "Spaces", domain_id):
            name = str(space["SpaceName"])
            raw = self._described("describe_space", DomainId=domain_id, SpaceName=name)
            if raw is None:
                continue
            owner = (raw.get("OwnershipSettings") or {}).get("OwnerUserProfileName")
            found.append(Owner("space", name, dict(raw.get("SpaceSettings") or {}), owner))
        return tuple(found)

    def _listed(self, operation: str, items: str, domain_id: str) -> list[Mapping[str, Any]]:
        return list(self._items(operation, items, DomainIdEquals=domain_id, MaxResults=PAGE_SIZE))


def owner_params(owner: str) -> dict[str, str]:
    """The owner of an app as DescribeApp, DeleteApp and CreateApp take it: ``UserProfileName`` for
    "user/<p>", ``SpaceName`` for "space/<s>" (an app in a space is addressed by its space: SageMaker API
    reference, CreateApp)."""
    kind, name = owner.split("/", 1)
    return {"SpaceName": name} if kind == "space" else {"UserProfileName": name}


def _app(raw: Mapping[str, Any]) -> StudioApp:
    # An app in a space is the space's (SpaceName), whatever profile the listing also names.
    owner = f"space/{raw['SpaceName']}" if raw.get("SpaceName") else f"user/{raw.get('UserProfileName', '')}"
    created = raw.get("CreationTime")
    return StudioApp(
        domain_id=raw.get("DomainId", ""),
        app_type=raw.get("AppType", ""),
        name=raw.get("AppName", ""),
        status=raw.get("Status", ""),
        owner=owner,
        instance_type=(raw.get("ResourceSpec") or {}).get("InstanceType"),
        created=created if isinstance(created, datetime) else None,
    )
