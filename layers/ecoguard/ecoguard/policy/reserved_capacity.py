"""The ``reserved_capacity`` section (ReservedCapacityFunction): SageMaker training plans and EC2 Capacity Blocks
with reserved hours left unused."""

from __future__ import annotations

from pydantic import Field

from ecoguard.policy.base import StrictModel


class ReservedCapacityPolicy(StrictModel):
    """Capacity paid for in advance (findings only: nothing in the account is changed, in any mode). A training
    plan or Capacity Block that ends within `notice_days` with reserved instances unused is noticed, with the
    instance-hours left unused and what would use them.

    Example::

        reserved_capacity:
          notice_days: 3
    """

    enabled: bool = Field(default=True, description="Turn the notices of unused reserved capacity off.")
    notice_days: int = Field(
        default=7,
        ge=1,
        le=365,
        description="Notice a training plan or Capacity Block this many days (or fewer) before it ends.",
    )
