"""The checks a restore makes before it writes (``ecoguard.restore.WriteChecks``), for tests that call it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecoguard.adapters.resource_tags import ResourceTags
from ecoguard.policy.document import DEFAULT_FLOOR_DAYS
from ecoguard.restore import WriteChecks


def account_checks(clients: Callable[[str], Any], floor_days: int = DEFAULT_FLOOR_DAYS) -> WriteChecks:
    """As RestoreFunction makes them: tags read from the account, the default floor."""
    return WriteChecks(ResourceTags(clients).of, floor_days)


def untagged(floor_days: int = DEFAULT_FLOOR_DAYS) -> WriteChecks:
    """For a unit test's fake resources: none carries a tag."""
    return WriteChecks(lambda arn: {}, floor_days)
