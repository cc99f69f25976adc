"""Attack 3: whoever may write the policy parameter turns ecoguard into a data wiper, or kills its functions.

- retention of 1 day on every log group, expiration after 1 day, noncurrent versions deleted after 1 day;
- a prefix rule without ``buckets`` (which matched every bucket) opts another team's versioned bucket in to
  noncurrent-version expiration;
- a 459-byte YAML alias bomb expands into a 226-million-character error message (a 256 MB Lambda dies);
- a very long ``time_zone`` raises ``OSError``, not a policy error.

Controls: the floors (``ecoguard.policy.document.check_floors``, lowered only by the stack parameter
DestructiveFloorDays), a required, non-wildcard ``buckets`` (``PrefixClassRule``), aliases refused and every
error bounded (``parse_document``, ``build_policy``), bounded strings (``OffHours.time_zone``).
"""

from __future__ import annotations

import time

import pytest

from ecoguard.policy import PolicyError, build_policy
from tests.conftest import Stack, load_event
from tools.simulator.seed import retention_snapshot, seed_log_groups

WIPERS = {
    "every-log-group-1-day": "log_retention: {all_groups: true, default_days: 1}",
    "cap-every-retention-to-1-day": "log_retention: {all_groups: true, default_days: 1, max_days: 1}",
    "logs-expire-after-1-day": "storage_lifecycle: {log: {expiration_days: 1}}",
    "noncurrent-versions-after-1-day": "storage_lifecycle: {noncurrent: {noncurrent_days: 1}}",
    "prefix-rule-without-buckets": "storage_lifecycle: {prefix_rules: [{prefixes: {logs/: log}}]}",
    "prefix-rule-for-every-bucket": "storage_lifecycle: {prefix_rules: [{buckets: '*', prefixes: {logs/: log}}]}",
}


@pytest.mark.parametrize("text", WIPERS.values(), ids=WIPERS.keys())
def test_given_a_policy_that_wipes_data_then_it_is_refused(text: str) -> None:
    with pytest.raises(PolicyError, match="invalid policy field"):
        build_policy(override_text=text)


def test_given_the_deploy_time_floor_lowered_then_a_short_retention_is_accepted() -> None:
    policy = build_policy(override_text="log_retention: {default_days: 7}", floor_days=7)
    assert policy.log_retention.default_days == 7
    with pytest.raises(PolicyError, match="under the floor of 7 days"):
        build_policy(override_text="log_retention: {default_days: 5}", floor_days=7)


def test_given_a_wiping_policy_in_the_parameter_then_the_function_changes_no_log_group(stack: Stack) -> None:
    seed_log_groups()
    before = retention_snapshot()
    stack.use_policy(WIPERS["every-log-group-1-day"])
    with pytest.raises(PolicyError, match="under the floor"):
        stack.invoke(
            "LogRetentionFunction", load_event("log_retention/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"}
        )
    assert retention_snapshot() == before and stack.records() == []


def alias_bomb(levels: int) -> str:
    lines = ['  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"  a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(["version: 1", "surprise:", *lines])


def test_given_a_yaml_alias_bomb_then_a_short_policy_error_comes_at_once() -> None:
    bomb = alias_bomb(7)  # 9**7 = 4.8 million strings from a few hundred bytes
    assert len(bomb) < 600
    started = time.monotonic()
    with pytest.raises(PolicyError) as raised:
        build_policy(override_text=bomb)
    assert len(str(raised.value)) <= 1000 and time.monotonic() - started < 5


@pytest.mark.parametrize(
    "text",
    [
        "idle_inference: {notebooks: {off_hours: {time_zone: " + "Europe/" + "x" * 5000 + "}}}",
        "report: {attribution_tags: [" + "t" * 100_000 + "]}",
        "retraining_gate: {models: [{name: m, endpoint: " + "e" * 100_000 + "}]}",
    ],
    ids=["time-zone", "attribution-tag", "endpoint"],
)
def test_given_a_very_long_string_then_a_bounded_policy_error_and_no_other_exception(text: str) -> None:
    with pytest.raises(PolicyError) as raised:
        build_policy(override_text=text)
    assert len(str(raised.value)) <= 1000
