"""Energy, carbon and cost estimates, by the Cloud Carbon Footprint (CCF) method.

Compute: average watts = min + utilization x (max - min), per vCPU and per GPU; plus the memory
above the processor's GB per chip at CCF's memory coefficient; x hours x PUE; x the region's grid
factor for CO2e; the on-demand price x hours for cost. Storage: TB-hours x the medium's Wh/TBh x
replication x PUE.

Every coefficient comes from ``data/*.csv`` with its source (see data/SOURCES.md). A figure that has
no source (H100, Inferentia or Trainium power; prices outside us-east-1) makes that part of the
estimate ``None`` and names what is unknown: the estimate never invents a number.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from ecoguard.instances import lookup

METHOD = "ccf-2024/ecoguard-1"
HOURS_PER_DAY = 24.0
HOURS_PER_MONTH = 730.0  # the month of AWS pricing: 8,760 h / 12

# The instance table's accelerator names, as CCF's GPU table spells them.
_GPU_ALIASES = {"NVIDIA A100": "NVIDIA Tesla A100", "NVIDIA V100": "NVIDIA Tesla V100"}


@dataclass(frozen=True)
class Estimate:
    """What an action avoids (or a resource uses) over ``period``. ``None`` means unknown."""

    kwh: float | None
    kg_co2e: float | None
    usd: float | None
    period: str
    basis: str
    unknown: tuple[str, ...] = ()
    sources: tuple[str, ...] = field(default_factory=tuple)
    method: str = METHOD

    def to_dict(self) -> dict[str, Any]:
        return {
            "kwh": self.kwh,
            "kg_co2e": self.kg_co2e,
            "usd": self.usd,
            "period": self.period,
            "basis": self.basis,
            "unknown": list(self.unknown),
            "method": self.method,
        }


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("ecoguard").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def coefficients() -> dict[str, float]:
    return {row["name"]: float(row["value"]) for row in _rows("ccf-coefficients.csv")}


@cache
def gpu_watts() -> dict[str, tuple[float, float]]:
    return {row["gpu_model"]: (float(row["min_watts"]), float(row["max_watts"])) for row in _rows("carbon-gpus.csv")}


@cache
def cpu_families() -> dict[str, tuple[float, float, float]]:
    return {
        row["family"]: (
            float(row["min_watts_per_vcpu"]),
            float(row["max_watts_per_vcpu"]),
            float(row["memory_gb_per_chip"]),
        )
        for row in _rows("cpu-microarchitectures.csv")
    }


@dataclass(frozen=True)
class GridFactor:
    region: str
    t_co2e_per_kwh: float
    data_year: str
    source: str


@cache
def grid_factors() -> dict[str, GridFactor]:
    return {
        row["region"]: GridFactor(row["region"], float(row["grid_tco2e_per_kwh"]), row["data_year"], row["source"])
        for row in _rows("carbon-regions.csv")
    }


@dataclass(frozen=True)
class InstancePrice:
    usd_per_hour: float
    source: str
    year: str


@cache
def prices() -> dict[tuple[str, str], InstancePrice]:
    """(instance type, region) -> its sourced on-demand price per hour (data/sagemaker-prices.csv)."""
    return {
        (row["instance_type"], row["region"]): InstancePrice(float(row["usd_per_hour"]), row["source"], row["year"])
        for row in _rows("sagemaker-prices.csv")
    }


def grid_factor(region: str) -> tuple[GridFactor, bool]:
    """The region's factor, or CCF's average for regions it does not list (second value False)."""
    factors = grid_factors()
    if region in factors:
        return factors[region], True
    return factors["Unknown"], False


def price_per_hour(instance_type: str, region: str) -> float | None:
    entry = prices().get((instance_type, region))
    return None if entry is None else entry.usd_per_hour


def no_instance_price(instance_type: str, region: str) -> str:
    return f"no sourced on-demand price for {instance_type} in {region}"


def compute_estimate(
    instance_type: str,
    *,
    count: int,
    hours: float,
    region: str,
    utilization_pct: float | None,
    period: str,
) -> Estimate:
    """Energy, carbon and cost of ``count`` instances for ``hours`` at the given utilization."""
    unknown: list[str] = []
    c = coefficients()
    instance = lookup(instance_type)
    price = price_per_hour(instance_type, region)
    usd = None if price is None else price * hours * count
    if price is None:
        unknown.append(no_instance_price(instance_type, region))
    if instance is None:
        unknown.insert(0, f"{instance_type} is not in the instance table")
        return Estimate(None, None, usd, period, f"{count} x {instance_type} for {hours:g} h", tuple(unknown))

    measured = utilization_pct is not None
    utilization = (utilization_pct if measured else c["default_utilization"]) / 100  # type: ignore[operator]
    family = instance_type.split(".")[1]
    min_w, max_w, gb_per_chip = cpu_families().get(
        family, (c["min_watts_unknown_cpu"], c["max_watts_unknown_cpu"], c["memory_gb_per_chip_unknown"])
    )
    watts = instance.vcpu * (min_w + utilization * (max_w - min_w))
    if instance.accelerator_count:
        model = instance.accelerator_model or ""
        gpu = gpu_watts().get(_GPU_ALIASES.get(model, model))
        if gpu is None:
            unknown.insert(0, f"power of {model} is not published in CCF or any sourced dataset")
            return Estimate(None, None, usd, period, f"{count} x {instance_type} for {hours:g} h", tuple(unknown))
        watts += instance.accelerator_count * (gpu[0] + utilization * (gpu[1] - gpu[0]))
    memory_kwh = max(0.0, instance.memory_gib - gb_per_chip) * c["memory_kwh_per_gb_hour"] * hours
    kwh = (watts * hours / 1000 + memory_kwh) * c["pue"] * count
    factor, listed = grid_factor(region)
    if not listed:
        unknown.append(f"no grid factor for {region}: CCF's average used")
    basis = (
        f"{count} x {instance_type} for {hours:g} h at "
        f"{'measured' if measured else 'CCF default'} {utilization * 100:g}% utilization, "
        f"PUE {c['pue']}, grid {factor.t_co2e_per_kwh * 1e6:.1f} gCO2e/kWh ({factor.region}, {factor.data_year})"
    )
    return Estimate(kwh, kwh * factor.t_co2e_per_kwh * 1000, usd, period, basis, tuple(unknown))


def fleet_estimate(
    parts: list[tuple[str, int]], *, hours: float, region: str, utilization_pct: float | None, period: str
) -> Estimate:
    """The sum over (instance type, count) parts; a part with an unknown figure makes that figure unknown."""
    estimates = [
        compute_estimate(t, count=n, hours=hours, region=region, utilization_pct=utilization_pct, period=period)
        for t, n in parts
    ]
    if not estimates:
        return Estimate(None, None, None, period, "no instances", ("no instance-backed capacity",))

    def total(values: list[float | None]) -> float | None:
        return None if any(v is None for v in values) else sum(v for v in values if v is not None)

    return Estimate(
        total([e.kwh for e in estimates]),
        total([e.kg_co2e for e in estimates]),
        total([e.usd for e in estimates]),
        period,
        "; ".join(e.basis for e in estimates),
        tuple(dict.fromkeys(u for e in estimates for u in e.unknown)),
    )


@dataclass(frozen=True)
class StoragePrice:
    usd_per_gb_month: float
    source: str
    retrieved: str


@cache
def storage_prices() -> dict[tuple[str, str, str], StoragePrice]:
    """(service, storage class, region) -> the sourced price per GB-month (data/storage-prices.csv)."""
    return {
        (row["service"], row["storage_class"], row["region"]): StoragePrice(
            float(row["usd_per_gb_month"]), row["source"], row["retrieved"]
        )
        for row in _rows("storage-prices.csv")
    }


def storage_price(service: str, storage_class: str, region: str) -> StoragePrice | None:
    return storage_prices().get((service, storage_class, region))


GIB = 2**30  # prices per GB are applied per GiB: the lower of the two readings, so a saving is not overstated
SERVICE_NAMES = {"cloudwatch-logs": "CloudWatch Logs storage", "s3": "S3 storage"}


def price_sources() -> list[str]:
    """What the prices are and where they come from, for the report's method line."""
    by_region: dict[str, set[str]] = {}
    for (_, region), entry in prices().items():
        by_region.setdefault(region, set()).add(entry.year)
    sagemaker = ", ".join(f"{r} ({', '.join(sorted(years))})" for r, years in sorted(by_region.items()))
    lines = [f"SageMaker ml.* on-demand per hour in {sagemaker}, third-party transcriptions"]
    by_service: dict[str, dict[str, str]] = {}
    for (service, _, region), price in storage_prices().items():
        by_service.setdefault(service, {})[region] = price.retrieved
    for service, regions in sorted(by_service.items()):
        where = ", ".join(f"{r} (retrieved {d})" for r, d in sorted(regions.items()))
        lines.append(f"{SERVICE_NAMES.get(service, service)} per GB-month in {where}, third-party transcriptions")
    return lines


