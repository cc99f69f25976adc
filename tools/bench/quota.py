"""The simulated account bounded as a real one is: each governed API held to its documented quota, and every
call a round trip of at least a given latency.

``held(model)`` wraps moto's in-process request handler (``BotocoreStubber``, what ``mock_aws`` answers
through): every call first takes a token from its API's bucket; an API out of tokens is answered with the
service's own throttling error, as AWS answers it, and moto never sees the call (so a throttled write changes
nothing). A call then takes ``latency_s`` (a control-plane round trip), the service's answer within it: the
time moto itself took to answer is part of the round trip, not added to it, since a real service's answer
time is in the round trip a client sees; a call moto takes longer than that to answer takes that long. (The
simulator's CPU still shares the sweep's process, which a real service's does not.) The SDK's retries, and
ecoguard's own pacing, then behave as against AWS. ``clock`` and ``sleep`` are seams: the tests run the model on a
virtual clock.

A quota is a token bucket refilled at its rate and holding at most one second of it. ``co_tenant``: calls
a second taken from an API's quota by other tools in the account (CDK's log-retention resource, Control
Tower, Custodian: the quota is shared), from ``co_tenant_from`` to ``co_tenant_until`` on the model's clock.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse

from tools.simulator import s3_shim


@dataclass(frozen=True)
class Throttling:
    """How a service answers a call over its quota (its API reference's error list)."""

    code: str
    status: int
    protocol: str  # "json" (awsJson1_1) or "rest-xml"
    message: str
    source: str

    def body(self) -> bytes:
        if self.protocol == "json":
            return json.dumps({"__type": self.code, "message": self.message}).encode()
        return f"<Error><Code>{self.code}</Code><Message>{self.message}</Message></Error>".encode()

    def headers(self) -> dict[str, str]:
        kind = "application/x-amz-json-1.1" if self.protocol == "json" else "application/xml"
        return {"Content-Type": kind}


LOGS_THROTTLING = Throttling(
    "ThrottlingException",
    400,
    "json",
    "Rate exceeded",
    "CloudWatch Logs API reference, Common Errors: ThrottlingException, HTTP 400",
)
S3_THROTTLING = Throttling(
    "SlowDown",
    503,
    "rest-xml",
    "Please reduce your request rate.",
    "Amazon S3 API reference, Error responses: SlowDown, HTTP 503",
)
SAGEMAKER_THROTTLING = Throttling(
    "ThrottlingException",
    400,
    "json",
    "Rate exceeded",
    "SageMaker API reference, Common Errors: ThrottlingException, HTTP 400",
)


@dataclass(frozen=True)
class ApiQuota:
    rate: float  # calls a second, per account and Region
    throttling: Throttling
    source: str


# botocore service id and operation -> the documented quota. An API AWS publishes no rate for (S3's bucket
# configuration calls, SageMaker's control plane: "S3 publishes no rate for bucket configuration calls";
# "SageMaker publishes no TPS for its control plane", /work/shared/FIELD_NOTES.md) is held to none here:
# only the latency bounds it.
QUOTAS: Mapping[str, ApiQuota] = {
    "cloudwatch-logs.PutRetentionPolicy": ApiQuota(
        5, LOGS_THROTTLING, "CloudWatch Logs quotas: PutRetentionPolicy 5 TPS per account and Region, not adjustable"
    ),
    "cloudwatch-logs.DeleteRetentionPolicy": ApiQuota(
        5, LOGS_THROTTLING, "CloudWatch Logs quotas: DeleteRetentionPolicy 5 TPS per account and Region"
    ),
    "cloudwatch-logs.DescribeLogGroups": ApiQuota(
        10, LOGS_THROTTLING, "CloudWatch Logs quotas: DescribeLogGroups 10 TPS per account and Region, adjustable"
    ),
}


@dataclass
class Bucket:
    rate: float
    tokens: float
    at: float


@dataclass
class QuotaModel:
    quotas: Mapping[str, ApiQuota] = field(default_factory=lambda: dict(QUOTAS))
    latency_s: float = 0.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    co_tenant: Mapping[str, float] = field(default_factory=dict)
    co_tenant_from: float = 0.0
    co_tenant_until: float = float("inf")
    enabled: bool = True
    throttled: Counter[str] = field(default_factory=Counter)
    served: Counter[str] = field(default_factory=Counter)
    # Seconds the simulator itself took to answer the calls made on the sweep's own thread (the main thread):
    # its CPU, not the modelled latency; a real service's answer time is not in the floor either.
    answering_main_s: float = 0.0
    _buckets: dict[str, Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def drain(self, api: str) -> None:
        """``api``'s bucket emptied, as by other tools calling it until now (its quota, if it has one)."""
        quota = self.quotas.get(api)
        if quota is not None:
            with self._lock:
                self._buckets[api] = Bucket(quota.rate, 0.0, self.clock())

    def admit(self, api: str) -> Throttling | None:
        """Take a token for one call of ``api``: None if it is served, else how it is refused."""
        quota = self.quotas.get(api)
        with self._lock:
            if quota is None:
                self.served[api] += 1
                return None
            now = self.clock()
            bucket = self._buckets.setdefault(api, Bucket(quota.rate, quota.rate, now))
            taken = self.co_tenant.get(api, 0.0) if self.co_tenant_from <= now < self.co_tenant_until else 0.0
            refill = max(quota.rate - taken, 0.0)
            bucket.tokens = min(quota.rate, bucket.tokens + (now - bucket.at) * refill)
            bucket.at = now
            if bucket.tokens < 1.0:
                self.throttled[api] += 1
                return quota.throttling
            bucket.tokens -= 1.0
            self.served[api] += 1
            return None


@contextmanager
def held(model: QuotaModel) -> Iterator[QuotaModel]:
    """While open, moto's in-process answers are bounded by ``model``."""
    original: Any = BotocoreStubber.__call__

    def bounded(self: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> AWSResponse | None:
        if not self.enabled:
            return original(self, event_name, request, **kwargs)  # type: ignore[no-any-return]
        refused = model.admit(event_name.split(".", 1)[-1])
        if refused is not None:
            if model.latency_s:
                model.sleep(model.latency_s)
            return AWSResponse(request.url, refused.status, refused.headers(), MockRawResponse(refused.body()))  # type: ignore[arg-type]
        started = time.perf_counter()
        try:
            return original(self, event_name, request, **kwargs)  # type: ignore[no-any-return]
        finally:
            answering = time.perf_counter() - started
            if threading.current_thread() is threading.main_thread():
                model.answering_main_s += answering
            # The round trip is ``latency_s`` with the service's answer in it: the simulator's own answering
            # time is part of it, not added to it (a call moto takes longer to answer takes that long).
            if model.latency_s > answering:
                model.sleep(model.latency_s - answering)

    def shim_answering(api: str) -> tuple[int, str, str] | None:
        # The S3 configuration calls the simulator's shim answers (tools/simulator/s3_shim.py), bounded alike.
        if model.latency_s:
            model.sleep(model.latency_s)
        refused = model.admit(api)
        return None if refused is None else (refused.status, refused.code, refused.message)

    BotocoreStubber.__call__ = bounded  # type: ignore[method-assign]
    s3_shim.ANSWERING.append(shim_answering)
    try:
        yield model
    finally:
        BotocoreStubber.__call__ = original  # type: ignore[method-assign]
        s3_shim.ANSWERING.remove(shim_answering)


def floor(served: Mapping[str, int], latency_s: float, concurrency: int) -> dict[str, float]:
    """The least wall time the calls a sweep needed can take (``served``: calls answered, by API; throttled
    answers are not work): the larger of the slowest API's calls at its quota (different APIs' quotas
    run side by side), and every call's round trip with ``concurrency`` calls in flight."""
    at_quota = max((n / QUOTAS[api].rate for api, n in served.items() if api in QUOTAS), default=0.0)
    at_latency = sum(served.values()) * latency_s / concurrency
    return {
        "quota_s": round(at_quota, 2),
        "latency_s": round(at_latency, 2),
        "floor_s": round(max(at_quota, at_latency), 2),
    }
