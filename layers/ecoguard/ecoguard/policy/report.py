"""The ``report`` section: how the impact report attributes what ecoguard avoided, and whether it measures the
savings from the bill."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ecoguard.policy.base import StrictModel

# The SERVICE value Cost Explorer requires in a GetCostAndUsageWithResources filter (Cost Explorer API
# reference, GetCostAndUsageWithResources, Filter).
EC2_COMPUTE = "Amazon Elastic Compute Cloud - Compute"


class MeasuredSavingsPolicy(StrictModel):
    """Savings measured from the bill, beside the estimates (opt-in)."""

    enabled: bool = Field(
        default=False,
        description=(
            "Read each resource's daily cost from Cost Explorer (`GetCostAndUsageWithResources`, the last 14 days) "
            "and show, for each applied action old enough, the measured daily cost before and after beside the "
            'estimate, or "not verified" where it cannot. Needs resource-level data enabled in the Cost Explorer '
            "settings of the account; each call is a paid Cost Explorer API request."
        ),
    )
    services: list[str] = Field(
        default=[EC2_COMPUTE, "Amazon SageMaker"],
        min_length=1,
        max_length=10,
        description=(
            "Cost Explorer SERVICE values to read, one request (and its pages) each. The API reference requires "
            f"`{EC2_COMPUTE}` in the filter; other services answer only where Cost Explorer has their "
            'resource-level data, and a resource it has no cost for reads "not verified".'
        ),
    )
    min_days: int = Field(
        default=2,
        ge=1,
        le=6,
        description=(
            "Full days of cost needed on each side of the action (the day it was applied is left out) before a "
            "saving is measured."
        ),
    )


class ReportPolicy(StrictModel):
    """The impact report (ImpactReportFunction, CentralReportFunction, ``ecoguard report``)."""

    # A tag key: at most 128 characters (Tagging best practices, "Tag naming limits and requirements").
    attribution_tags: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(
        default=["team", "cost-center"],
        max_length=10,
        description=(
            "Cost-allocation tag keys, in order: each decision's audit record keeps the values the resource "
            "carried when ecoguard decided, and the report attributes savings by each key. Each key costs the "
            "log-retention and idle-notebook sweeps one more tagging-API `GetResources` listing (100 a page) "
            "per invocation."
        ),
    )
    measured_savings: MeasuredSavingsPolicy = Field(
        default=MeasuredSavingsPolicy(),
        description="Savings measured from the bill (Cost Explorer), beside the estimates; off unless enabled.",
    )
