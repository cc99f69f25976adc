"""The reserved-capacity guardrail: capacity paid for in advance (SageMaker training plans, EC2 Capacity Blocks)
with reserved instance-hours left unused as its end nears. Findings only: nothing is written to these resources,
in any mode. A plan or a block is paid upfront (CreateTrainingPlan: "After successful upfront payment";
PurchaseCapacityBlock), so stopping or scaling down what runs on it saves nothing; what helps is using the hours
before they expire.

Rules, for one commitment:

1. Exempt (``ecoguard:exempt=true``): a ``Skip``.
2. Not running now: out of scope. A training plan counts while its ``Status`` is ``Active`` and a Capacity Block
   while its ``State`` is ``active`` (DescribeTrainingPlan, TrainingPlanStatus; DescribeCapacityReservations,
   CapacityReservationState); a ``Scheduled`` one has no hours running yet, and an expired, failed or cancelled
   one none left.
3. Its end unknown (no ``EndTime`` / ``EndDate`` in the answer): a finding that says so; its unused hours are
   unknown, never 0.
4. Ended already, or ending later than the policy's ``notice_days``: out of scope (no notice yet).
5. Every reserved instance in use (``AvailableInstanceCount`` 0): out of scope: nothing is left unused.
6. Otherwise a notice (``unused-reserved-capacity``): the reserved instance-hours left unused, ``remaining hours x
   AvailableInstanceCount`` (the hours from now to the end; both fields documented by the API references), or
   unknown when ``AvailableInstanceCount`` is not in the answer; and what would use them: for a training plan, the
   kinds of resource it was bought for (``TargetResources``: training jobs, HyperPod instance groups, endpoints,
   Studio apps), for a Capacity Block, instances of its type launched into it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ecoguard.decisions import OUT_OF_SCOPE, Finding, Plan, Resource, Skip
from ecoguard.guardrails.tags import is_exempt
from ecoguard.policy.reserved_capacity import ReservedCapacityPolicy

GUARDRAIL = "reserved-capacity"
UNUSED = "unused-reserved-capacity"
END_UNKNOWN = "reserved-capacity-end-unknown"
TRAINING_PLAN = "training-plan"
CAPACITY_BLOCK = "capacity-block"
# What counts as running now: TrainingPlanStatus Active; CapacityReservationState active.
RUNNING = {TRAINING_PLAN: "Active", CAPACITY_BLOCK: "active"}
UNKNOWN = "unknown"

# How each kind of target of a training plan takes its reserved capacity (SageMaker API reference:
# ResourceConfig.TrainingPlanArn; ClusterInstanceGroupSpecification.TrainingPlanArn;
# ProductionVariant.CapacityReservationConfig; ResourceSpec.TrainingPlanArn). SageMakerResourceName enum.
USES = {
    "training-job": "queue training jobs on it (CreateTrainingJob ResourceConfig.TrainingPlanArn)",
    "hyperpod-cluster": "grow a HyperPod instance group on it (UpdateCluster InstanceGroups[].TrainingPlanArn)",
    "endpoint": "host an endpoint variant on it (ProductionVariants[].CapacityReservationConfig)",
    "studio-apps": "run JupyterLab or Code Editor apps on it (ResourceSpec.TrainingPlanArn)",
}


@dataclass(frozen=True)
class Commitment:
    """A training plan (ListTrainingPlans' TrainingPlanSummary) or a Capacity Block (DescribeCapacityReservations'
    CapacityReservation with ``ReservationType`` ``capacity-block``), as the API answered: a count or time the
    answer did not hold is None."""

    kind: str  # TRAINING_PLAN or CAPACITY_BLOCK
    name: str  # the plan's name; the reservation's ID
    arn: str
    status: str
    end: datetime | None
    total: int | None  # TotalInstanceCount
    available: int | None  # AvailableInstanceCount
    in_use: int | None = None  # InUseInstanceCount (training plans)
    instance_types: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()  # TargetResources (training plans)
    start: datetime | None = None
    tags: Mapping[str, str] = field(default_factory=dict)

    @property
    def resource(self) -> Resource:
        kind = "AWS::SageMaker::TrainingPlan" if self.kind == TRAINING_PLAN else "AWS::EC2::CapacityReservation"
        return Resource(arn=self.arn, name=self.name, kind=kind, tags=self.tags)

    @property
    def label(self) -> str:
        return f"training plan {self.name}" if self.kind == TRAINING_PLAN else f"Capacity Block {self.name}"


def uses(commitment: Commitment) -> str:
    """What would use the reserved hours."""
    if commitment.kind == CAPACITY_BLOCK:
        types = ", ".join(commitment.instance_types) or "its instance type"
        # Launching into a Capacity Block takes the market type capacity-block and a targeted reservation
        # (EC2 API reference, RunInstances InstanceMarketOptions; CapacityReservationSpecification).
        return (
            f"launch {types} instances into it (RunInstances, InstanceMarketOptions MarketType capacity-block, "
            f"CapacityReservationTarget {commitment.name})"
        )
    wanted = [USES[t] for t in commitment.targets if t in USES]
    return "; ".join(wanted) or "run the workloads it was bought for on it"


def evidence(commitment: Commitment, now: datetime) -> dict[str, object]:
    remaining = None if commitment.end is None else max((commitment.end - now).total_seconds() / 3600, 0.0)
    unused: float | str = UNKNOWN
    if remaining is not None and commitment.available is not None:
        unused = round(remaining * commitment.available, 1)
    return {
        "commitment": commitment.kind,
        "status": commitment.status,
        "ends": commitment.end.isoformat() if commitment.end else UNKNOWN,
        "remaining_hours": UNKNOWN if remaining is None else round(remaining, 1),
        "total_instances": UNKNOWN if commitment.total is None else commitment.total,
        "available_instances": UNKNOWN if commitment.available is None else commitment.available,
        "in_use_instances": UNKNOWN if commitment.in_use is None else commitment.in_use,
        "unused_instance_hours": unused,
        "instance_types": list(commitment.instance_types),
        **({"targets": list(commitment.targets)} if commitment.targets else {}),
    }


def plan_commitment(commitment: Commitment, policy: ReservedCapacityPolicy, now: datetime) -> Plan:
    if not policy.enabled:
        return OUT_OF_SCOPE
    if is_exempt(commitment.tags):  # rule 1
        return Plan((Skip(GUARDRAIL, commitment.resource, "exempt (ecoguard:exempt=true): not reported"),))
    if commitment.status != RUNNING.get(commitment.kind):  # rule 2
        return OUT_OF_SCOPE
    facts = evidence(commitment, now)
    if commitment.end is None:  # rule 3
        reason = (
            f"{commitment.label} is {commitment.status} but its end time is not in the answer: unused hours unknown"
        )
        return Plan((Finding(GUARDRAIL, commitment.resource, END_UNKNOWN, reason, facts),))
    left = commitment.end - now
    if left.total_seconds() <= 0 or left.total_seconds() > policy.notice_days * 86400:  # rule 4
        return OUT_OF_SCOPE
    if commitment.available == 0:  # rule 5
        return OUT_OF_SCOPE
    hours = left.total_seconds() / 3600
    if commitment.available is None:
        unused = "an unknown number of reserved instance-hours (AvailableInstanceCount is not in the answer)"
    else:
        of_total = f" of {commitment.total}" if commitment.total is not None else ""
        unused = (
            f"{commitment.available}{of_total} reserved instance(s) unused: "
            f"{hours * commitment.available:.0f} instance-hours"
        )
    reason = (
        f"{commitment.label} ends {commitment.end:%Y-%m-%d %H:%M} UTC ({hours:.0f} h left) with {unused}, paid in "
        f"advance, that expire unused. Stopping or scaling down saves nothing; to use them, {uses(commitment)}"
    )
    return Plan((Finding(GUARDRAIL, commitment.resource, UNUSED, reason, facts),))
