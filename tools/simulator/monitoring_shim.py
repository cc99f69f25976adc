"""Named shim for moto 5.2.5's gap in Model Monitor's schedules.

``moto_has_no_monitoring_schedules``: moto does not implement ListMonitoringSchedules. The shim answers it from
schedules kept in memory on moto's backend (``seed_monitoring_schedule``): every schedule, or an endpoint's
(``EndpointName``), filtered by ``StatusEquals``, paged by ``MaxResults`` (default 10) and ``NextToken``, each a
``MonitoringScheduleSummary`` with the members the SageMaker API reference documents (name, ARN, creation and
modification times, status Pending | Failed | Scheduled | Stopped, the endpoint, the monitoring type). With
nothing seeded it answers an empty listing, as an account without Model Monitor does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch

from moto.core.responses import ActionResult
from moto.sagemaker.models import sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse

from tools.simulator.identity import ACCOUNT, REGION

CREATED = datetime(2026, 1, 5, tzinfo=UTC)
STATUSES = ("Pending", "Failed", "Scheduled", "Stopped")
STORE = "ecoguard_monitoring_schedules"


def _schedules(backend: Any) -> dict[str, dict[str, Any]]:
    if not hasattr(backend, STORE):
        setattr(backend, STORE, {})
    store: dict[str, dict[str, Any]] = getattr(backend, STORE)
    return store


def _list(self: SageMakerResponse) -> ActionResult:
    endpoint = self._get_param("EndpointName")
    status = self._get_param("StatusEquals")
    size = int(self._get_param("MaxResults") or 10)
    start = int(self._get_param("NextToken") or 0)
    found = [
        s
        for _, s in sorted(_schedules(self.sagemaker_backend).items())
        if (endpoint is None or s.get("EndpointName") == endpoint)
        and (status is None or s["MonitoringScheduleStatus"] == status)
    ]
    more = start + size < len(found)
    return ActionResult(
        {
            "MonitoringScheduleSummaries": found[start : start + size],
            **({"NextToken": str(start + size)} if more else {}),
        }
    )


@contextmanager
def monitoring_schedules_shim() -> Iterator[None]:
    """``moto_has_no_monitoring_schedules``, while the context lasts."""
    with patch.object(SageMakerResponse, "list_monitoring_schedules", _list, create=True):
        yield


def seed_monitoring_schedule(name: str, endpoint: str, status: str = "Scheduled") -> None:
    """A monitoring schedule of ``endpoint`` (a data-quality one), in ``status``."""
    if status not in STATUSES:
        raise ValueError(f"MonitoringScheduleStatus is one of {STATUSES}, not {status!r}")
    account = os.environ.get("MOTO_ACCOUNT_ID") or ACCOUNT
    region = os.environ.get("AWS_REGION") or REGION
    _schedules(sagemaker_backends[account][region])[name] = {
        "MonitoringScheduleName": name,
        "MonitoringScheduleArn": f"arn:aws:sagemaker:{region}:{account}:monitoring-schedule/{name}",
        "CreationTime": CREATED,
        "LastModifiedTime": CREATED,
        "MonitoringScheduleStatus": status,
        "EndpointName": endpoint,
        "MonitoringType": "DataQuality",
    }
