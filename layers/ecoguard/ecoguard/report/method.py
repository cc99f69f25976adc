"""The method, stated beside the headline in words a sustainability lead can check and forward: location-based,
the grid factors' source and year, the PUE, the energy coefficients, the prices and their dates, and why the
figures are not comparable with AWS's Customer Carbon Footprint Tool (market-based)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ecoguard.impact import METHOD, coefficients, grid_factor, price_sources


@dataclass(frozen=True)
class GridLine:
    region: str
    g_per_kwh: float
    year: str
    source: str
    listed: bool  # False: the region is not in the table and CCF's average was used


def grid_lines(regions: Iterable[str]) -> list[GridLine]:
    lines = []
    for region in sorted(set(regions)):
        factor, listed = grid_factor(region)
        lines.append(GridLine(region, factor.t_co2e_per_kwh * 1e6, factor.data_year, factor.source, listed))
    return lines


def short_source(source: str) -> str:
    """The source's name without its file paths: "CCF (EPA eGRID2020 NERC region)"."""
    if source.startswith("CCF"):
        detail = source[source.rfind("(") + 1 : source.rfind(")")] if "(" in source else ""
        parts = [p.strip() for p in detail.split(";") if p.strip() and "/" not in p and ".ts" not in p]
        return "Cloud Carbon Footprint" + (f" ({'; '.join(parts)})" if parts else "")
    return source.split(" (", maxsplit=1)[0]


def method_sentences(regions: Iterable[str]) -> list[str]:
    c = coefficients()
    grids = [
        f"{g.region} {g.g_per_kwh:.0f} gCO2e/kWh ({short_source(g.source)}, {g.year})"
        + ("" if g.listed else " - not listed: CCF's average")
        for g in grid_lines(regions)
    ]
    return [
        "Location-based estimates: energy x the grid's average carbon intensity where the resource runs"
        + (f": {'; '.join(grids)}." if grids else "."),
        f"Energy by the Cloud Carbon Footprint method ({METHOD}): CPU and GPU watts between idle and full load at "
        f"the measured utilization (CCF's default {c['default_utilization']:g}% where none is measured), memory "
        f"{c['memory_kwh_per_gb_hour']:g} kWh per GB-hour, storage {c['hdd_wh_per_tb_hour']:g} Wh per TB-hour "
        f"(HDD) or {c['ssd_wh_per_tb_hour']:g} (SSD) times its replication, all times a PUE of {c['pue']:g} "
        "(CCF's AWS average).",
        "Costs are on-demand list prices: " + "; ".join(price_sources()) + ". A price that is not sourced for a "
        "region is unknown, never 0.",
        "Not comparable with the AWS Customer Carbon Footprint Tool, which reports market-based emissions "
        "(renewable energy purchases counted) from AWS's own model.",
    ]
