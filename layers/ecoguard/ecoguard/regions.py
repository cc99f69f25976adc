"""Rank AWS regions by grid carbon intensity (location-based), and name cleaner neighbours.

Figures come from ``data/carbon-regions.csv`` with their source and data year. "Neighbours" are
regions in the same geography (by region-name prefix), a deliberately simple notion of near.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecoguard.impact import GridFactor, grid_factors

# Region-name prefix -> geography.
_GEOGRAPHY = {
    "us": "North America",
    "ca": "North America",
    "mx": "North America",
    "sa": "South America",
    "eu": "Europe",
    "il": "Middle East and Africa",
    "me": "Middle East and Africa",
    "af": "Middle East and Africa",
    "ap": "Asia Pacific",
    "cn": "China",
}
# Regions in this most carbon-intensive share of the ranking are flagged.
FLAGGED_SHARE = 1 / 3


def geography(region: str) -> str:
    return _GEOGRAPHY.get(region.split("-", maxsplit=1)[0], "unknown")


def ranked() -> list[GridFactor]:
    """Every listed region, cleanest first (CCF's 'Unknown' average excluded)."""
    return sorted((f for f in grid_factors().values() if f.region != "Unknown"), key=lambda f: f.t_co2e_per_kwh)


@dataclass(frozen=True)
class RegionAdvice:
    region: str
    grid_g_per_kwh: float
    cleaner: tuple[GridFactor, ...]  # same geography, cleanest first


def is_most_intensive(region: str) -> bool:
    """Whether ``region`` is in the most carbon-intensive third of the listed regions."""
    names = [f.region for f in ranked()]
    return region in names and names.index(region) >= len(names) * (1 - FLAGGED_SHARE)


def advise(region: str, limit: int = 3) -> RegionAdvice | None:
    """Cleaner regions near a region in the most intensive third; None for other or unlisted regions."""
    own = grid_factors().get(region)
    if own is None or not is_most_intensive(region):
        return None
    cleaner = tuple(
        f for f in ranked() if geography(f.region) == geography(region) and f.t_co2e_per_kwh < own.t_co2e_per_kwh
    )[:limit]
    return RegionAdvice(region, own.t_co2e_per_kwh * 1e6, cleaner)
