"""The ``idle_inference`` section (IdleEndpointFunction, IdleNotebookFunction)."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, model_validator

from ecoguard.policy.base import StrictModel

_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"


def check_time_zone(name: str) -> str:
    # Zones resolve from the system database or the bundled tzdata package; an unknown one fails here, loudly.
    if name == "UTC":
        return name
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not an IANA time zone (for example Europe/Paris)") from exc
    return name


class IdleEndpointsPolicy(StrictModel):
    """Real-time SageMaker endpoints with no invocations.

    Example::

        idle_inference:
          endpoints:
            idle_hours: 24
            grace_hours: 6
    """

    enabled: bool = True
    idle_hours: int = Field(
        default=24, ge=1, le=24 * 14, description="No invocations for this long (and InService this long) is idle."
    )
    grace_hours: int = Field(
        default=6, ge=1, le=24 * 14, description="Hours between the idle mark and the deletion; traffic clears it."
    )
    async_scale_to_zero: bool = Field(
        default=True, description="Give asynchronous endpoints an Application Auto Scaling minimum of 0."
    )
    components_scale_to_zero: bool = Field(
        default=True, description="Give the inference components of an endpoint a minimum of 0 copies."
    )


class OffHours(StrictModel):
    """A daily window (local time) in which notebooks without activity data are stopped."""

    time_zone: Annotated[str, AfterValidator(check_time_zone)] = "UTC"
    start: str = Field(default="20:00", pattern=_CLOCK, description="HH:MM local time the off-hours begin.")
    end: str = Field(default="07:00", pattern=_CLOCK, description="HH:MM local time the off-hours end.")
    weekends: bool = Field(default=True, description="Saturday and Sunday are off-hours all day.")

    @model_validator(mode="after")
    def _not_empty(self) -> OffHours:
        if self.start == self.end:
            raise ValueError(f"start and end are both {self.start}: the off-hours window is empty")
        return self


class IdleNotebooksPolicy(StrictModel):
    """SageMaker notebook instances with no kernel or terminal activity.

    Example::

        idle_inference:
          notebooks:
            idle_hours: 3
            fallback: off-hours
            off_hours: {time_zone: Europe/Paris, start: "20:00", end: "07:00"}
    """

    enabled: bool = True
    idle_hours: int = Field(default=3, ge=1, le=24 * 14, description="No activity for this long stops the instance.")
    activity_lifecycle_configs: tuple[Annotated[str, Field(min_length=1, max_length=63)], ...] = Field(
        default=(),
        description="Your own lifecycle configurations that publish the activity metric (the stack's own counts).",
    )
    fallback: Literal["report", "off-hours"] = Field(
        default="report", description="Instances without the activity metric: report only, or stop in off-hours."
    )
    off_hours: OffHours = OffHours()


class IdleInferencePolicy(StrictModel):
    endpoints: IdleEndpointsPolicy = IdleEndpointsPolicy()
    notebooks: IdleNotebooksPolicy = IdleNotebooksPolicy()
