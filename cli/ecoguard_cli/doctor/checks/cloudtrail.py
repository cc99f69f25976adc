"""A trail that is logging and records write management events: EventBridge gets the CreateLogGroup and
CreateBucket calls ecoguard reacts to from CloudTrail (EventBridge User Guide, "Events from AWS services")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ecoguard_cli.doctor.model import Row, check
from ecoguard_cli.doctor.verdicts import (
    Trail,
    advanced_selectors_record_writes,
    basic_selectors_record_writes,
    trail_row,
)

if TYPE_CHECKING:
    from ecoguard_cli.doctor.deployment import Deployment


@check("cloudtrail", order=50)
def management_events_recorded(deployment: Deployment) -> list[Row]:
    cloudtrail = deployment.cloudtrail
    trails = []
    for described in cloudtrail.describe_trails(includeShadowTrails=True).get("trailList", []):
        arn = str(described.get("TrailARN") or described.get("Name"))
        selectors: dict[str, Any] = dict(cloudtrail.get_event_selectors(TrailName=arn))
        writes = basic_selectors_record_writes(selectors.get("EventSelectors", [])) or (
            advanced_selectors_record_writes(selectors.get("AdvancedEventSelectors", []))
        )
        try:
            logging: bool | None = bool(cloudtrail.get_trail_status(Name=arn).get("IsLogging"))
        except ClientError:
            logging = None  # AccessDenied, or a shadow trail whose home region's status is not readable here
        trails.append(Trail(str(described.get("Name", arn)), logging, writes))
    return [trail_row(trails)]