def storage_estimate(
    stored_bytes: int | None,
    *,
    hours: float,
    region: str,
    medium: str,
    replication_key: str,
    period: str,
    priced_as: tuple[str, str] | None = None,
) -> Estimate:
    """Energy, carbon and cost of keeping ``stored_bytes`` for ``hours``. ``priced_as`` (service, storage
    class) prices it at the region's sourced price per GB-month; no sourced price leaves the cost unknown.
    Unknown stored bytes make every figure unknown (never 0)."""
    if stored_bytes is None:
        return Estimate(None, None, None, period, "stored bytes not known", ("stored bytes were not read",))
    c = coefficients()
    coefficient = c["hdd_wh_per_tb_hour"] if medium == "hdd" else c["ssd_wh_per_tb_hour"]
    replication = c[replication_key]
    terabyte_hours = stored_bytes / 1e12 * hours
    kwh = terabyte_hours * coefficient * replication * c["pue"] / 1000
    factor, listed = grid_factor(region)
    unknown: list[str] = []
    usd: float | None = None
    price = None if priced_as is None else storage_price(priced_as[0], priced_as[1], region)
    if price is not None:
        usd = stored_bytes / GIB * price.usd_per_gb_month * hours / HOURS_PER_MONTH
    elif priced_as is None:
        unknown.append("storage price not estimated")
    else:
        unknown.append(
            f"no sourced {SERVICE_NAMES.get(priced_as[0], priced_as[0])} price for {priced_as[1]} in {region}"
        )
    if not listed:
        unknown.append(f"no grid factor for {region}: CCF's average used")
    basis = (
        f"{stored_bytes:,} bytes for {hours:g} h, {medium.upper()} {coefficient} Wh/TBh x replication "
        f"{replication:g} x PUE {c['pue']}"
        + ("" if price is None else f", {price.usd_per_gb_month:g} USD per GB-month (retrieved {price.retrieved})")
    )
    return Estimate(kwh, kwh * factor.t_co2e_per_kwh * 1000, usd, period, basis, tuple(unknown))


