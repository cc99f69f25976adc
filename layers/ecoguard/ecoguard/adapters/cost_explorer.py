"""Resource-level daily cost from Cost Explorer (``GetCostAndUsageWithResources``), for the report's measured
savings. One request per service in ``report.measured_savings.services``, each followed through its
``NextPageToken`` pages; grouped by ``RESOURCE_ID``, ``UnblendedCost``, daily.

The API reference: the start date cannot be earlier than 14 days ago; the end date is exclusive; the filter
must name a service; resource-level data is opt-in (Cost Explorer settings). An error (for example
``DataUnavailableException`` when it is not enabled) is returned as the reason nothing was measured, so the
report still renders and says "not verified".
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from botocore.exceptions import ClientError

from ecoguard.report.measured import DailyCosts, Window

METRIC = "UnblendedCost"


class ResourceCosts:
    def __init__(self, ce: Any) -> None:
        self._ce = ce

    def daily(self, services: list[str], span: Window) -> DailyCosts:
        days: set[date] = set()
        estimated: set[date] = set()
        by_resource: dict[str, dict[date, float]] = defaultdict(dict)
        try:
            for service in services:
                for page in self._pages(service, span):
                    for result in page.get("ResultsByTime", []):
                        day = date.fromisoformat(result["TimePeriod"]["Start"])
                        days.add(day)
                        if result.get("Estimated"):
                            estimated.add(day)
                        for group in result.get("Groups", []):
                            [resource, *_] = group["Keys"]
                            amount = float(group["Metrics"][METRIC]["Amount"])
                            by_resource[resource][day] = by_resource[resource].get(day, 0.0) + amount
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            return DailyCosts((), {}, error=f"{code}: {exc.response.get('Error', {}).get('Message', '')}".strip())
        return DailyCosts(tuple(sorted(days)), dict(by_resource), frozenset(estimated))

    def _pages(self, service: str, span: Window) -> Any:
        token: str | None = None
        while True:
            request: dict[str, Any] = {
                "TimePeriod": {"Start": span.start.isoformat(), "End": span.end.isoformat()},
                "Granularity": "DAILY",
                "Filter": {"Dimensions": {"Key": "SERVICE", "Values": [service]}},
                "Metrics": [METRIC],
                "GroupBy": [{"Type": "DIMENSION", "Key": "RESOURCE_ID"}],
            }
            if token:
                request["NextPageToken"] = token
            page = self._ce.get_cost_and_usage_with_resources(**request)
            yield page
            token = page.get("NextPageToken")
            if not token:
                return
