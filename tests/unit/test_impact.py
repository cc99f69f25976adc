"""Estimates on worked examples, computed by hand here from the cited coefficients (data/*.csv)."""

from __future__ import annotations

import pytest

from ecoguard.impact import compute_estimate, grid_factor, storage_estimate, totals

PUE = 1.135  # CCF PUE_AVG
US_EAST_1 = 0.000379069  # t CO2e / kWh, CCF (EPA eGRID2020, SERC)


def test_an_idle_g5_xlarge_for_one_hour_matches_the_hand_computed_ccf_figure() -> None:
    # CPU: 4 vCPU x 0.47 W (AMD EPYC 2nd Gen min); GPU: 1 x A10G at 18 W (min); memory 16 GiB < 129.78 GB/chip.
    watts = 4 * 0.47 + 18
    kwh = watts * 1 / 1000 * PUE
    estimate = compute_estimate("ml.g5.xlarge", count=1, hours=1, region="us-east-1", utilization_pct=0, period="1 h")
    assert estimate.kwh == pytest.approx(kwh, rel=1e-6)  # 0.02256 kWh
    assert estimate.kg_co2e == pytest.approx(kwh * US_EAST_1 * 1000, rel=1e-6)  # about 8.6 g
    assert estimate.usd == pytest.approx(1.4084)  # FMBENCH us-east-1 price
    assert estimate.unknown == ()


def test_without_measured_utilization_ccfs_50_percent_default_is_used_and_said() -> None:
    # CPU 4 x (0.47 + 0.5 x 1.22) = 4.32 W; GPU 18 + 0.5 x 135 = 85.5 W.
    kwh = (4.32 + 85.5) / 1000 * PUE
    estimate = compute_estimate("ml.g5.xlarge", count=2, hours=24, region="us-east-1", utilization_pct=None, period="d")
    assert estimate.kwh == pytest.approx(kwh * 24 * 2, rel=1e-6)
    assert "CCF default 50% utilization" in estimate.basis


def test_a_cpu_family_ccf_does_not_map_uses_its_unknown_processor_average_and_counts_excess_memory() -> None:
    # ml.m5.24xlarge: 96 vCPU, 384 GiB; unknown-processor 0.74..3.5 W/vCPU, 80.69 GB/chip.
    watts = 96 * (0.74 + 0.1 * (3.5 - 0.74))
    memory_kwh = (384 - 80.69) * 0.000392
    kwh = (watts / 1000 + memory_kwh) * PUE
    estimate = compute_estimate("ml.m5.24xlarge", count=1, hours=1, region="eu-west-1", utilization_pct=10, period="h")
    assert estimate.kwh == pytest.approx(kwh, rel=1e-6)
    assert estimate.kg_co2e == pytest.approx(kwh * 0.0002786 * 1000, rel=1e-6)
    assert estimate.usd is None and "no sourced on-demand price" in estimate.unknown[0]


@pytest.mark.parametrize("instance_type", ["ml.p5.48xlarge", "ml.inf2.xlarge", "ml.trn1.32xlarge"])
def test_accelerators_without_published_power_yield_unknown_not_a_number(instance_type: str) -> None:
    estimate = compute_estimate(instance_type, count=1, hours=1, region="us-east-1", utilization_pct=0, period="h")
    assert estimate.kwh is None and estimate.kg_co2e is None
    assert "not published" in estimate.unknown[0]


def test_an_unknown_instance_type_yields_unknown() -> None:
    estimate = compute_estimate("ml.zz9.huge", count=1, hours=1, region="us-east-1", utilization_pct=0, period="h")
    assert (estimate.kwh, estimate.kg_co2e, estimate.usd) == (None, None, None)
    assert "not in the instance table" in estimate.unknown[0]


