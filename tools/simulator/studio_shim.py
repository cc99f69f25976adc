"""Named shims for moto 5.2.5's gaps in SageMaker Studio.

1. ``moto_has_no_update_domain``: UpdateDomain is not implemented. The shim applies it to moto's domain:
   each member sent in ``DefaultUserSettings`` or ``DefaultSpaceSettings`` replaces that member, and members
   not sent are kept. (Whether UpdateDomain merges deeper is not stated in the API reference; ecoguard sends
   each app-settings object whole, so either reading leaves its other fields as they were.) It answers the
   errors the API reference documents: ResourceNotFound for an unknown domain, and ValidationException for
   an ``IdleTimeoutInMinutes`` outside 60 to 525,600 (IdleSettings).
2. ``moto_has_no_studio_apps``: no ListApps, DescribeApp, CreateApp or DeleteApp. The shim keeps apps in
   memory on moto's backend: ListApps pages (``MaxResults``, ``NextToken``) and filters by domain;
   DeleteApp marks the app ``Deleted`` (AWS keeps listing deleted apps for a while) and answers
   ResourceNotFound for an app that does not exist or is already deleted, as the API reference documents.

3. ``moto_domain_without_tags_breaks_list_tags``: a domain created without ``Tags`` keeps ``None`` for its
   tags, and ListTags on it raises TypeError; AWS answers an empty list. The shim gives such a domain an
   empty tag list before moto's ListTags runs.

4. ``moto_model_card_without_tags_breaks_tags``: the same for a model card created without ``Tags``: ListTags
   raises TypeError and AddTags AttributeError; AWS answers an empty list, and tags the card. The shim gives
   every version of such a card an empty tag list before moto's ListTags or AddTags runs.

All patch moto's response class, so every client sees the same state: the handler's, the tests' and the
restorer's. ``seed_app`` creates an app with the status, instance type and creation time a scene needs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse

from tools.simulator.identity import ACCOUNT, REGION
from tools.simulator.studio_owners_shim import profile_tags

IDLE_MIN, IDLE_MAX = 60, 525_600


def _backend(account: str | None, region: str | None) -> Any:
    # The organization demo runs scenes as another account (MOTO_ACCOUNT_ID) in another region (AWS_REGION).
    account = account or os.environ.get("MOTO_ACCOUNT_ID") or ACCOUNT
    region = region or os.environ.get("AWS_REGION") or REGION
    return sagemaker_backends[account][region]


@dataclass
class ShimApp:
    domain_id: str
    owner_kind: str  # "UserProfileName" or "SpaceName"
    owner: str
    app_type: str
    name: str
    status: str
    instance_type: str
    created: datetime

    def key(self) -> tuple[str, str, str, str]:
        return (self.domain_id, self.owner, self.app_type, self.name)

    def details(self) -> dict[str, Any]:
        return {
            "DomainId": self.domain_id,
            self.owner_kind: self.owner,
            "AppType": self.app_type,
            "AppName": self.name,
            "Status": self.status,
            "CreationTime": self.created,
            "ResourceSpec": {"InstanceType": self.instance_type},
        }


def _apps(backend: Any) -> dict[tuple[str, str, str, str], ShimApp]:
    if not hasattr(backend, "ecoguard_studio_apps"):
        backend.ecoguard_studio_apps = {}
    apps: dict[tuple[str, str, str, str], ShimApp] = backend.ecoguard_studio_apps
    return apps


def _check_idle(settings: Any, where: str) -> None:
    if not isinstance(settings, dict):
        return
    for app, value in settings.items():
        idle = ((value or {}).get("AppLifecycleManagement") or {}).get("IdleSettings") or {}
        for field in ("IdleTimeoutInMinutes", "MinIdleTimeoutInMinutes", "MaxIdleTimeoutInMinutes"):
            minutes = idle.get(field)
            if minutes is not None and not IDLE_MIN <= int(minutes) <= IDLE_MAX:
                raise ValidationError(
                    message=f"Value '{minutes}' at '{where}.{app}.appLifecycleManagement.idleSettings."
                    f"{field[0].lower() + field[1:]}' failed to satisfy constraint: Member must have value "
                    f"less than or equal to {IDLE_MAX}"
                )


def _update_domain(self: SageMakerResponse) -> ActionResult:
    domain_id = self._get_param("DomainId")
    domain = self.sagemaker_backend.domains.get(domain_id)
    if domain is None:
        raise ResourceNotFound(message=f"Domain {domain_id} does not exist.")
    for member, attribute in (
        ("DefaultUserSettings", "default_user_settings"),
        ("DefaultSpaceSettings", "default_space_settings"),
    ):
        sent = self._get_param(member)
        if sent is None:
            continue
        _check_idle(sent, member[0].lower() + member[1:])
        current = dict(getattr(domain, attribute) or {})
        current.update(sent)
        setattr(domain, attribute, current)
    return ActionResult({"DomainArn": domain.arn})


def _list_apps(self: SageMakerResponse) -> ActionResult:
    domain_id = self._get_param("DomainIdEquals")
    size = int(self._get_param("MaxResults") or 10)
    start = int(self._get_param("NextToken") or 0)
    apps = [a for a in _apps(self.sagemaker_backend).values() if domain_id is None or a.domain_id == domain_id]
    apps.sort(key=lambda a: a.created, reverse=True)  # AWS's default: CreationTime, descending
    page = apps[start : start + size]
    more = start + size < len(apps)
    return ActionResult({"Apps": [a.details() for a in page], **({"NextToken": str(start + size)} if more else {})})


def _app_key(self: SageMakerResponse) -> tuple[str, str, str, str]:
    owner = self._get_param("UserProfileName") or self._get_param("SpaceName") or ""
    return (self._get_param("DomainId"), owner, self._get_param("AppType"), self._get_param("AppName"))


def _describe_app(self: SageMakerResponse) -> ActionResult:
    app = _apps(self.sagemaker_backend).get(_app_key(self))
    if app is None:
        raise ResourceNotFound(message="App does not exist.")
    return ActionResult(app.details())


def _delete_app(self: SageMakerResponse) -> EmptyResult:
    app = _apps(self.sagemaker_backend).get(_app_key(self))
    if app is None or app.status == "Deleted":
        raise ResourceNotFound(message="App does not exist.")
    app.status = "Deleted"
    return EmptyResult()


def _create_app(self: SageMakerResponse) -> ActionResult:
    domain_id, owner, app_type, name = _app_key(self)
    apps = _apps(self.sagemaker_backend)
    existing = apps.get((domain_id, owner, app_type, name))
    if existing is not None and existing.status != "Deleted":
        raise ResourceInUseException(message="App already exists.")
    kind = "UserProfileName" if self._get_param("UserProfileName") else "SpaceName"
    spec = self._get_param("ResourceSpec") or {}
    app = ShimApp(
        domain_id, kind, owner, app_type, name, "InService", spec.get("InstanceType", "system"), datetime.now(UTC)
    )
    apps[app.key()] = app
    arn = f"arn:aws:sagemaker:{self.region}:{self.current_account}:app/{domain_id}/{owner}/{app_type.lower()}/{name}"
    return ActionResult({"AppArn": arn})


_MOTO_LIST_TAGS = SageMakerResponse.list_tags


def _list_tags(self: SageMakerResponse) -> Any:
    arn = self._get_param("ResourceArn") or ""
    if ":user-profile/" in arn or ":space/" in arn:  # moto_has_no_studio_profiles_or_spaces: their tags too
        return ActionResult({"Tags": profile_tags(self.sagemaker_backend, arn)})
    _empty_tag_lists(self.sagemaker_backend)
    return _MOTO_LIST_TAGS(self)


_MOTO_ADD_TAGS = SageMakerResponse.add_tags


def _add_tags(self: SageMakerResponse) -> Any:
    _empty_tag_lists(self.sagemaker_backend)
    return _MOTO_ADD_TAGS(self)


def _empty_tag_lists(backend: Any) -> None:
    """Domains and model cards created without Tags: an empty list, as AWS answers (shims 3 and 4)."""
    for domain in backend.domains.values():
        if domain.tags is None:
            domain.tags = []
    for versions in backend.model_cards.values():
        for version in versions:
            if version.tags is None:
                version.tags = []


@contextmanager
def studio_shims() -> Iterator[None]:
    """``moto_has_no_update_domain``, ``moto_has_no_studio_apps``, ``moto_domain_without_tags_breaks_list_tags`` and
    ``moto_model_card_without_tags_breaks_tags``, while the context lasts."""
    with ExitStack() as stack:
        for name, method in (
            ("update_domain", _update_domain),
            ("list_apps", _list_apps),
            ("describe_app", _describe_app),
            ("delete_app", _delete_app),
            ("create_app", _create_app),
            ("list_tags", _list_tags),
            ("add_tags", _add_tags),
        ):
            stack.enter_context(patch.object(SageMakerResponse, name, method, create=True))
        yield


def seed_app(
    domain_id: str,
    owner: str,
    app_type: str,
    name: str,
    *,
    instance_type: str,
    created: datetime,
    status: str = "InService",
    space: bool = False,
    account: str | None = None,
    region: str | None = None,
) -> None:
    app = ShimApp(
        domain_id, "SpaceName" if space else "UserProfileName", owner, app_type, name, status, instance_type, created
    )
    _apps(_backend(account, region))[app.key()] = app


def app_status(domain_id: str, owner: str, app_type: str, name: str) -> str | None:
    app = _apps(_backend(None, None)).get((domain_id, owner, app_type, name))
    return None if app is None else app.status


def domain_settings(domain_id: str) -> dict[str, Any]:
    """The domain's two default settings as moto holds them (a deep copy)."""
    domain = _backend(None, None).domains[domain_id]
    copied: dict[str, Any] = json.loads(
        json.dumps(
            {
                "DefaultUserSettings": domain.default_user_settings or {},
                "DefaultSpaceSettings": domain.default_space_settings or {},
            }
        )
    )
    return copied
