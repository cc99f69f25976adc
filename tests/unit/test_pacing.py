"""ecoguard.pacing: each API's calls paced to its documented quota, slowed by throttling, recovered after."""

from __future__ import annotations

import pytest

from ecoguard import deadline, pacing
from ecoguard.errors import Throttled
from ecoguard.pacing import MIN_RATE, Limiter, Quota

PUT = "cloudwatch-logs.PutRetentionPolicy"
S3_GET = "s3.GetBucketTagging"


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def limiter(clock: VirtualClock, quotas: dict[str, Quota] | None = None) -> Limiter:
    return Limiter(quotas if quotas is not None else dict(pacing.QUOTAS), clock=clock, sleep=clock.sleep)


def test_given_the_documented_quota_when_calls_are_made_back_to_back_then_they_are_sent_at_that_rate() -> None:
    clock = VirtualClock()
    paced = limiter(clock)
    sent = []
    for _ in range(11):
        paced.acquire(PUT)
        sent.append(clock.now)
    # PutRetentionPolicy: 5 a second, never more in any second.
    assert sent == pytest.approx([i / 5 for i in range(11)])


def test_given_an_api_without_a_published_quota_when_called_then_it_is_not_paced() -> None:
    clock = VirtualClock()
    paced = limiter(clock)
    for _ in range(100):
        paced.acquire(S3_GET)
    assert clock.now == 0.0 and paced.rate(S3_GET) is None


def test_given_a_throttling_answer_then_the_pace_halves_and_the_next_call_waits_its_turn() -> None:
    clock = VirtualClock()
    paced = limiter(clock)
    paced.acquire(PUT)
    paced.answered(PUT, "ThrottlingException")
    assert paced.rate(PUT) == 2.5
    before = clock.now
    paced.acquire(PUT)
    assert clock.now - before == pytest.approx(1 / 2.5)


def test_given_answers_after_a_throttle_then_the_pace_recovers_up_to_the_quota_and_no_further() -> None:
    clock = VirtualClock()
    paced = limiter(clock)
    paced.answered(PUT, "ThrottlingException")
    for _ in range(100):
        paced.answered(PUT, None)
    assert paced.rate(PUT) == 5


def test_given_a_throttling_storm_then_the_pace_never_falls_under_its_floor() -> None:
    clock = VirtualClock()
    paced = limiter(clock)
    for _ in range(50):
        paced.answered(PUT, "ThrottlingException")
    assert paced.rate(PUT) == MIN_RATE


def test_given_an_unpaced_api_that_throttles_then_it_is_paced_at_half_the_rate_it_was_sent_at() -> None:
    clock = VirtualClock()
    paced = limiter(clock)
    for _ in range(40):  # 40 calls within the same second
        paced.acquire(S3_GET)
    paced.answered(S3_GET, "SlowDown")
    assert paced.rate(S3_GET) == 20
    for _ in range(1000):
        paced.answered(S3_GET, None)
    assert paced.rate(S3_GET) == 40, "recovers to the pace it was throttled at"


def test_given_a_turn_far_away_outside_a_sweep_then_the_call_is_refused_at_once_and_sends_nothing() -> None:
    clock = VirtualClock()
    paced = limiter(clock, {PUT: Quota(0.05, "a test quota")})  # one call every 20 s
    paced.acquire(PUT)
    with pytest.raises(Throttled):
        paced.acquire(PUT)
    assert clock.now == 0.0


def test_given_a_sweep_when_the_wait_brings_the_deadline_near_then_the_call_is_not_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = VirtualClock()
    monkeypatch.setattr(pacing, "LIMITER", limiter(clock, {PUT: Quota(0.05, "a test quota")}))
    monkeypatch.setattr(deadline, "clock", clock)
    with deadline.sweeping():
        deadline.observe(deadline.DEADLINE_MARGIN_MS + 10_000)  # 10 s before the margin
        pacing.before_send(event_name=f"before-send.{PUT}")  # the first call: no wait
        with pytest.raises(deadline.DeadlineNear):
            pacing.before_send(event_name=f"before-send.{PUT}")  # waits 20 s: inside the margin now
    assert clock.now == 20.0


def test_given_throttling_codes_of_each_service_then_each_slows_its_api() -> None:
    clock = VirtualClock()
    paced = limiter(clock, {"s3.PutBucketLifecycleConfiguration": Quota(4, "test"), PUT: Quota(4, "test")})
    pacing_codes = {"s3.PutBucketLifecycleConfiguration": "SlowDown", PUT: "ThrottlingException"}
    for api, code in pacing_codes.items():
        paced.answered(api, code)
        assert paced.rate(api) == 2
    paced.answered(PUT, "AccessDeniedException")
    assert paced.rate(PUT) == 2 + 0.05 * 4, "an answer that is not throttling is no reason to slow down"


def test_given_the_botocore_answer_hook_then_a_throttling_error_slows_the_api(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = VirtualClock()
    monkeypatch.setattr(pacing, "LIMITER", limiter(clock))
    pacing.response_received(
        event_name=f"response-received.{PUT}", parsed_response={"Error": {"Code": "ThrottlingException"}}
    )
    pacing.response_received(event_name=f"response-received.{PUT}", parsed_response=None)  # no answer: no change
    assert pacing.LIMITER.rate(PUT) == 2.5 and pacing.LIMITER.throttles == 1


def test_every_quota_cites_its_source() -> None:
    for api, quota in pacing.QUOTAS.items():
        assert quota.rate > 0 and quota.source, api
