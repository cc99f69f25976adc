"""The ``serving_advisor`` section (ServingAdvisorFunction, and training right-sizing on TrainingGuardFunction)."""

from __future__ import annotations

from pydantic import Field

from ecoguard.policy.base import StrictModel, hours_share, utilization

# CloudWatch keeps 1-hour datapoints for 455 days, 5-minute ones for 63 days (CloudWatch User Guide,
# "Metrics retention"); the advisor reads hourly and 4-hourly datapoints, so a window up to 63 days is
# always fully retained.
MAX_WINDOW_DAYS = 63


class ServingAdvisorPolicy(StrictModel):
    """Advice on how each endpoint variant is served, from its own metrics over a window (findings only:
    nothing in the account is changed, in any mode).

    Example::

        serving_advisor:
          window_days: 14
          headroom_percent: 30
          latency_target_ms: 250
    """

    enabled: bool = Field(default=True, description="Turn the advisor off (serving and training right-sizing).")
    window_days: int = Field(
        default=14, ge=1, le=MAX_WINDOW_DAYS, description="The window of metrics each recommendation is based on."
    )
    headroom_percent: int = Field(
        default=30,
        ge=0,
        le=90,
        description=(
            "A smaller size must hold the measured p95 with this much to spare: p95 demand at most "
            "(100 - headroom) % of the smaller instance's capacity."
        ),
    )
    latency_target_ms: float | None = Field(
        default=None,
        gt=0,
        description=(
            "Your real-time latency target. With one set, batch transform is never recommended, and a smaller "
            "instance only while p95 ModelLatency is under half of it. `null`: no target."
        ),
    )
    serverless_min_idle_hours_percent: int = hours_share(
        50, "Serverless: at least this share of the window's hours had no invocations."
    )
    serverless_max_concurrency: int = Field(
        default=5,
        ge=1,
        le=200,
        description=(
            "Serverless: the busiest hour's mean concurrency (invocations per second x p95 ModelLatency) is "
            "at most this (ProductionVariantServerlessConfig MaxConcurrency is 1 to 200)."
        ),
    )
    async_min_latency_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Asynchronous: p95 ModelLatency at least this long (real-time invocations time out at 60 s).",
    )
    async_min_idle_hours_percent: int = hours_share(
        25, "Asynchronous: at least this share of hours had no invocations."
    )
    batch_max_hours_of_day: int = Field(
        default=4,
        ge=1,
        le=12,
        description=(
            "Batch transform: every invocation fell in at most this many distinct hours of the day (UTC), "
            "on at least two days of the window."
        ),
    )
    light_max_invocations_per_hour: float = Field(
        default=60.0,
        gt=0,
        description="Consolidation: an endpoint is lightly used below this mean of invocations per hour.",
    )
    light_max_cpu_percent: float = utilization(
        20.0, "Consolidation: an endpoint is lightly used only with p95 CPU per vCPU below this."
    )
    consolidation_min_endpoints: int = Field(
        default=2, ge=2, le=100, description="Consolidation: how many lightly used endpoints make a group."
    )
    sustained_active_hours_percent: int = hours_share(
        90, "Inferentia: a GPU endpoint is sustained when at least this share of hours had invocations."
    )
    training_low_percent: float = utilization(
        30.0,
        "Training right-sizing: a completed job whose GPU, GPU memory and CPU (per device, averaged over "
        "its run and hosts) all stayed under this is recommended fewer or smaller instances.",
    )
