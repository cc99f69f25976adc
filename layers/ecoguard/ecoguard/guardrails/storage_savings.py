"""What a lifecycle merge saves a day, from the bucket's bytes per storage class (pure).

The bytes are CloudWatch's daily ``AWS/S3`` ``BucketSizeBytes``, one figure per ``StorageType`` (S3 User Guide,
"Metrics and dimensions"): current and noncurrent objects and the parts of incomplete multipart uploads, per
bucket. So, for each rule ecoguard adds:

1. A rule on a key prefix: unknown, since the metric is per bucket, never per prefix.
2. An expiration: every byte stored now is, at most, what it stops paying for: each storage type's bytes at
   its class's sourced price per GB-month (``impact.storage_price``), and its energy by CCF's storage method
   (HDD, replication 6; One Zone-IA and Reduced Redundancy 2).
3. A transition: the bytes in S3 Standard now move, at most, so it saves the difference between Standard's
   price and the target class's. Energy: only a move to One Zone-IA has a sourced figure (replication 6 to 2);
   CCF counts every other class as the same HDD with the same replication, and no published figure says
   otherwise (shared/reference/carbon, 1.5 and gap 4), so that energy is unknown, never 0.
4. A transition to Intelligent-Tiering: unknown, since its saving follows each object's access.
5. AbortIncompleteMultipartUpload and NoncurrentVersionExpiration: their bytes are not reported apart from
   the others, so they are left out of the figure and named in its basis; a merge that adds only these is
   unknown.

Any byte count or price a figure needs that is not known makes that figure unknown, with its reason: a part
is never shown as the whole. Figures are per day, an upper bound (the bytes stored now, as if every object
were old enough); transition request fees and minimum storage duration charges are not counted (no sourced
price).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ecoguard.impact import (
    GIB,
    HOURS_PER_DAY,
    HOURS_PER_MONTH,
    Cost,
    Estimate,
    coefficients,
    grid_factor,
    storage_price,
)

PERIOD = "per day, upper bound (bytes stored now)"

# BucketSizeBytes' StorageType -> the storage class it is billed as (S3 User Guide, "Metrics and dimensions").
# The size overheads of the IA classes are billed as those classes; Glacier's and Deep Archive's S3 object
# overheads at Standard rates, their object overheads at their own (same page). A type not here (the staging
# storage of multipart uploads, StandardIAObjectOverhead) has no documented class: its bytes make a figure
# that needs them unknown.
STORAGE_TYPE_CLASS = {
    "StandardStorage": "STANDARD",
    "IntelligentTieringFAStorage": "INTELLIGENT_TIERING_FREQUENT_ACCESS",
    "IntelligentTieringIAStorage": "INTELLIGENT_TIERING_INFREQUENT_ACCESS",
    "IntelligentTieringAIAStorage": "INTELLIGENT_TIERING_ARCHIVE_INSTANT_ACCESS",
    "IntelligentTieringAAStorage": "INTELLIGENT_TIERING_ARCHIVE_ACCESS",
    "IntelligentTieringDAAStorage": "INTELLIGENT_TIERING_DEEP_ARCHIVE_ACCESS",
    "StandardIAStorage": "STANDARD_IA",
    "StandardIASizeOverhead": "STANDARD_IA",
    "OneZoneIAStorage": "ONEZONE_IA",
    "OneZoneIASizeOverhead": "ONEZONE_IA",
    "ReducedRedundancyStorage": "REDUCED_REDUNDANCY",
    "GlacierInstantRetrievalStorage": "GLACIER_IR",
    "GlacierInstantRetrievalSizeOverhead": "GLACIER_IR",
    "GlacierStorage": "GLACIER",
    "GlacierObjectOverhead": "GLACIER",
    "GlacierS3ObjectOverhead": "STANDARD",
    "DeepArchiveStorage": "DEEP_ARCHIVE",
    "DeepArchiveObjectOverhead": "DEEP_ARCHIVE",
    "DeepArchiveS3ObjectOverhead": "STANDARD",
}
STANDARD_TYPE = "StandardStorage"
ONE_ZONE_CLASSES = frozenset({"ONEZONE_IA", "REDUCED_REDUNDANCY"})  # CCF's replication 2 (else 6)
INTELLIGENT_TIERING = "INTELLIGENT_TIERING"
LEFT_OUT = {
    "AbortIncompleteMultipartUpload": "incomplete multipart uploads",
    "NoncurrentVersionExpiration": "noncurrent versions",
    "NoncurrentVersionTransitions": "noncurrent versions",
}


@dataclass(frozen=True)
class StoredBytes:
    """A bucket's bytes per ``StorageType`` as CloudWatch last reported them; ``by_type`` None: not known,
    and ``why``."""

    by_type: Mapping[str, int] | None
    why: str = ""

    @classmethod
    def unknown(cls, why: str) -> StoredBytes:
        return cls(None, why)


NOT_READ = StoredBytes.unknown("the bucket's size was not read")


@dataclass(frozen=True)
class _Part:
    kwh: float | None
    usd: float | None
    basis: str
    unknown: tuple[str, ...] = ()


def _price(storage_class: str, region: str) -> float | None:
    price = storage_price("s3", storage_class, region)
    return None if price is None else price.usd_per_gb_month


def _no_price(storage_class: str, region: str) -> str:
    return f"no sourced S3 price for {storage_class} in {region}"


def _kwh(stored: int, replication: float) -> float:
    c = coefficients()
    return stored / 1e12 * HOURS_PER_DAY * c["hdd_wh_per_tb_hour"] * replication * c["pue"] / 1000


def _replication(storage_class: str) -> float:
    c = coefficients()
    return c["replication_s3_one_zone"] if storage_class in ONE_ZONE_CLASSES else c["replication_s3"]


def _usd_per_day(stored: int, usd_per_gb_month: float) -> float:
    return stored / GIB * usd_per_gb_month * HOURS_PER_DAY / HOURS_PER_MONTH


def _expiration(by_type: Mapping[str, int], region: str) -> _Part:
    usd: float | None = 0.0
    kwh: float | None = 0.0
    unknown: list[str] = []
    for storage_type, stored in sorted(by_type.items()):
        if not stored:
            continue
        storage_class = STORAGE_TYPE_CLASS.get(storage_type)
        if storage_class is None:
            unknown.append(f"storage type {storage_type} is not one ecoguard knows the class of")
            usd = kwh = None
            continue
        price = _price(storage_class, region)
        if price is None:
            unknown.append(_no_price(storage_class, region))
            usd = None
        elif usd is not None:
            usd += _usd_per_day(stored, price)
        if kwh is not None:
            kwh += _kwh(stored, _replication(storage_class))
    total = sum(by_type.values())
    return _Part(kwh, usd, f"expiration of up to {total:,} bytes in every storage class", tuple(unknown))


def _transition(target: str, by_type: Mapping[str, int], region: str) -> _Part:
    stored = by_type.get(STANDARD_TYPE, 0)
    basis = f"{stored:,} bytes in STANDARD to {target}"
    if target == INTELLIGENT_TIERING:
        why = "Intelligent-Tiering's saving follows each object's access, which ecoguard does not measure"
        return _Part(None, None, basis, (why,))
    unknown: list[str] = []
    standard, moved = _price("STANDARD", region), _price(target, region)
    usd: float | None = None
    if not stored:
        usd = 0.0  # nothing in Standard now: a true zero
    elif standard is None or moved is None:
        unknown.append(_no_price("STANDARD" if standard is None else target, region))
    else:
        usd = _usd_per_day(stored, standard - moved)
    kwh: float | None = None
    if target in ONE_ZONE_CLASSES:
        kwh = _kwh(stored, coefficients()["replication_s3"] - _replication(target))
    elif stored:
        unknown.append(
            f"no published energy figure for S3 {target} against STANDARD (CCF counts both as HDD, replication 6)"
        )
    else:
        kwh = 0.0
    return _Part(kwh, usd, basis, tuple(unknown))


def _rule_part(rule: Mapping[str, Any], by_type: Mapping[str, int], region: str) -> _Part | None:
    """The rule's saving; None for a rule whose bytes are not reported apart (left out, named in the basis)."""
    scope = dict(rule.get("Filter") or {})
    prefix = str(scope.pop("Prefix", rule.get("Prefix", "")) or "")
    transitions = list(rule.get("Transitions") or [])
    if "Expiration" not in rule and not transitions:
        return None
    if prefix or scope:
        narrower = f"the prefix {prefix!r}" if prefix else f"the filter {sorted(scope)}"
        return _Part(None, None, f"rule {rule.get('ID')}", (f"bytes under {narrower} are not measured",))
    if "Expiration" in rule:  # at most everything stored now: a transition before it saves no more
        return _expiration(by_type, region)
    return _transition(str(transitions[-1]["StorageClass"]), by_type, region)


