"""The longest one AWS call can take with the clients' retry configuration, retries included.

botocore's ``standard`` retry mode (botocore/retries/standard.py, ``ExponentialBackoff``; "Retries" in the
boto3 guide) waits before retry ``i`` (1-based) at most ``min(scale * 2 ** (i - 1), 20)`` seconds, where
``scale`` is 1 s for throttling errors (50 ms, or 25 ms for DynamoDB, otherwise); older releases used 1 s for
every error, the bound taken here. Since botocore 1.36 an ``x-amz-retry-after`` header can lengthen a wait by
up to 5 s more. Each attempt waits at most ``connect_timeout`` to connect and ``read_timeout`` for each read
of the socket. A response that keeps trickling bytes slower than that, and DNS resolution, are outside
this bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.config import Config

MAX_BACKOFF_S = 20  # ExponentialBackoff._MAX_BACKOFF
RETRY_AFTER_EXTRA_S = 5  # ExponentialBackoff._RETRY_AFTER_MAX_ADDITIONAL
BACKOFF_BASE_SCALE_S = 1  # the throttling base scale, the largest


def total_attempts(config: Config) -> int:
    """``total_max_attempts`` counts the first attempt; ``max_attempts`` counts retries only (botocore Config)."""
    # Config sets its options as attributes from keyword arguments, which botocore-stubs does not declare.
    retries: Mapping[str, Any] = getattr(config, "retries", None) or {}
    if "total_max_attempts" in retries:
        return int(retries["total_max_attempts"])
    if "max_attempts" in retries:
        return int(retries["max_attempts"]) + 1
    raise ValueError("the retry configuration must bound its attempts")


def worst_case_call_seconds(config: Config) -> float:
    """Every attempt times out connecting and then reading, and every wait between them is the longest."""
    attempts = total_attempts(config)
    connect, read = getattr(config, "connect_timeout", None), getattr(config, "read_timeout", None)
    if not isinstance(connect, int | float) or not isinstance(read, int | float):
        raise ValueError("the client configuration must set numeric connect and read timeouts")
    waits = sum(
        min(BACKOFF_BASE_SCALE_S * 2 ** (retry - 1), MAX_BACKOFF_S) + RETRY_AFTER_EXTRA_S
        for retry in range(1, attempts)
    )
    return float(attempts * (connect + read) + waits)
