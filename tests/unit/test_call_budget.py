"""Retries against the deadline (issue 16, item 1.7): the clients use botocore's standard retry mode with
bounded attempts and timeouts, and the sweeps' hand-off margin is at least the longest one call can take.

The bound follows botocore's standard mode (botocore/retries/standard.py, ``ExponentialBackoff.delay_amount``:
``rand(0, 1) * min(base_scale * 2 ** i, MAX_BACKOFF)``, MAX_BACKOFF 20 s, plus at most 5 s more for an
``x-amz-retry-after`` header), and is computed from the configuration of a client as built, so changing the
retry configuration without the margin, or the margin without it, fails here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.config import Config
from botocore.retries.standard import ExponentialBackoff

from ecoguard.adapters import call_budget
from ecoguard.adapters.call_budget import total_attempts, worst_case_call_seconds
from ecoguard.adapters.clients import client, reset_clients
from ecoguard.deadline import DEADLINE_MARGIN_MS


@pytest.fixture
def built() -> Iterator[Config]:
    reset_clients()
    try:
        config: Config = client("s3", "us-east-1").meta.config
        yield config
    finally:
        reset_clients()


def test_given_the_clients_as_built_then_they_retry_in_standard_mode_with_bounded_attempts_and_timeouts(
    built: Config,
) -> None:
    assert getattr(built, "retries", {})["mode"] == "standard"
    assert total_attempts(built) == 3
    assert (getattr(built, "connect_timeout", None), getattr(built, "read_timeout", None)) == (3, 10)


def test_given_the_clients_as_built_then_the_hand_off_margin_covers_the_longest_call(built: Config) -> None:
    worst = worst_case_call_seconds(built)
    assert worst == 3 * (3 + 10) + (1 + 5) + (2 + 5)
    assert worst * 1000 <= DEADLINE_MARGIN_MS


def test_the_bound_uses_botocores_own_backoff_constants() -> None:
    # Private to botocore: if a release changes them, the bound must be looked at again.
    assert vars(ExponentialBackoff)["_MAX_BACKOFF"] == call_budget.MAX_BACKOFF_S
    assert vars(ExponentialBackoff)["_RETRY_AFTER_MAX_ADDITIONAL"] == call_budget.RETRY_AFTER_EXTRA_S
    assert (
        vars(ExponentialBackoff)["_DEFAULT_BACKOFF_CONFIG"]["throttling_base_scale"] == call_budget.BACKOFF_BASE_SCALE_S
    )


def test_given_the_old_configuration_then_its_worst_case_outlasts_the_margin() -> None:
    # Adaptive, max_attempts 8 (retries, so 9 attempts), 5 s + 20 s: 9 * 25 s plus eight waits.
    old = Config(retries={"mode": "adaptive", "max_attempts": 8}, connect_timeout=5, read_timeout=20)
    assert total_attempts(old) == 9
    assert worst_case_call_seconds(old) > DEADLINE_MARGIN_MS / 1000


def test_given_unbounded_attempts_or_timeouts_then_no_bound_is_claimed() -> None:
    with pytest.raises(ValueError, match="bound its attempts"):
        worst_case_call_seconds(Config(retries={"mode": "standard"}, connect_timeout=1, read_timeout=1))
