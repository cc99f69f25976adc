"""LogRetentionFunction on a runtime whose botocore predates ``LogGroup.retentionPolicyName`` (issue 29, item 3).

CloudWatch Logs API reference, LogGroup: ``retentionPolicyName`` is returned only when an account-level retention
policy applies to the group, and ``retentionInDays`` then shows that policy's value. A botocore whose logs
model lacks the member parses it away, so a governed group would look like one of its own, and a
PutRetentionPolicy would be recorded, and booked, that changes nothing. Every client here is built from such a
model (``tests/builders/older_sdk.py``): the function does not fail, acts on no group, and says once per run
what its SDK lacks ("not supported by this runtime's SDK: ..."), the line ``ecoguard doctor`` looks for.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ecoguard.adapters.clients import client
from ecoguard.adapters.sdk_support import UNSUPPORTED, unsupported
from tests.builders.log_retention import created_event
from tests.builders.older_sdk import older_logs_models
from tests.conftest import Stack, load_event
from tools.simulator.seed import retention_snapshot, seed_log_groups

FN = "LogRetentionFunction"


@pytest.fixture
def older_sdk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    older_logs_models(tmp_path, monkeypatch, drop={"LogGroup": ("retentionPolicyName",)})  # before any client


def test_given_an_sdk_without_retention_policy_name_then_no_group_is_changed_and_it_is_said_once(
    older_sdk: None, stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    assert unsupported(client("logs"), (("logs", "LogGroup", "retentionPolicyName"),))
    seed_log_groups()
    before = retention_snapshot()
    caplog.clear()
    [swept] = stack.invoke(FN, load_event("log_retention/scheduled-sweep.json"), env={"ECOGUARD_MODE": "enforce"})
    governed = next(name for name, days in before.items() if days is None and name.startswith("/aws/sagemaker/"))
    [created] = stack.invoke(FN, created_event(governed), env={"ECOGUARD_MODE": "enforce"})
    said = [r.getMessage() for r in caplog.records if UNSUPPORTED in r.getMessage()]
    assert swept["finished"] is True and swept["evaluated"] == 0
    assert created["evaluated"] == 0
    assert retention_snapshot() == before
    assert stack.records() == []
    assert said == [f"{UNSUPPORTED}: account-policy: LogGroup.retentionPolicyName"] * 2, "once per invocation"