CURRENT = "current"
"""The key of an impact estimate holding the resource's own cost now (``Cost.to_dict``), over the same period."""


@dataclass(frozen=True)
class Cost:
    """What a resource costs now over ``period``, at the same sourced prices as its saving; ``usd`` None: unknown,
    and ``unknown`` says why. The report shows it per month beside the saving."""

    usd: float | None
    period: str
    unknown: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"usd": self.usd, "period": self.period, "unknown": list(self.unknown)}


def instances_cost(parts: Sequence[tuple[str, int]], *, hours: float, region: str, period: str) -> Cost:
    """(instance type, count) parts for ``hours`` at their on-demand price; one part without a price leaves
    the whole unknown (a part is never shown as the whole)."""
    if not parts:
        return Cost(None, period, ("no instance-backed capacity",))
    usd = 0.0
    unknown: list[str] = []
    for instance_type, count in parts:
        price = price_per_hour(instance_type, region)
        if price is None:
            unknown.append(no_instance_price(instance_type, region))
        else:
            usd += price * hours * count
    return Cost(None if unknown else usd, period, tuple(dict.fromkeys(unknown)))


def stored_cost(
    stored_bytes: int | None, *, hours: float, region: str, priced_as: tuple[str, str] | None, period: str
) -> Cost:
    """``stored_bytes`` kept for ``hours`` at the sourced price per GB-month of ``priced_as`` (service, class)."""
    if stored_bytes is None:
        return Cost(None, period, ("stored bytes were not read",))
    if priced_as is None:
        return Cost(None, period, ("storage class not known",))
    price = storage_price(priced_as[0], priced_as[1], region)
    if price is None:
        service = SERVICE_NAMES.get(priced_as[0], priced_as[0])
        return Cost(None, period, (f"no sourced {service} price for {priced_as[1]} in {region}",))
    return Cost(stored_bytes / GIB * price.usd_per_gb_month * hours / HOURS_PER_MONTH, period)


def not_estimated(period: str, basis: str, *why: str) -> dict[str, Any]:
    """An estimate that says what is unknown, rather than a number nobody can source."""
    return Estimate(None, None, None, period, basis, tuple(why)).to_dict()


# In CCF every S3 class is HDD with replication 6 (One Zone-IA: 2), so only One Zone and deletion
# lower its energy figure; tiering saves cost, not estimated energy (shared/reference/carbon, 1.5).
S3_CLASSES_NOTE = (
    "CCF counts every S3 storage class as HDD with replication 6 (One Zone-IA 2): tiering saves cost, "
    "not estimated energy; One Zone-IA and expiration save energy in proportion to the bytes moved or expired"
)


def region_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else "unknown"


def totals(estimates: list[Mapping[str, Any]]) -> dict[str, float]:
    """Sum the known parts of many estimates; unknown parts are left out and counted."""
    out = {"kwh": 0.0, "kg_co2e": 0.0, "usd": 0.0, "unknown_kwh": 0.0, "unknown_usd": 0.0}
    for estimate in estimates:
        for key in ("kwh", "kg_co2e", "usd"):
            value = estimate.get(key)
            if value is None:
                if key != "kg_co2e":
                    out[f"unknown_{key}"] += 1
            else:
                out[key] += float(value)
    return out
