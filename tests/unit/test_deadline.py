"""Inside a sweep, no governed call starts within the hand-off margin; bookkeeping calls always do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from ecoguard import deadline
from ecoguard.adapters.clients import client, reset_clients
from ecoguard.deadline import DEADLINE_MARGIN_MS, DeadlineNear
from ecoguard.errors import Throttled


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    clock = [100.0]
    monkeypatch.setattr(deadline, "clock", lambda: clock[0])
    return clock


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        reset_clients()
        yield
    reset_clients()


def test_given_no_sweep_then_no_call_is_held_back(now: list[float]) -> None:
    assert deadline.observe(0) is True
    deadline.check(event_name="before-call.sagemaker.DeleteEndpoint")


def test_given_a_sweep_then_a_call_is_held_back_once_the_deadline_it_read_is_within_the_margin(
    now: list[float],
) -> None:
    with deadline.sweeping():
        deadline.check(event_name="before-call.sagemaker.DescribeEndpoint")  # nothing read yet
        assert deadline.observe(DEADLINE_MARGIN_MS + 10_000) is False
        deadline.check(event_name="before-call.sagemaker.DescribeEndpoint")
        now[0] += 10.5
        with pytest.raises(DeadlineNear, match="DeleteEndpoint") as raised:
            deadline.check(event_name="before-call.sagemaker.DeleteEndpoint")
        assert isinstance(raised.value, Throttled), "the sweep pauses on it as it does when throttled"
    deadline.check(event_name="before-call.sagemaker.DeleteEndpoint")  # the sweep has ended


def test_given_the_margin_reached_then_governed_clients_hold_back_and_bookkeeping_clients_do_not(aws: None) -> None:
    with deadline.sweeping():
        deadline.observe(DEADLINE_MARGIN_MS - 1)
        with pytest.raises(DeadlineNear):
            client("sagemaker").list_endpoints()
        with pytest.raises(DeadlineNear):
            client("logs").describe_log_groups()
        assert client("dynamodb").list_tables()["TableNames"] == []
        assert "Topics" in client("sns").list_topics()
    assert client("sagemaker").list_endpoints()["Endpoints"] == []
