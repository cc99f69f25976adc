from __future__ import annotations

import pytest

from ecoguard.decisions import Mode
from ecoguard.settings import SettingsError, load_settings

BASE = {"ECOGUARD_MODE": "dry-run", "ECOGUARD_AUDIT_TABLE": "audit-table"}


def test_given_the_template_environment_then_settings_load() -> None:
    settings = load_settings({**BASE, "ECOGUARD_LOG_RETENTION_DAYS": "90", "ECOGUARD_POLICY_PARAMETER": ""})
    assert settings.mode is Mode.DRY_RUN
    assert settings.log_retention_days == 90
    assert settings.policy_parameter is None


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({**BASE, "ECOGUARD_MODE": "enforced"}, "ECOGUARD_MODE"),
        ({"ECOGUARD_AUDIT_TABLE": "audit-table"}, "ECOGUARD_MODE"),
        ({"ECOGUARD_MODE": "enforce"}, "ECOGUARD_AUDIT_TABLE"),
        ({**BASE, "ECOGUARD_LOG_RETENTION_DAYS": "thirty"}, "ECOGUARD_LOG_RETENTION_DAYS"),
    ],
)
def test_given_an_invalid_environment_then_the_error_names_the_variable(env: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings(env)