def bucket_cost(stored: StoredBytes, region: str) -> Cost:
    """What the bucket's bytes cost a day now: each storage type's bytes at its class's sourced price per
    GB-month. A type of no known class, or a class with no price in the region, leaves it unknown."""
    period = "per day"
    if stored.by_type is None:
        return Cost(None, period, (stored.why,))
    usd = 0.0
    unknown: list[str] = []
    for storage_type, count in sorted(stored.by_type.items()):
        if not count:
            continue
        storage_class = STORAGE_TYPE_CLASS.get(storage_type)
        price = None if storage_class is None else _price(storage_class, region)
        if storage_class is None:
            unknown.append(f"storage type {storage_type} is not one ecoguard knows the class of")
        elif price is None:
            unknown.append(_no_price(storage_class, region))
        else:
            usd += _usd_per_day(count, price)
    return Cost(None if unknown else usd, period, tuple(unknown))


def lifecycle_estimate(added: Sequence[Mapping[str, Any]], stored: StoredBytes, region: str) -> Estimate:
    """What the ``added`` lifecycle rules (ecoguard's, as merged) save a day on a bucket storing ``stored``."""
    left_out = sorted({LEFT_OUT[k] for rule in added for k in rule if k in LEFT_OUT})
    note = f"; {' and '.join(left_out)} left out (not reported apart)" if left_out else ""
    if stored.by_type is None:
        return Estimate(None, None, None, PERIOD, "bucket size not known" + note, (stored.why,))
    parts = [p for rule in added if (p := _rule_part(rule, stored.by_type, region)) is not None]
    if not parts:
        why = f"only {' and '.join(left_out) or 'no priced rules'}: their bytes are not reported apart"
        return Estimate(None, None, None, PERIOD, "no rule with measured bytes" + note, (why,))
    unknown = tuple(dict.fromkeys(u for p in parts for u in p.unknown))
    usd = None if any(p.usd is None for p in parts) else sum(p.usd or 0.0 for p in parts)
    kwh = None if any(p.kwh is None for p in parts) else sum(p.kwh or 0.0 for p in parts)
    factor, listed = grid_factor(region)
    if not listed:
        unknown += (f"no grid factor for {region}: CCF's average used",)
    c = coefficients()
    # The prices of the classes this bucket holds bytes in, and of those the rules move them to.
    involved = {"STANDARD", *(STORAGE_TYPE_CLASS.get(t, "") for t, n in stored.by_type.items() if n)}
    involved |= {str(t["StorageClass"]) for rule in added for t in rule.get("Transitions") or []}
    prices = sorted(
        f"{cls} {price.usd_per_gb_month:g} (retrieved {price.retrieved})"
        for cls in involved
        if (price := storage_price("s3", cls, region)) is not None
    )
    basis = (
        "; ".join(p.basis for p in parts)
        + f"; BucketSizeBytes by StorageType; HDD {c['hdd_wh_per_tb_hour']} Wh/TBh x replication 6 "
        f"(One Zone 2) x PUE {c['pue']}"
        + (f"; USD per GB-month: {', '.join(prices)}" if prices else "")
        + "; transition request fees and minimum storage duration not counted"
        + note
    )
    kg = None if kwh is None else kwh * factor.t_co2e_per_kwh * 1000
    return Estimate(kwh, kg, usd, PERIOD, basis, unknown)
