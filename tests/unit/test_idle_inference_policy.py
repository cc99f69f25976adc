"""The idle_inference section of the policy: defaults and the constraints it enforces."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ecoguard.policy import PolicyError, build_policy


def test_given_the_bundled_policy_then_endpoints_idle_24_h_with_6_h_grace_and_notebooks_3_h_report_only() -> None:
    policy = build_policy().idle_inference
    assert (policy.endpoints.idle_hours, policy.endpoints.grace_hours) == (24, 6)
    assert policy.endpoints.async_scale_to_zero is True
    assert (policy.notebooks.idle_hours, policy.notebooks.fallback) == (3, "report")


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("idle_inference: {endpoints: {idle_hours: 0}}", "idle_inference.endpoints.idle_hours"),
        ("idle_inference: {endpoints: {grace_hours: 337}}", "idle_inference.endpoints.grace_hours"),
        ("idle_inference: {endpoints: {grace: 6}}", "idle_inference.endpoints.grace"),
        ("idle_inference: {notebooks: {fallback: delete}}", "idle_inference.notebooks.fallback"),
        ("idle_inference: {notebooks: {off_hours: {time_zone: Mars/Olympus}}}", "off_hours.time_zone"),
        ("idle_inference: {notebooks: {off_hours: {start: '25:00'}}}", "idle_inference.notebooks.off_hours.start"),
        (
            "idle_inference: {notebooks: {off_hours: {start: '07:00', end: '07:00'}}}",
            "idle_inference.notebooks.off_hours",
        ),
    ],
)
def test_given_an_invalid_idle_inference_field_then_the_error_names_it(override: str, field: str) -> None:
    with pytest.raises(PolicyError, match=field.replace(".", r"\.")):
        build_policy(override_text=override)


def test_given_an_override_then_it_merges_key_by_key() -> None:
    policy = build_policy(
        override_text="idle_inference: {notebooks: {fallback: off-hours, off_hours: {time_zone: Europe/Paris}}}"
    )
    assert policy.idle_inference.notebooks.fallback == "off-hours"
    assert policy.idle_inference.notebooks.off_hours.time_zone == "Europe/Paris"
    assert policy.idle_inference.notebooks.off_hours.start == "20:00"
    assert policy.idle_inference.endpoints.idle_hours == 24


def test_given_no_system_time_zone_database_then_a_policy_time_zone_still_resolves() -> None:
    # As on a Lambda runtime without /usr/share/zoneinfo: zoneinfo falls back to the tzdata package,
    # which the layer bundles (layers/ecoguard/requirements.txt).
    probe = (
        "import zoneinfo\n"
        "assert zoneinfo.TZPATH == ()\n"
        "from ecoguard.policy import build_policy\n"
        "text = 'idle_inference: {notebooks: {fallback: off-hours, off_hours: {time_zone: Asia/Kolkata}}}'\n"
        "print(build_policy(override_text=text).idle_inference.notebooks.off_hours.time_zone)\n"
    )
    env = {**os.environ, "PYTHONTZPATH": ""}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Asia/Kolkata"
