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
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a name too long for a file name
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

    enabled: bool = Field(default=True, description="Turn the idle-endpoint guardrail off.")
    idle_hours: int = Field(
        default=24,
        ge=1,
        le=24 * 14,
        description=(
            "An endpoint InService with no invocations (on any variant) for this long is idle; "
            "the tag `ecoguard:idle-hours=N` overrides it."
        ),
    )
    grace_hours: int = Field(
        default=6,
        ge=1,
        le=24 * 14,
        description=(
            "Hours between the idle mark (and its notification) and the deletion; traffic in between clears the mark."
        ),
    )
    async_scale_to_zero: bool = Field(
        default=True,
        description="Asynchronous endpoints are not deleted; they get an Application Auto Scaling minimum of 0.",
    )
    components_scale_to_zero: bool = Field(
        default=True,
        description=(
            "Inference components get a minimum of 0 copies (endpoints hosting them are never deleted); "
            "`false` reports a finding instead."
        ),
    )


class OffHours(StrictModel):
    """A daily window (local time) in which notebooks without activity data are stopped."""

    time_zone: Annotated[str, Field(max_length=64), AfterValidator(check_time_zone)] = Field(
        default="UTC",
        description=(
            "IANA time zone of the window, e.g. `Europe/Paris`; zones other than `UTC` are looked up in the "
            "time-zone database the layer bundles (`tzdata`, so not the runtime's); an unknown zone is invalid."
        ),
    )
    start: str = Field(
        default="20:00", pattern=_CLOCK, description="`HH:MM` local time the off-hours begin; they may cross midnight."
    )
    end: str = Field(
        default="07:00", pattern=_CLOCK, description="`HH:MM` local time the off-hours end; not the same as `start`."
    )
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

    enabled: bool = Field(default=True, description="Turn the idle-notebook guardrail off.")
    idle_hours: int = Field(
        default=3,
        ge=1,
        le=24 * 14,
        description=(
            "No kernel or terminal activity for this long stops the instance; "
            "the tag `ecoguard:idle-hours=N` overrides it."
        ),
    )
    activity_lifecycle_configs: tuple[Annotated[str, Field(min_length=1, max_length=63)], ...] = Field(
        default=(),
        description=(
            "Your own lifecycle configurations that publish the activity metric "
            "(the stack's `<stack>-activity` is always known)."
        ),
    )
    fallback: Literal["report", "off-hours"] = Field(
        default="report",
        description=(
            "Instances without the activity metric: `report` (a finding) or `off-hours` (stopped inside the window)."
        ),
    )
    off_hours: OffHours = Field(
        default=OffHours(), description="The daily window (local time) in which `fallback: off-hours` stops instances."
    )


class IdleInferencePolicy(StrictModel):
    """Idle real-time endpoints are deleted after a grace period; idle notebook instances are stopped.

    Example::

        idle_inference:
          endpoints: {idle_hours: 24, grace_hours: 6}
          notebooks:
            idle_hours: 3
            fallback: off-hours
            off_hours: {time_zone: Europe/Paris, start: "20:00", end: "07:00"}
    """

    endpoints: IdleEndpointsPolicy = Field(
        default=IdleEndpointsPolicy(), description="Real-time endpoints with no invocations (IdleEndpointFunction)."
    )
    notebooks: IdleNotebooksPolicy = Field(
        default=IdleNotebooksPolicy(),
        description="Notebook instances with no kernel or terminal activity (IdleNotebookFunction).",
    )
