"""Facts about ``ml.*`` instance types: vCPUs, memory, accelerators. Every row cites its source
(``data/sagemaker-instances.csv``, copied from the project's carbon reference). An instance type
that is not in the table is unknown: callers must say so, never guess."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Accelerators that are not GPUs: their utilization is not published as GPUUtilization.
NEURON_MODELS = frozenset({"AWS Inferentia", "AWS Inferentia2", "AWS Trainium"})


@dataclass(frozen=True)
class InstanceType:
    name: str
    vcpu: int
    memory_gib: float
    accelerator_count: int
    accelerator_model: str | None
    source: str

    @property
    def gpu_count(self) -> int:
        """NVIDIA GPUs only (0 for CPU and Neuron instances)."""
        return self.accelerator_count if self.accelerator_model and self.is_gpu else 0

    @property
    def is_gpu(self) -> bool:
        return bool(self.accelerator_model) and self.accelerator_model not in NEURON_MODELS

    @property
    def is_neuron(self) -> bool:
        return self.accelerator_model in NEURON_MODELS


@cache
def instance_table() -> dict[str, InstanceType]:
    text = resources.files("ecoguard").joinpath("data/sagemaker-instances.csv").read_text(encoding="utf-8")
    table = {}
    for row in csv.DictReader(text.splitlines()):
        table[row["instance_type"]] = InstanceType(
            name=row["instance_type"],
            vcpu=int(row["vcpu"]),
            memory_gib=float(row["mem_gib"]),
            accelerator_count=int(row["gpu_count"] or 0),
            accelerator_model=row["gpu_model"] or None,
            source=row["source"],
        )
    return table


def lookup(instance_type: str) -> InstanceType | None:
    """The facts for ``instance_type``, or None when the table has no sourced row for it."""
    return instance_table().get(instance_type)