def test_storage_of_one_terabyte_for_a_day_on_hdd_without_replication() -> None:
    kwh = 1 * 24 * 0.65 * 1 * PUE / 1000
    estimate = storage_estimate(
        10**12, hours=24, region="us-east-1", medium="hdd", replication_key="replication_default", period="d"
    )
    assert estimate.kwh == pytest.approx(kwh, rel=1e-6)
    assert estimate.usd is None


def test_an_unlisted_region_uses_ccfs_average_and_says_so() -> None:
    factor, listed = grid_factor("xx-nowhere-9")
    assert not listed and factor.region == "Unknown"
    estimate = compute_estimate("ml.g5.xlarge", count=1, hours=1, region="xx-nowhere-9", utilization_pct=0, period="h")
    assert any("CCF's average" in u for u in estimate.unknown)


def test_totals_skip_unknown_parts_and_count_them() -> None:
    result = totals([{"kwh": 1.0, "kg_co2e": 0.5, "usd": 2.0}, {"kwh": None, "kg_co2e": None, "usd": 3.0}])
    assert result == {"kwh": 1.0, "kg_co2e": 0.5, "usd": 5.0, "unknown_kwh": 1.0, "unknown_usd": 0.0}


def test_an_estimate_with_no_sourced_figure_says_why_instead_of_a_number() -> None:
    from ecoguard.impact import S3_CLASSES_NOTE, not_estimated

    estimate = not_estimated("per day", "lifecycle rules", "bucket size is not measured", S3_CLASSES_NOTE)
    assert (estimate["kwh"], estimate["kg_co2e"], estimate["usd"]) == (None, None, None)
    assert estimate["unknown"] == ["bucket size is not measured", S3_CLASSES_NOTE]
    assert estimate["method"].startswith("ccf-")


def test_given_log_storage_in_a_region_with_a_sourced_price_then_it_is_priced_per_gib_month() -> None:
    from ecoguard.impact import GIB, storage_estimate, storage_price

    price = storage_price("cloudwatch-logs", "STANDARD", "us-east-1")
    assert price is not None and price.retrieved
    estimate = storage_estimate(
        10 * GIB, hours=730, region="us-east-1", medium="hdd", replication_key="replication_default",
        period="per month", priced_as=("cloudwatch-logs", "STANDARD"),
    )  # fmt: skip
    assert estimate.usd == pytest.approx(10 * price.usd_per_gb_month) and estimate.unknown == ()
    assert estimate.kwh is not None and estimate.kwh > 0


def test_given_a_region_or_class_without_a_sourced_price_then_usd_is_unknown_with_its_reason_never_zero() -> None:
    from ecoguard.impact import GIB, storage_estimate

    estimate = storage_estimate(
        GIB, hours=24, region="eu-north-1", medium="hdd", replication_key="replication_default",
        period="per day", priced_as=("cloudwatch-logs", "INFREQUENT_ACCESS"),
    )  # fmt: skip
    assert estimate.usd is None and estimate.kwh is not None
    assert "no sourced CloudWatch Logs storage price for INFREQUENT_ACCESS in eu-north-1" in estimate.unknown


def test_given_stored_bytes_not_read_then_every_storage_figure_is_unknown() -> None:
    from ecoguard.impact import storage_estimate

    estimate = storage_estimate(
        None, hours=24, region="us-east-1", medium="hdd", replication_key="replication_default",
        period="per day", priced_as=("cloudwatch-logs", "STANDARD"),
    )  # fmt: skip
    assert (estimate.kwh, estimate.kg_co2e, estimate.usd) == (None, None, None)
    assert estimate.unknown == ("stored bytes were not read",)


def test_given_an_empty_log_group_then_its_figures_are_a_true_zero() -> None:
    from ecoguard.impact import storage_estimate

    estimate = storage_estimate(
        0, hours=24, region="us-east-1", medium="hdd", replication_key="replication_default",
        period="per day", priced_as=("cloudwatch-logs", "STANDARD"),
    )  # fmt: skip
    assert (estimate.kwh, estimate.kg_co2e, estimate.usd) == (0.0, 0.0, 0.0) and estimate.unknown == ()
