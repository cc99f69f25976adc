"""What an EC2 accelerator instance costs while idle: energy and carbon by the CCF method, cost from the
pinned EC2 on-demand price list (``data/ec2-prices.csv``: us-east-1, Vantage's table of 2026-01-21).

The instance's vCPUs, memory and accelerators come from DescribeInstanceTypes, not from a table of families.
A figure without a source is unknown and says why: NeuronCore power (Inferentia, Trainium) is published
nowhere the carbon reference found, nor are prices outside us-east-1.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from ecoguard.impact import HOURS_PER_DAY, Estimate, coefficients, cpu_families, gpu_watts, grid_factor, region_of

# DescribeInstanceTypes names (Manufacturer + Name) as CCF's GPU table spells them. CCF maps g5g's T4G to the
# T4 (carbon reference 1.4, INSTANCE_TYPE_GPU_PROCESSOR_MAPPING).
GPU_NAMES = {
    "NVIDIA A100": "NVIDIA Tesla A100",
    "NVIDIA V100": "NVIDIA Tesla V100",
    "NVIDIA T4g": "NVIDIA T4",
}


@dataclass(frozen=True)
class AcceleratorType:
    """What DescribeInstanceTypes says of an instance type."""

    name: str
    vcpu: int
    memory_mib: int
    gpus: int = 0
    gpu_model: str | None = None  # Manufacturer and Name, "NVIDIA A10G"
    neuron_devices: int = 0
    neuron_model: str | None = None
    inference_accelerators: int = 0
    inference_model: str | None = None
    instance_storage_gb: int | None = None  # InstanceStorageInfo.TotalSizeInGB; None: no instance store

    @property
    def accelerated(self) -> bool:
        return bool(self.gpus or self.neuron_devices or self.inference_accelerators)

    @property
    def accelerator(self) -> str:
        if self.gpus:
            return f"{self.gpus} x {self.gpu_model}"
        if self.neuron_devices:
            return f"{self.neuron_devices} x {self.neuron_model}"
        return f"{self.inference_accelerators} x {self.inference_model}"


@cache
def ec2_prices() -> dict[tuple[str, str], tuple[float, str]]:
    """(instance type, region) -> (USD per hour, retrieved)."""
    text = resources.files("ecoguard").joinpath("data/ec2-prices.csv").read_text(encoding="utf-8")
    return {
        (row["instance_type"], row["region"]): (float(row["usd_per_hour"]), row["retrieved"])
        for row in csv.DictReader(text.splitlines())
    }


def estimate(kind: AcceleratorType, region: str, *, hours: float, utilization_pct: float, period: str) -> Estimate:
    c = coefficients()
    unknown: list[str] = []
    price = ec2_prices().get((kind.name, region))
    usd = None if price is None else price[0] * hours
    if price is None:
        unknown.append(f"no sourced EC2 on-demand price for {kind.name} in {region}")
    basis = f"1 x {kind.name} ({kind.accelerator}) for {hours:g} h at {utilization_pct:g}% utilization"
    if not kind.gpus:
        unknown.insert(0, f"power of {kind.accelerator} is not published in CCF or any sourced dataset")
        return Estimate(None, None, usd, period, basis, tuple(unknown))
    gpu = gpu_watts().get(GPU_NAMES.get(kind.gpu_model or "", kind.gpu_model or ""))
    if gpu is None:
        unknown.insert(0, f"power of {kind.gpu_model} is not published in CCF or any sourced dataset")
        return Estimate(None, None, usd, period, basis, tuple(unknown))
    share = utilization_pct / 100
    min_w, max_w, gb_per_chip = cpu_families().get(
        kind.name.split(".")[0],
        (c["min_watts_unknown_cpu"], c["max_watts_unknown_cpu"], c["memory_gb_per_chip_unknown"]),
    )
    watts = kind.vcpu * (min_w + share * (max_w - min_w)) + kind.gpus * (gpu[0] + share * (gpu[1] - gpu[0]))
    memory_gb = kind.memory_mib / 1024
    memory_kwh = max(0.0, memory_gb - gb_per_chip) * c["memory_kwh_per_gb_hour"] * hours
    kwh = (watts * hours / 1000 + memory_kwh) * c["pue"]
    factor, listed = grid_factor(region)
    if not listed:
        unknown.append(f"no grid factor for {region}: CCF's average used")
    basis += f", PUE {c['pue']}, grid {factor.t_co2e_per_kwh * 1e6:.1f} gCO2e/kWh ({factor.region}, {factor.data_year})"
    if price is not None:
        basis += f", {price[0]:g} USD/h on demand (retrieved {price[1]})"
    return Estimate(kwh, kwh * factor.t_co2e_per_kwh * 1000, usd, period, basis, tuple(unknown))


def idle_day_impact(kind: AcceleratorType, arn: str) -> dict[str, Any]:
    """A day of the instance idle (CCF at 0% utilization): what stopping it avoids."""
    return estimate(kind, region_of(arn), hours=HOURS_PER_DAY, utilization_pct=0, period="per idle day").to_dict()
