"""One cached boto3 client per service, created on first use (never at import)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Adaptive mode adds client-side rate limiting once the service starts throttling,
# on top of standard retries with exponential backoff.
RETRY_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 8}, connect_timeout=5, read_timeout=20)


@cache
def client(service: str, region: str | None = None) -> Any:
    """``region``: another region's endpoint (the central bus may live in another region)."""
    return boto3.session.Session().client(service, region_name=region, config=RETRY_CONFIG)  # type: ignore[call-overload]


def reset_clients() -> None:
    """Forget cached clients (tests and the local runner switch between accounts)."""
    client.cache_clear()
