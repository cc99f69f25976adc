"""Capacity paid for in advance, read one page at a time: SageMaker training plans and EC2 Capacity Blocks.

As the API references document them:

- ListTrainingPlans pages with ``NextToken`` (``MaxResults`` 1 to 100) and filters by ``Status`` (the only
  ``TrainingPlanFilterName``); each ``TrainingPlanSummary`` holds what a notice needs (``Status``, ``EndTime``,
  ``TotalInstanceCount``, ``AvailableInstanceCount``, ``InUseInstanceCount``, ``TargetResources``,
  ``ReservedCapacitySummaries`` with each reserved capacity's ``InstanceType``), the same members as
  DescribeTrainingPlan's, so no plan is described again. Its tags: ListTags on its ARN (a plan deleted since it
  was listed answers ``ResourceNotFound``: gone).
- DescribeCapacityReservations pages with ``NextToken`` (``MaxResults`` 1 to 1000) and filters by ``state``; it
  documents no filter on the reservation type, so Capacity Blocks are the answers whose ``ReservationType`` is
  ``capacity-block`` (CapacityReservationType: ``default`` | ``capacity-block``). Each carries its ``Tags``,
  ``InstanceType``, ``TotalInstanceCount``, ``AvailableInstanceCount`` and ``EndDate``.

A page may hold fewer matches than asked, or none, while a token follows: only a missing token ends a listing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ecoguard.adapters.sagemaker_calls import PAGE_SIZE, SageMakerCalls
from ecoguard.adapters.sdk_support import gaps
from ecoguard.decisions import Unreadable
from ecoguard.errors import translate
from ecoguard.guardrails.reserved_capacity import CAPACITY_BLOCK, GUARDRAIL, RUNNING, TRAINING_PLAN, Commitment
from ecoguard.paging import Page
from ecoguard.reading import GONE, read

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

BLOCKS_PAGE_SIZE = 100  # DescribeCapacityReservations MaxResults: 1 to 1000


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, int) else None


def _time(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None


def training_plan(summary: Mapping[str, Any], tags: Mapping[str, str]) -> Commitment:
    """A TrainingPlanSummary (or a DescribeTrainingPlan answer) as a ``Commitment``."""
    capacities = summary.get("ReservedCapacitySummaries") or []
    types = tuple(dict.fromkeys(str(c["InstanceType"]) for c in capacities if "InstanceType" in c))
    return Commitment(
        kind=TRAINING_PLAN,
        name=str(summary["TrainingPlanName"]),
        arn=str(summary["TrainingPlanArn"]),
        status=str(summary.get("Status", "")),
        end=_time(summary.get("EndTime")),
        total=_count(summary.get("TotalInstanceCount")),
        available=_count(summary.get("AvailableInstanceCount")),
        in_use=_count(summary.get("InUseInstanceCount")),
        instance_types=types,
        targets=tuple(str(t) for t in summary.get("TargetResources") or []),
        start=_time(summary.get("StartTime")),
        tags=dict(tags),
    )


def capacity_block(raw: Mapping[str, Any]) -> Commitment:
    """A CapacityReservation whose ``ReservationType`` is ``capacity-block``, as a ``Commitment``."""
    return Commitment(
        kind=CAPACITY_BLOCK,
        name=str(raw["CapacityReservationId"]),
        arn=str(raw.get("CapacityReservationArn") or raw["CapacityReservationId"]),
        status=str(raw.get("State", "")),
        end=_time(raw.get("EndDate")),
        total=_count(raw.get("TotalInstanceCount")),
        available=_count(raw.get("AvailableInstanceCount")),
        instance_types=(str(raw["InstanceType"]),) if raw.get("InstanceType") else (),
        start=_time(raw.get("StartDate")),
        tags={str(t["Key"]): str(t.get("Value", "")) for t in raw.get("Tags") or []},
    )


class ReservedCapacityAdapter(SageMakerCalls):
    def __init__(self, sagemaker: SageMakerClient, ec2: Any) -> None:
        super().__init__(sagemaker)
        self._ec2 = ec2

    def sdk_gaps(self) -> dict[str, tuple[str, ...]]:
        """The listings (``training-plan``, ``capacity-block``) this runtime's SDK cannot read (``sdk_support``)."""
        return {**gaps(self._sm, GUARDRAIL), **gaps(self._ec2, GUARDRAIL)}

    def plan_page(self, token: str | None) -> Page[Commitment | Unreadable]:
        """One page of Active training plans, each with its tags (a plan gone since the listing is left out)."""
        kwargs: dict[str, Any] = {
            "MaxResults": PAGE_SIZE,
            "Filters": [{"Name": "Status", "Value": RUNNING[TRAINING_PLAN]}],
        }
        if token:
            kwargs["NextToken"] = token
        response = self._call("list_training_plans", **kwargs)
        found: list[Commitment | Unreadable] = []
        for summary in response.get("TrainingPlanSummaries", []):
            listed = training_plan(summary, {})
            tags = read(GUARDRAIL, listed.resource, partial(self.tags, listed.arn))
            if tags is GONE:
                continue
            found.append(tags if isinstance(tags, Unreadable) else training_plan(summary, tags))
        return Page(found, response.get("NextToken") or None)

    def block_page(self, token: str | None) -> Page[Commitment | Unreadable]:
        """One page of active Capacity Blocks (DescribeCapacityReservations, state ``active``)."""
        kwargs: dict[str, Any] = {
            "MaxResults": BLOCKS_PAGE_SIZE,
            "Filters": [{"Name": "state", "Values": [RUNNING[CAPACITY_BLOCK]]}],
        }
        if token:
            kwargs["NextToken"] = token
        try:
            response = self._ec2.describe_capacity_reservations(**kwargs)
        except ClientError as exc:
            raise translate(exc, "ec2") from exc
        blocks: list[Commitment | Unreadable] = [
            capacity_block(r)
            for r in response.get("CapacityReservations", [])
            if r.get("ReservationType") == CAPACITY_BLOCK
        ]
        return Page(blocks, response.get("NextToken") or None)
