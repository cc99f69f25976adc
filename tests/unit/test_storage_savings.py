"""What a lifecycle merge saves, from the bucket's bytes per storage class (guardrails/storage_savings.py):
each rule as its docstring numbers it, with the sourced prices of data/storage-prices.csv."""

from __future__ import annotations

from typing import Any

import pytest

from ecoguard.guardrails.storage_lifecycle import Bucket, BucketConfig, decide_bucket
from ecoguard.guardrails.storage_savings import NOT_READ, StoredBytes, lifecycle_estimate
from ecoguard.impact import GIB, HOURS_PER_MONTH, coefficients, grid_factor, storage_price
from ecoguard.policy import StorageLifecyclePolicy

TB = 10**12
DAY_SHARE = 24 / HOURS_PER_MONTH
ABORT = {"ID": "ecoguard-abort-multipart", "Filter": {"Prefix": ""}, "AbortIncompleteMultipartUpload": {}}


def rule(rule_id: str, prefix: str = "", **actions: Any) -> dict[str, Any]:
    return {"ID": rule_id, "Filter": {"Prefix": prefix}, "Status": "Enabled", **actions}


def transition(target: str, prefix: str = "") -> dict[str, Any]:
    return rule("ecoguard-x", prefix, Transitions=[{"Days": 30, "StorageClass": target}])


def price(storage_class: str, region: str = "us-east-1") -> float:
    found = storage_price("s3", storage_class, region)
    assert found is not None
    return found.usd_per_gb_month


def hdd_kwh(stored: int, replication: float) -> float:
    c = coefficients()
    return stored / TB * 24 * c["hdd_wh_per_tb_hour"] * replication * c["pue"] / 1000


def test_given_bytes_in_standard_when_moved_to_one_zone_ia_then_price_difference_and_replication_6_to_2() -> None:
    stored = StoredBytes({"StandardStorage": 3 * TB})
    estimate = lifecycle_estimate([transition("ONEZONE_IA"), ABORT], stored, "us-east-1")
    assert estimate.usd == pytest.approx(3 * TB / GIB * (price("STANDARD") - price("ONEZONE_IA")) * DAY_SHARE)
    assert estimate.kwh == pytest.approx(hdd_kwh(3 * TB, 6 - 2))
    factor, _ = grid_factor("us-east-1")
    assert estimate.kwh is not None
    assert estimate.kg_co2e == pytest.approx(estimate.kwh * factor.t_co2e_per_kwh * 1000)
    assert estimate.unknown == () and "incomplete multipart uploads left out" in estimate.basis
    assert "STANDARD 0.023 (retrieved 2025-10-28)" in estimate.basis and estimate.period.startswith("per day")


def test_given_a_move_to_glacier_ir_then_cost_is_priced_and_energy_is_unknown_never_zero() -> None:
    estimate = lifecycle_estimate([transition("GLACIER_IR")], StoredBytes({"StandardStorage": TB}), "us-east-1")
    assert estimate.usd == pytest.approx(TB / GIB * (price("STANDARD") - price("GLACIER_IR")) * DAY_SHARE)
    assert estimate.kwh is None and estimate.kg_co2e is None
    assert any("no published energy figure for S3 GLACIER_IR" in u for u in estimate.unknown)


@pytest.mark.parametrize("target", ["GLACIER", "DEEP_ARCHIVE"])
def test_given_a_class_without_a_sourced_price_then_the_cost_is_unknown_with_why(target: str) -> None:
    estimate = lifecycle_estimate([transition(target)], StoredBytes({"StandardStorage": TB}), "us-east-1")
    assert estimate.usd is None and f"no sourced S3 price for {target} in us-east-1" in estimate.unknown


def test_given_a_region_without_sourced_s3_prices_then_the_cost_is_unknown_and_the_energy_is_not() -> None:
    estimate = lifecycle_estimate([transition("ONEZONE_IA")], StoredBytes({"StandardStorage": TB}), "eu-west-1")
    assert estimate.usd is None and "no sourced S3 price for STANDARD in eu-west-1" in estimate.unknown
    assert estimate.kwh == pytest.approx(hdd_kwh(TB, 4))


def test_given_an_expiration_then_every_storage_class_stops_paying_at_its_own_price_and_replication() -> None:
    stored = StoredBytes({"StandardStorage": 2 * TB, "OneZoneIAStorage": TB, "StandardIAStorage": 0})
    estimate = lifecycle_estimate([rule("ecoguard-log", Expiration={"Days": 90})], stored, "us-east-1")
    usd = (2 * TB * price("STANDARD") + TB * price("ONEZONE_IA")) / GIB * DAY_SHARE
    assert estimate.usd == pytest.approx(usd)
    assert estimate.kwh == pytest.approx(hdd_kwh(2 * TB, 6) + hdd_kwh(TB, 2))


def test_given_bytes_in_a_class_without_a_price_when_expired_then_the_cost_is_unknown_not_the_known_part() -> None:
    stored = StoredBytes({"StandardStorage": TB, "GlacierStorage": TB})
    estimate = lifecycle_estimate([rule("ecoguard-log", Expiration={"Days": 90})], stored, "us-east-1")
    assert estimate.usd is None and "no sourced S3 price for GLACIER in us-east-1" in estimate.unknown
    assert estimate.kwh == pytest.approx(hdd_kwh(2 * TB, 6))


def test_given_nothing_in_standard_when_a_transition_is_added_then_it_saves_a_true_zero() -> None:
    estimate = lifecycle_estimate([transition("GLACIER")], StoredBytes({"StandardStorage": 0}), "us-east-1")
    assert (estimate.usd, estimate.kwh, estimate.unknown) == (0.0, 0.0, ())


@pytest.mark.parametrize(
    ("added", "why"),
    [
        ([transition("ONEZONE_IA", "features/")], "bytes under the prefix 'features/' are not measured"),
        ([transition("INTELLIGENT_TIERING")], "Intelligent-Tiering's saving follows each object's access"),
        ([ABORT], "only incomplete multipart uploads: their bytes are not reported apart"),
    ],
    ids=["prefix", "intelligent-tiering", "only-abort"],
)
def test_given_a_rule_whose_bytes_are_not_measured_then_every_figure_is_unknown_with_why(
    added: list[dict[str, Any]], why: str
) -> None:
    estimate = lifecycle_estimate(added, StoredBytes({"StandardStorage": TB}), "us-east-1")
    assert estimate.usd is None and estimate.kwh is None
    assert any(why in u for u in estimate.unknown), estimate.unknown


def test_given_the_size_was_not_read_then_the_estimate_says_why() -> None:
    estimate = lifecycle_estimate([transition("ONEZONE_IA")], StoredBytes.unknown("no datapoint"), "us-east-1")
    assert (estimate.usd, estimate.kwh, estimate.unknown) == (None, None, ("no datapoint",))


def test_given_a_recreatable_bucket_then_the_decision_prices_only_the_rules_it_adds() -> None:
    bucket, tags = Bucket("features", "us-east-1"), {"ecoguard:data-class": "recreatable"}
    stored = StoredBytes({"StandardStorage": TB})
    [action] = decide_bucket(bucket, tags, False, BucketConfig(None), StorageLifecyclePolicy(), stored=stored)
    assert action.impact is not None
    assert action.impact["usd"] == pytest.approx(TB / GIB * (price("STANDARD") - price("ONEZONE_IA")) * DAY_SHARE)
    [unread] = decide_bucket(bucket, tags, False, BucketConfig(None), StorageLifecyclePolicy())
    assert unread.impact is not None and unread.impact["unknown"] == [NOT_READ.why]
