"""What the studio-idle guardrail reads of SageMaker Studio: a domain, its tags, its apps and the Canvas
activity of its users. Shared by its rules (``studio_idle``, ``canvas_idle``).

An app belongs to a user profile or to a space: ListApps and DescribeApp name ``UserProfileName`` or
``SpaceName``, and DeleteApp and CreateApp take the same one (SageMaker API reference, AppDetails, DeleteApp,
CreateApp), hence ``StudioApp.owner`` ("user/<profile>" or "space/<space>"). A private space has one owner,
``OwnershipSettings.OwnerUserProfileName``; a shared one has none (DescribeSpace, ``SpaceSharingSettings``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ecoguard.decisions import Resource

GUARDRAIL = "studio-idle"


@dataclass(frozen=True)
class Domain:
    domain_id: str
    name: str
    arn: str
    status: str
    # The members of TARGETS' settings as DescribeDomain returned them: {"DefaultUserSettings": {...}, ...}.
    settings: Mapping[str, Mapping[str, Any]]

    @property
    def resource(self) -> Resource:
        return Resource(arn=self.arn, name=self.domain_id, kind="AWS::SageMaker::Domain")

    def app_settings(self, settings: str, app: str) -> Mapping[str, Any] | None:
        found = self.settings.get(settings, {}).get(app)
        return found if isinstance(found, Mapping) else None


@dataclass(frozen=True)
class StudioApp:
    domain_id: str
    app_type: str
    name: str
    status: str
    owner: str  # "user/<profile>" or "space/<space>" (ListApps: SpaceName wins where both are given)
    instance_type: str | None
    created: datetime | None

    def arn(self, domain_arn: str) -> str:
        # arn:...:app/<domain-id>/<user-profile-or-space>/<app-type>/<app-name> (Service Authorization
        # Reference, SageMaker resource types: app).
        prefix = domain_arn.split(":domain/", maxsplit=1)[0]
        return f"{prefix}:app/{self.domain_id}/{self.owner.split('/', 1)[1]}/{self.app_type.lower()}/{self.name}"


@dataclass(frozen=True)
class Owner:
    """A user profile or space and its own app settings, which override the domain's (Developer Guide, "Idle
    shutdown": user profile settings override domain settings, and spaces have their own). ``settings``: the
    app-settings members of DescribeUserProfile's ``UserSettings`` or DescribeSpace's ``SpaceSettings``."""

    kind: str  # "user" or "space"
    name: str
    settings: Mapping[str, Any]
    owner_profile: str | None = None  # a private space's OwnershipSettings.OwnerUserProfileName

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.name}"

    def arn(self, domain: Domain) -> str:
        # arn:...:user-profile/<domain-id>/<name>, arn:...:space/<domain-id>/<name> (Service Authorization
        # Reference, SageMaker resource types).
        prefix = domain.arn.split(":domain/", maxsplit=1)[0]
        kind = "user-profile" if self.kind == "user" else "space"
        return f"{prefix}:{kind}/{domain.domain_id}/{self.name}"


@dataclass(frozen=True)
class CanvasIdle:
    """The latest ``TimeSinceLastActive`` of one user's Canvas app, and when it was reported; ``samples``: the
    most datapoints any period of the look-back holds (its SampleCount), over ``period_seconds``."""

    seconds: float
    at: datetime
    samples: float | None = None
    period_seconds: int = 300


@dataclass(frozen=True)
class ObservedDomain:
    domain: Domain
    tags: Mapping[str, str]
    apps: tuple[StudioApp, ...] = ()
    # The Canvas activity per app owner ("user/<p>" or "space/<s>": the space owner's activity; read only for
    # InService Canvas apps); absent: no datapoint.
    canvas: Mapping[str, CanvasIdle] = field(default_factory=dict)
    # The domain's user profiles and spaces with their own settings (rule 9 of ``studio_idle``).
    owners: tuple[Owner, ...] = ()
    # What of idle shutdown the runtime's SDK cannot read ("JupyterLabAppSettings.AppLifecycleManagement"):
    # its idle settings would be parsed away and read as absent, so no settings are decided.
    sdk_gaps: tuple[str, ...] = ()
    # Each Canvas user's profile tags (read for profiles whose app is idle past the window): exempt there too.
    profile_tags: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
