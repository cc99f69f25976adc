"""The ``studio_idle`` section (StudioIdleFunction)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from ecoguard.policy.base import StrictModel

# IdleSettings.IdleTimeoutInMinutes: minimum 60, maximum 525,600 (SageMaker API reference, IdleSettings).
MIN_IDLE_MINUTES = 60
MAX_IDLE_MINUTES = 525_600

# An upper bound that keeps the setting meaningful (a session idle two weeks is abandoned); not an AWS limit.
MAX_CANVAS_IDLE_MINUTES = 14 * 24 * 60

IdleMinutes = Annotated[int, Field(ge=MIN_IDLE_MINUTES, le=MAX_IDLE_MINUTES)]


class StudioIdlePolicy(StrictModel):
    """Studio's built-in idle shutdown, configured on every domain's defaults.

    Each domain's `DefaultUserSettings` (JupyterLab, Code Editor) and `DefaultSpaceSettings` (JupyterLab) get
    `AppLifecycleManagement.IdleSettings` with lifecycle management enabled, where it is absent or disabled.
    An owner's explicit timeout is kept, shorter or longer, unless `max_idle_timeout_minutes` is set (then
    only a longer one is lowered to it). The domain tag `ecoguard:idle-minutes=N` replaces the timeout.

    Example::

        studio_idle:
          idle_timeout_minutes: 60
          max_idle_timeout_minutes: 480
          report_running_apps: true
          canvas_idle_minutes: 120
    """

    enabled: bool = Field(default=True, description="Turn the guardrail off.")
    idle_timeout_minutes: IdleMinutes = Field(
        default=60,
        description=(
            "The idle timeout given where idle shutdown is absent or disabled (60 to 525,600 minutes, "
            "the range the SageMaker API accepts)."
        ),
    )
    max_idle_timeout_minutes: IdleMinutes | None = Field(
        default=None,
        description=(
            "If set, an explicit idle timeout longer than this is lowered to it; `null` keeps every explicit "
            "timeout. At least `idle_timeout_minutes`."
        ),
    )
    report_running_apps: bool = Field(
        default=True,
        description="Report running JupyterLab, Code Editor and KernelGateway apps (instance type, age) as findings.",
    )

    canvas_enabled: bool = Field(
        default=True, description="Delete (log out) Canvas apps idle longer than `canvas_idle_minutes`."
    )
    canvas_idle_minutes: int = Field(
        default=120,
        ge=20,
        le=MAX_CANVAS_IDLE_MINUTES,
        description=(
            "A Canvas app whose CloudWatch `TimeSinceLastActive` reaches this many minutes is deleted: the user is "
            "logged out and their work is kept. Missing metric data never counts as idle. 20 minutes to 14 days."
        ),
    )

    @model_validator(mode="after")
    def _coherent(self) -> StudioIdlePolicy:
        if self.max_idle_timeout_minutes is not None and self.max_idle_timeout_minutes < self.idle_timeout_minutes:
            raise ValueError(
                f"max_idle_timeout_minutes ({self.max_idle_timeout_minutes}) is shorter than "
                f"idle_timeout_minutes ({self.idle_timeout_minutes})"
            )
        return self
