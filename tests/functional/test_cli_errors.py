"""The CLI's error boundary (issue 30): each first mistake is one line on stderr, exit 2 for usage and 1 for the
rest, and no traceback; ``--debug`` shows the traceback. AWS is the simulated account (moto)."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError

from ecoguard.policy import PolicyError
from ecoguard_cli.__main__ import main
from ecoguard_cli.errors import UserError
from tests.conftest import Stack

CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


@pytest.fixture
def no_aws_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No region, no credentials, no profile: a fresh machine (and no instance metadata to ask)."""
    for name in (*CREDENTIAL_VARIABLES, "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_given_no_region_when_audit_then_one_line_says_to_pass_region_and_exit_is_2(
    no_aws_config: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--stack", "ecoguard"]) == 2
    assert "no AWS region: pass --region" in one_line_error(capsys)


def test_given_no_region_when_audit_with_debug_then_the_traceback_is_kept(no_aws_config: None) -> None:
    with pytest.raises(NoRegionError):
        main(["audit", "--stack", "ecoguard", "--debug"])


def test_given_no_credentials_when_audit_then_one_line_says_how_to_sign_in_and_exit_is_1(
    no_aws_config: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--stack", "ecoguard", "--region", "eu-west-1"]) == 1
    assert "no AWS credentials: pass --profile" in one_line_error(capsys)


def test_given_an_unknown_profile_when_audit_then_one_line_names_it_and_exit_is_2(
    no_aws_config: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--stack", "ecoguard", "--profile", "nosuch"]) == 2
    assert "(nosuch) could not be found" in one_line_error(capsys)


def test_given_no_such_stack_when_audit_then_one_line_names_stack_and_region_and_exit_is_1(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--stack", "nosuch", "--region", "us-east-1"]) == 1
    line = one_line_error(capsys)
    assert "no ecoguard stack 'nosuch' in us-east-1" in line and "--region" in line


def test_given_no_such_stack_when_audit_with_debug_then_the_client_error_is_raised(stack: Stack) -> None:
    with pytest.raises(UserError) as raised:
        main(["--debug", "audit", "--stack", "nosuch"])
    assert isinstance(raised.value.__cause__, ClientError)


def test_given_no_such_table_when_each_table_command_then_one_line_names_the_table_and_exit_is_1(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["audit"], ["report"], ["advise"], ["restore", "some-id"]):
        assert main([*command, "--table", "nosuch"]) == 1, command
        assert "no audit table 'nosuch' in us-east-1" in one_line_error(capsys), command


def test_given_an_unknown_action_id_when_restore_then_one_line_says_where_ids_are_and_exit_is_1(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["restore", "--table", stack.resolver.refs["AuditTable"], "no-such-id"]) == 1
    line = one_line_error(capsys)
    assert "no audit record with action id 'no-such-id'" in line and "ecoguard audit" in line


def test_given_an_empty_action_id_when_restore_then_it_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    # What `make restore` without ID= used to send to DynamoDB (a ValidationException).
    with pytest.raises(SystemExit) as exited:
        main(["restore", "--table", "t", ""])
    assert exited.value.code == 2
    assert "an action id is required" in one_line_error(capsys)


def test_given_an_unknown_guardrail_when_audit_then_it_is_a_usage_error_listing_the_guardrails(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["audit", "--table", "t", "--guardrail", "nosuch"])
    assert exited.value.code == 2
    line = one_line_error(capsys)
    assert "invalid choice: 'nosuch'" in line and "'log-retention'" in line


def test_given_a_missing_policy_file_when_each_policy_command_then_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nosuch.yaml")
    for command in (["kpi-alarms", "--policy", missing], ["policy", "validate", missing], ["policy", "show", missing]):
        assert main(command) == 2, command
        assert f"no policy file {missing}" in one_line_error(capsys), command


def test_given_an_invalid_policy_when_kpi_alarms_then_one_line_names_the_field_and_exit_is_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("log_retention:\n  default_days: 17\n")
    assert main(["kpi-alarms", "--policy", str(policy)]) == 1
    line = one_line_error(capsys)
    assert "invalid policy field log_retention.default_days" in line and "ecoguard policy validate" in line
    with pytest.raises(PolicyError):
        main(["kpi-alarms", "--policy", str(policy), "--debug"])


def test_given_a_policy_that_is_not_yaml_when_kpi_alarms_then_one_line_and_exit_is_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("log_retention: [\n")
    assert main(["kpi-alarms", "--policy", str(policy)]) == 1
    assert "is not valid YAML or JSON" in one_line_error(capsys)


def test_given_no_credentials_when_audit_with_debug_then_the_original_error_is_raised(no_aws_config: None) -> None:
    with pytest.raises(NoCredentialsError):
        main(["audit", "--table", "t", "--region", "eu-west-1", "--debug"])
