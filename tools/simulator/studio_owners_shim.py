"""Named shim for moto 5.2.5's gap in Studio user profiles and spaces.

``moto_has_no_studio_profiles_or_spaces``: moto implements neither ListUserProfiles, DescribeUserProfile,
ListSpaces nor DescribeSpace. The shim keeps profiles and spaces in memory on moto's backend (``seed_profile``,
``seed_space``): the listings page (``MaxResults``, ``NextToken``) and filter by ``DomainIdEquals``; each
Describe answers the settings the profile or space holds (``UserSettings``, ``SpaceSettings``), a space's owner
(``OwnershipSettings.OwnerUserProfileName``) and sharing type, and ResourceNotFound for an unknown one, as
the SageMaker API reference documents. Only the members botocore's model defines are answered.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch

from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import ResourceNotFound
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse

from tools.simulator.identity import ACCOUNT, REGION

CREATED = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass
class ShimOwner:
    domain_id: str
    name: str
    settings: dict[str, Any] = field(default_factory=dict)
    owner: str | None = None  # a space's owning user profile; None for a profile, or a shared space
    tags: list[dict[str, str]] = field(default_factory=list)  # a profile's tags (CreateUserProfile Tags, AddTags)


def _backend() -> Any:
    account = os.environ.get("MOTO_ACCOUNT_ID") or ACCOUNT
    region = os.environ.get("AWS_REGION") or REGION
    return sagemaker_backends[account][region]


def _store(backend: Any, kind: str) -> dict[tuple[str, str], ShimOwner]:
    attribute = f"ecoguard_studio_{kind}"
    if not hasattr(backend, attribute):
        setattr(backend, attribute, {})
    store: dict[tuple[str, str], ShimOwner] = getattr(backend, attribute)
    return store


def _page(self: SageMakerResponse, kind: str, items: str, summary: Any) -> ActionResult:
    domain_id = self._get_param("DomainIdEquals")
    size = int(self._get_param("MaxResults") or 10)
    start = int(self._get_param("NextToken") or 0)
    found = sorted(
        (o for o in _store(self.sagemaker_backend, kind).values() if domain_id is None or o.domain_id == domain_id),
        key=lambda o: (o.domain_id, o.name),
    )
    page = [summary(o) for o in found[start : start + size]]
    more = start + size < len(found)
    return ActionResult({items: page, **({"NextToken": str(start + size)} if more else {})})


def _one(self: SageMakerResponse, kind: str, param: str) -> ShimOwner:
    key = (self._get_param("DomainId"), self._get_param(param))
    found = _store(self.sagemaker_backend, kind).get(key)
    if found is None:
        raise ResourceNotFound(message=f"{param} {key[1]} does not exist in domain {key[0]}.")
    return found


def _arn(self: SageMakerResponse, kind: str, owner: ShimOwner) -> str:
    return f"arn:aws:sagemaker:{self.region}:{self.current_account}:{kind}/{owner.domain_id}/{owner.name}"


def _list_profiles(self: SageMakerResponse) -> ActionResult:
    return _page(
        self,
        "profiles",
        "UserProfiles",
        lambda o: {"DomainId": o.domain_id, "UserProfileName": o.name, "Status": "InService", "CreationTime": CREATED},
    )


def _describe_profile(self: SageMakerResponse) -> ActionResult:
    profile = _one(self, "profiles", "UserProfileName")
    return ActionResult(
        {
            "DomainId": profile.domain_id,
            "UserProfileArn": _arn(self, "user-profile", profile),
            "UserProfileName": profile.name,
            "Status": "InService",
            "UserSettings": profile.settings,
        }
    )


def _space_summary(space: ShimOwner) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "DomainId": space.domain_id,
        "SpaceName": space.name,
        "Status": "InService",
        "CreationTime": CREATED,
        "SpaceSharingSettingsSummary": {"SharingType": "Private" if space.owner else "Shared"},
    }
    if space.owner:
        summary["OwnershipSettingsSummary"] = {"OwnerUserProfileName": space.owner}
    return summary


def _list_spaces(self: SageMakerResponse) -> ActionResult:
    return _page(self, "spaces", "Spaces", _space_summary)


def _describe_space(self: SageMakerResponse) -> ActionResult:
    space = _one(self, "spaces", "SpaceName")
    described: dict[str, Any] = {
        "DomainId": space.domain_id,
        "SpaceArn": _arn(self, "space", space),
        "SpaceName": space.name,
        "Status": "InService",
        "SpaceSettings": space.settings,
        "SpaceSharingSettings": {"SharingType": "Private" if space.owner else "Shared"},
    }
    if space.owner:
        described["OwnershipSettings"] = {"OwnerUserProfileName": space.owner}
    return ActionResult(described)


@contextmanager
def studio_owner_shims() -> Iterator[None]:
    """``moto_has_no_studio_profiles_or_spaces``, while the context lasts."""
    with ExitStack() as stack:
        for name, method in (
            ("list_user_profiles", _list_profiles),
            ("describe_user_profile", _describe_profile),
            ("list_spaces", _list_spaces),
            ("describe_space", _describe_space),
        ):
            stack.enter_context(patch.object(SageMakerResponse, name, method, create=True))
        yield


def seed_profile(domain_id: str, name: str, settings: dict[str, Any] | None = None) -> None:
    """A user profile with its own ``UserSettings`` (as CreateUserProfile takes them)."""
    _store(_backend(), "profiles")[(domain_id, name)] = ShimOwner(domain_id, name, settings or {})


def tag_profile(domain_id: str, name: str, tags: dict[str, str]) -> None:
    """Tag a seeded user profile, as AddTags on its ARN would."""
    _store(_backend(), "profiles")[(domain_id, name)].tags = [{"Key": k, "Value": v} for k, v in tags.items()]


def profile_tags(backend: Any, arn: str) -> list[dict[str, str]]:
    """ListTags on a user profile's or a space's ARN (``...:user-profile/<domain-id>/<name>``,
    ``...:space/<domain-id>/<name>``): its tags, or ResourceNotFound for one that does not exist (SageMaker API
    reference, ListTags, Errors)."""
    kind, rest = (
        ("profiles", arn.split(":user-profile/", 1)[1])
        if ":user-profile/" in arn
        else (
            "spaces",
            arn.split(":space/", 1)[1],
        )
    )
    domain_id, name = rest.split("/", 1)
    found = _store(backend, kind).get((domain_id, name))
    if found is None:
        what = "User profile" if kind == "profiles" else "Space"
        raise ResourceNotFound(message=f"{what} {name} does not exist in domain {domain_id}.")
    return list(found.tags)


def seed_space(domain_id: str, name: str, *, owner: str | None, settings: dict[str, Any] | None = None) -> None:
    """A space with its own ``SpaceSettings``; ``owner``: its owning profile (a private space), or None (shared)."""
    _store(_backend(), "spaces")[(domain_id, name)] = ShimOwner(domain_id, name, settings or {}, owner)
