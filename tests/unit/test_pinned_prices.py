"""Issue 31: every price ecoguard pins carries its source and a date (the retrieval date, or the billing period
it was read from), so a lead can defend it; a region without a pinned price stays unknown, never extrapolated
from another region's."""

from __future__ import annotations

import csv
import re
from importlib import resources
from pathlib import Path

import pytest

from ecoguard.impact import (
    compute_estimate,
    price_per_hour,
    price_sources,
    prices,
    storage_estimate,
    storage_prices,
)
from ecoguard.regions import ranked

ROOT = Path(__file__).resolve().parents[2]
DATED = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")  # a year, a month or a day


def rows(name: str) -> list[dict[str, str]]:
    text = resources.files("ecoguard").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@pytest.mark.parametrize(
    ("name", "date_column"), [("sagemaker-prices.csv", "year"), ("storage-prices.csv", "retrieved")]
)
def test_given_a_pinned_price_then_it_carries_its_source_its_date_and_its_region(name: str, date_column: str) -> None:
    found = rows(name)
    assert found
    for row in found:
        assert row["source"].strip(), row
        assert DATED.match(row[date_column]), f"{name}: no date for {row}"
        assert row["region"] in {f.region for f in ranked()}, f"{name}: not a region ecoguard supports: {row}"


def test_given_the_price_tables_then_each_instance_or_class_is_priced_once_per_region() -> None:
    sagemaker = [(r["instance_type"], r["region"]) for r in rows("sagemaker-prices.csv")]
    storage = [(r["service"], r["storage_class"], r["region"]) for r in rows("storage-prices.csv")]
    assert len(sagemaker) == len(set(sagemaker)) == len(prices())
    assert len(storage) == len(set(storage)) == len(storage_prices())


def test_given_an_instance_priced_in_two_regions_then_each_region_gets_its_own_price() -> None:
    """ml.m5.xlarge: us-east-1 from FMBENCH (2025), eu-west-1 from a December 2023 bill."""
    assert price_per_hour("ml.m5.xlarge", "us-east-1") == pytest.approx(0.23)
    assert price_per_hour("ml.m5.xlarge", "eu-west-1") == pytest.approx(0.257)
    assert price_per_hour("ml.m5.xlarge", "eu-central-1") is None  # not pinned: never another region's price


def test_given_a_region_without_a_pinned_price_then_cost_is_unknown_with_its_reason_never_extrapolated() -> None:
    estimate = compute_estimate(
        "ml.m5.xlarge", count=1, hours=24, region="eu-central-1", utilization_pct=0, period="per day"
    )
    assert estimate.usd is None
    assert "no sourced on-demand price for ml.m5.xlarge in eu-central-1" in estimate.unknown
    logs = storage_estimate(
        10**9, hours=24, region="ap-northeast-1", medium="hdd", replication_key="replication_default",
        period="per day", priced_as=("cloudwatch-logs", "STANDARD"),
    )  # fmt: skip
    assert logs.usd is None and logs.kwh is not None  # energy does not depend on a price


def test_given_the_method_line_then_it_names_every_priced_region_with_its_date() -> None:
    text = " ".join(price_sources())
    for row in rows("sagemaker-prices.csv"):
        assert f"{row['region']} (" in text and row["year"] in text
    for row in rows("storage-prices.csv"):
        assert f"{row['region']} (retrieved {row['retrieved']})" in text


def test_given_the_readme_then_it_lists_the_priced_regions_as_the_data_does() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Which regions are priced", 1)[1].split("\n## ", 1)[0]
    priced = {r["region"] for r in rows("sagemaker-prices.csv")} | {r["region"] for r in rows("storage-prices.csv")}
    for region in priced:
        assert region in section, region
