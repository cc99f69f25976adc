"""SageMaker Studio domains and apps: list domains, describe one, its tags and apps, update its defaults."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ecoguard.adapters.sagemaker_calls import PAGE_SIZE, SageMakerCalls
from ecoguard.adapters.sdk_support import gaps
from ecoguard.errors import NotFound
from ecoguard.guardrails.studio import Domain, StudioApp
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
        try:
            raw = self._call("describe_domain", DomainId=domain_id)
        except NotFound:
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
        apps: list[StudioApp] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"DomainIdEquals": domain_id, "MaxResults": PAGE_SIZE}
            if token:
                kwargs["NextToken"] = token
            response = self._call("list_apps", **kwargs)
            apps.extend(_app(raw) for raw in response.get("Apps", []))
            token = response.get("NextToken") or None
            if token is None:
                return tuple(apps)

    def update_defaults(self, domain_id: str, app_settings: Mapping[str, Mapping[str, Any]]) -> None:
        """UpdateDomain with only the given app-settings objects (keyed ``<settings>.<app>``), each sent whole."""
        request: dict[str, dict[str, Any]] = {}
        for key, value in app_settings.items():
            settings, app = key.split(".", 1)
            request.setdefault(settings, {})[app] = dict(value)
        self._call("update_domain", DomainId=domain_id, **request)

    def app_status(self, domain_id: str, profile: str, app_type: str, name: str) -> str | None:
        """DescribeApp's status of a user's app; None once SageMaker no longer knows it (ResourceNotFound)."""
        try:
            raw = self._call(
                "describe_app", DomainId=domain_id, UserProfileName=profile, AppType=app_type, AppName=name
            )
        except NotFound:
            return None
        return str(raw.get("Status", ""))

    def delete_app(self, domain_id: str, profile: str, app_type: str, name: str) -> None:
        self._call("delete_app", DomainId=domain_id, UserProfileName=profile, AppType=app_type, AppName=name)

    def create_app(self, domain_id: str, profile: str, app_type: str, name: str) -> None:
        self._call("create_app", DomainId=domain_id, UserProfileName=profile, AppType=app_type, AppName=name)


def _app(raw: Mapping[str, Any]) -> StudioApp:
    owner = f"user/{raw['UserProfileName']}" if raw.get("UserProfileName") else f"space/{raw.get('SpaceName', '')}"
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
