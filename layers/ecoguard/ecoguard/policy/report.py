"""The ``report`` section: how the impact report attributes what ecoguard avoided."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ecoguard.policy.base import StrictModel


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
