"""Canvas activity: the latest ``TimeSinceLastActive`` per user profile, in one GetMetricData batch per domain.

Namespace ``/aws/sagemaker/Canvas/AppActivity``, dimensions ``DomainId`` and ``UserProfileName`` (see
``guardrails/canvas_idle.py`` for the sources). The value is the seconds since the user was last active, so
only the latest datapoint matters; the look-back only bounds how stale it may be.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from ecoguard.adapters.metrics import MetricQuery, MetricsAdapter
from ecoguard.guardrails.canvas_idle import CANVAS_DIMENSIONS, CANVAS_METRIC, CANVAS_NAMESPACE
from ecoguard.guardrails.studio import CanvasIdle

LOOK_BACK = timedelta(hours=1)
PERIOD = 300


def canvas_query(domain_id: str, profile: str, now: datetime, stat: str = "Minimum") -> MetricQuery:
    end = now.replace(second=0, microsecond=0)
    return MetricQuery(
        key=profile if stat == "Minimum" else f"{profile}#{stat}",
        namespace=CANVAS_NAMESPACE,
        metric=CANVAS_METRIC,
        dimensions=((CANVAS_DIMENSIONS[0], domain_id), (CANVAS_DIMENSIONS[1], profile)),
        # The lowest value of each 5 minutes: activity anywhere in the latest period shows, never hidden by
        # an earlier, higher value of the same period (nor by one another principal adds). With it, each
        # period's SampleCount: more datapoints than Canvas publishes is someone else's (canvas_idle, rule 3a).
        stat=stat,
        period=PERIOD,
        start=end - LOOK_BACK,
        end=end,
    )


class CanvasActivityAdapter:
    def __init__(self, metrics: MetricsAdapter) -> None:
        self._metrics = metrics

    def canvas_idle(self, domain_id: str, profiles: Iterable[str], now: datetime) -> dict[str, CanvasIdle]:
        """The latest datapoint per profile; a profile without one (or whose series is incomplete) is absent."""
        names = sorted(set(profiles))
        queries = [canvas_query(domain_id, p, now, stat) for stat in ("Minimum", "SampleCount") for p in names]
        if not queries:
            return {}
        fetched = self._metrics.fetch(queries)
        counts = {query.key.split("#", 1)[0]: series for query, series in fetched[len(names) :]}
        found: dict[str, CanvasIdle] = {}
        for query, series in fetched[: len(names)]:
            if not series.complete or not series.values:
                continue
            at, seconds = max(zip(series.timestamps, series.values, strict=True))
            samples = counts[query.key]
            most = max(samples.values) if samples.complete and samples.values else None
            found[query.key] = CanvasIdle(seconds=seconds, at=at, samples=most, period_seconds=PERIOD)
        return found
