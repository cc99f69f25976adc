"""The ``idle_compute`` section (IdleComputeFunction): training warm pools, MLflow tracking servers, HyperPod
clusters and Elastic Inference leftovers."""

from __future__ import annotations

from pydantic import Field

from ecoguard.policy.base import StrictModel
from ecoguard.policy.idle_inference import OffHours

# ResourceConfig.KeepAlivePeriodInSeconds: 0 to 21,600 (botocore's SageMaker model, KeepAlivePeriodInSeconds
# max 21600; the Developer Guide's "Warm pools" once said 3,600): a warm pool outlives its job by at most six
# hours, so an idle window must be shorter than that to ever apply.
MAX_KEEP_ALIVE_SECONDS = 21_600
MAX_KEEP_ALIVE_MINUTES = MAX_KEEP_ALIVE_SECONDS // 60


class WarmPoolsPolicy(StrictModel):
    """Training warm pools left available and unused.

    Example::

        idle_compute:
          warm_pools: {idle_minutes: 30}
    """

    enabled: bool = Field(default=True, description="Turn the warm-pool rule off.")
    idle_minutes: int = Field(
        default=30,
        ge=1,
        lt=MAX_KEEP_ALIVE_MINUTES,
        description=(
            "A warm pool Available and unused this long after its job ended is ended (KeepAlivePeriodInSeconds=0). "
            "Below 360: a pool is kept at most 21,600 seconds (KeepAlivePeriodInSeconds)."
        ),
    )


class MlflowPolicy(StrictModel):
    """SageMaker MLflow tracking servers. They have no idle metric: without `off_hours` they are reported.

    Example::

        idle_compute:
          mlflow:
            off_hours: {time_zone: Europe/Paris, start: "20:00", end: "07:00", weekends: true}
    """

    enabled: bool = Field(default=True, description="Turn the tracking-server rule off.")
    off_hours: OffHours | None = Field(
        default=None,
        description=(
            "If set, running tracking servers are stopped inside this window and the ones ecoguard stopped are "
            "started again once it ends; `null` reports each running server with its size instead."
        ),
    )


class AdvisoryPolicy(StrictModel):
    """A rule that only reports (findings)."""

    enabled: bool = Field(default=True, description="Turn the findings off.")


class IdleComputePolicy(StrictModel):
    """Idle compute beyond notebook instances and endpoints.

    Example::

        idle_compute:
          warm_pools: {idle_minutes: 30}
          mlflow: {off_hours: {time_zone: UTC, start: "20:00", end: "07:00"}}
          hyperpod: {enabled: true}
          elastic_inference: {enabled: true}
    """

    warm_pools: WarmPoolsPolicy = Field(default=WarmPoolsPolicy(), description="Training warm pools.")
    mlflow: MlflowPolicy = Field(default=MlflowPolicy(), description="MLflow tracking servers.")
    hyperpod: AdvisoryPolicy = Field(
        default=AdvisoryPolicy(),
        description="HyperPod clusters: one finding each (idle nodes are visible only inside the cluster).",
    )
    elastic_inference: AdvisoryPolicy = Field(
        default=AdvisoryPolicy(),
        description="Endpoint configurations and notebook instances still naming an `ml.eia*` accelerator.",
    )
