"""Named shims for moto 5.2.5's gaps in capacity paid for in advance.

1. ``moto_has_no_training_plans``: moto has no SageMaker training plans. ``seed_training_plan`` keeps one in
   memory; ListTrainingPlans (paged by ``MaxResults``/``NextToken``, filtered by ``Status``, the one
   ``TrainingPlanFilterName``), DescribeTrainingPlan (``ResourceNotFound`` for an unknown plan, the error the
   API reference models) and ListTags on its ARN answer from it, with the members of TrainingPlanSummary /
   DescribeTrainingPlanResponse and ReservedCapacitySummary. The ``Status`` filter is applied after
   ``MaxResults`` has cut the page (a page may hold fewer matches, or none, before the last: nothing in the
   reference says otherwise). Counts and status stay as seeded: AWS moves them as instances start and stop.
2. ``moto_has_no_capacity_blocks``: moto's EC2 has no Capacity Reservations at all. ``seed_capacity_block``
   keeps one; DescribeCapacityReservations answers it with ``ReservationType`` ``capacity-block`` (paged by
   ``MaxResults``/``NextToken``; the ``state`` and ``instance-type`` filters the reference documents; any other
   filter name ``InvalidParameterValue``, as EC2 answers an unknown filter).

Both patch moto's response classes, so every client sees the same state.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from unittest.mock import patch

from moto.core.responses import ActionResult
from moto.ec2.exceptions import InvalidParameterValueError
from moto.ec2.responses import EC2Response
from moto.sagemaker.exceptions import ResourceNotFound
from moto.sagemaker.responses import SageMakerResponse

from tools.simulator.identity import ACCOUNT, REGION

BLOCK_FILTERS = {"state": "State", "instance-type": "InstanceType"}


@dataclass
class ShimPlan:
    name: str
    arn: str
    status: str
    instance_type: str
    total: int
    available: int
    in_use: int
    start: datetime
    end: datetime
    targets: list[str]
    tags: list[dict[str, str]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        hours = int((self.end - self.start).total_seconds() // 3600)
        capacity = self.arn.replace(":training-plan/", ":reserved-capacity/")
        return {
            "TrainingPlanArn": self.arn,
            "TrainingPlanName": self.name,
            "Status": self.status,
            "DurationHours": hours,
            "StartTime": self.start,
            "EndTime": self.end,
            "TotalInstanceCount": self.total,
            "AvailableInstanceCount": self.available,
            "InUseInstanceCount": self.in_use,
            "TargetResources": self.targets,
            "ReservedCapacitySummaries": [
                {
                    "ReservedCapacityArn": capacity,
                    "InstanceType": self.instance_type,
                    "TotalInstanceCount": self.total,
                    "Status": self.status,
                    "DurationHours": hours,
                    "StartTime": self.start,
                    "EndTime": self.end,
                }
            ],
        }


@dataclass
class ShimBlock:
    id: str
    instance_type: str
    total: int
    available: int
    start: datetime
    end: datetime
    state: str = "active"
    tags: list[dict[str, str]] = field(default_factory=list)

    def reservation(self, account: str, region: str) -> dict[str, Any]:
        return {
            "CapacityReservationId": self.id,
            "OwnerId": account,
            "CapacityReservationArn": f"arn:aws:ec2:{region}:{account}:capacity-reservation/{self.id}",
            "InstanceType": self.instance_type,
            "InstancePlatform": "Linux/UNIX",
            "AvailabilityZone": f"{region}a",
            "Tenancy": "default",
            "TotalInstanceCount": self.total,
            "AvailableInstanceCount": self.available,
            "EbsOptimized": True,
            "EphemeralStorage": False,
            "State": self.state,
            "StartDate": self.start,
            "EndDate": self.end,
            "EndDateType": "limited",
            "InstanceMatchCriteria": "targeted",
            "CreateDate": self.start,
            "Tags": self.tags,
            "ReservationType": "capacity-block",
        }


def _where() -> tuple[str, str]:
    # The organization demo runs scenes as another account (MOTO_ACCOUNT_ID) in another region (AWS_REGION).
    return os.environ.get("MOTO_ACCOUNT_ID") or ACCOUNT, os.environ.get("AWS_REGION") or REGION


PLANS: dict[tuple[str, str], dict[str, ShimPlan]] = {}
BLOCKS: dict[tuple[str, str], dict[str, ShimBlock]] = {}


def _page[T](items: list[T], size: int, token: str | None) -> tuple[list[T], str | None]:
    start = int(token or 0)
    more = start + size < len(items)
    return items[start : start + size], str(start + size) if more else None


def _list_training_plans(self: SageMakerResponse) -> ActionResult:
    plans = sorted(PLANS.get((self.current_account, self.region), {}).values(), key=lambda p: p.name)
    page, token = _page(plans, int(self._get_param("MaxResults") or 10), self._get_param("NextToken"))
    wanted = [f["Value"] for f in self._get_param("Filters") or [] if f.get("Name") == "Status"]
    summaries = [p.summary() for p in page if not wanted or p.status in wanted]
    return ActionResult({"TrainingPlanSummaries": summaries, **({"NextToken": token} if token else {})})


def _plan_named(self: SageMakerResponse, name_or_arn: str) -> ShimPlan:
    name = name_or_arn.rsplit("/", 1)[-1]
    plan = PLANS.get((self.current_account, self.region), {}).get(name)
    if plan is None:
        raise ResourceNotFound(message=f"Training plan {name_or_arn} does not exist.")
    return plan


def _describe_training_plan(self: SageMakerResponse) -> ActionResult:
    summary = _plan_named(self, self._get_param("TrainingPlanName")).summary()
    return ActionResult(summary)


def _describe_capacity_reservations(self: EC2Response) -> ActionResult:
    account, region = self.current_account, self.region
    filters = self._filters_from_querystring()
    for name in filters:
        if name not in BLOCK_FILTERS:
            raise InvalidParameterValueError(name)
    ids = self._get_param("CapacityReservationIds", [])
    blocks = sorted(BLOCKS.get((account, region), {}).values(), key=lambda b: b.id)
    page, token = _page(blocks, int(self._get_param("MaxResults") or 1000), self._get_param("NextToken"))
    answers = [b.reservation(account, region) for b in page if not ids or b.id in ids]
    answers = [a for a in answers if all(a[BLOCK_FILTERS[n]] in values for n, values in filters.items())]
    return ActionResult({"CapacityReservations": answers, **({"NextToken": token} if token else {})})


@contextmanager
def reserved_capacity_shims() -> Iterator[None]:
    """``moto_has_no_training_plans`` and ``moto_has_no_capacity_blocks``, while the context lasts. Installed
    after ``compute_shims`` (whose ListTags it wraps in turn)."""
    with ExitStack() as stack:
        for name, method in (
            ("list_training_plans", _list_training_plans),
            ("describe_training_plan", _describe_training_plan),
        ):
            stack.enter_context(patch.object(SageMakerResponse, name, method, create=True))
        stack.enter_context(
            patch.object(EC2Response, "describe_capacity_reservations", _describe_capacity_reservations, create=True)
        )
        current_list_tags = SageMakerResponse.list_tags

        def list_tags(self: SageMakerResponse) -> Any:
            arn = self._get_param("ResourceArn")
            if ":training-plan/" in arn:
                return ActionResult({"Tags": _plan_named(self, arn).tags})
            return current_list_tags(self)

        stack.enter_context(patch.object(SageMakerResponse, "list_tags", list_tags))
        try:
            yield
        finally:
            PLANS.clear()
            BLOCKS.clear()


def seed_training_plan(
    name: str,
    *,
    instance_type: str = "ml.p5.48xlarge",
    total: int,
    available: int,
    start: datetime,
    end: datetime,
    status: str = "Active",
    targets: tuple[str, ...] = ("training-job",),
    tags: dict[str, str] | None = None,
) -> str:
    """A training plan as ListTrainingPlans and DescribeTrainingPlan will answer it; returns its ARN."""
    account, region = _where()
    arn = f"arn:aws:sagemaker:{region}:{account}:training-plan/{name}"
    PLANS.setdefault((account, region), {})[name] = ShimPlan(
        name,
        arn,
        status,
        instance_type,
        total,
        available,
        total - available,
        start,
        end,
        list(targets),
        [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )
    return arn


def seed_capacity_block(
    reservation_id: str,
    *,
    instance_type: str = "p5.48xlarge",
    total: int,
    available: int,
    start: datetime,
    end: datetime,
    state: str = "active",
    tags: dict[str, str] | None = None,
) -> None:
    """A Capacity Block as DescribeCapacityReservations will answer it."""
    BLOCKS.setdefault(_where(), {})[reservation_id] = ShimBlock(
        reservation_id,
        instance_type,
        total,
        available,
        start,
        end,
        state,
        [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )
