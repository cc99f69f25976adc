"""The ``ec2_accelerators`` section (Ec2AcceleratorsFunction): idle EC2 GPU, Trainium and Inferentia instances."""

from __future__ import annotations

from pydantic import Field

from ecoguard.policy.base import StrictModel, utilization

# The CloudWatch agent's metrics_collection_interval, in seconds: 60 by default; under 60 makes high-resolution
# metrics (CloudWatch User Guide, "Manually create or edit the CloudWatch agent configuration file").


class Ec2AcceleratorsPolicy(StrictModel):
    """Running EC2 instances with GPUs, Trainium or Inferentia, judged by the accelerator's own utilization.

    Only EBS-backed instances that nothing else manages are stopped; the others are reported.

    Example::

        ec2_accelerators:
          idle_hours: 24
          max_gpu_util_percent: 5
          agent_interval_seconds: 60
    """

    enabled: bool = Field(default=True, description="Turn the guardrail off.")
    idle_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 14,  # CloudWatch keeps 1-minute data for 15 days (CloudWatch User Guide, metrics retention)
        description=(
            "An instance running this long whose every GPU stayed at or under `max_gpu_util_percent` in every "
            "hour is idle (the tag ecoguard:idle-hours=N overrides it). At most 336: CloudWatch keeps "
            "1-minute data for 15 days."
        ),
    )
    max_gpu_util_percent: float = utilization(
        5, "The highest `nvidia_smi_utilization_gpu` (Maximum, per GPU) that still counts as idle."
    )
    agent_interval_seconds: int = Field(
        default=60,
        ge=1,
        le=3600,
        description=(
            "The CloudWatch agent's metrics_collection_interval on these instances (default 60 s). An hour "
            "with more datapoints than it allows means another writer: a finding, never a stop."
        ),
    )
