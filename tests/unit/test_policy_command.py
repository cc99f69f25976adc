"""``ecoguard policy validate FILE`` prints every invalid field with its line; ``ecoguard policy show`` prints the
bundled defaults merged with the overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ecoguard.policy import bundled_policy_text
from ecoguard_cli.__main__ import main

INVALID = """\
version: 1
log_retention:
  default_days: 17
  prefixes: 3
training_guard:
  nosuch: 1
"""


def test_given_three_invalid_fields_when_validated_then_each_is_printed_with_its_line_and_exit_is_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(INVALID)
    assert main(["policy", "validate", str(policy)]) == 1
    lines = sorted(capsys.readouterr().out.splitlines())
    assert [line.split(": ")[0:2] for line in lines] == [
        [f"{policy}:3", "log_retention.default_days"],
        [f"{policy}:4", "log_retention.prefixes"],
        [f"{policy}:6", "training_guard.nosuch"],
    ]
    assert "17 is not a retention CloudWatch Logs accepts" in lines[0]
    assert "Extra inputs are not permitted" in lines[2]


def test_given_an_invalid_item_in_a_list_when_validated_then_its_own_line_is_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text('{"log_retention": {\n  "prefixes": [\n    "/aws/sagemaker/",\n    7\n  ]\n}}\n')
    assert main(["policy", "validate", str(policy)]) == 1
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{policy}:4: log_retention.prefixes.1: ")


def test_given_a_valid_override_when_validated_then_it_says_valid_and_exit_is_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("log_retention:\n  default_days: 90\n")
    assert main(["policy", "validate", str(policy)]) == 0
    assert capsys.readouterr().out == f"{policy}: valid\n"


def test_given_an_override_when_shown_then_it_is_merged_over_every_bundled_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("log_retention:\n  default_days: 90\n")
    assert main(["policy", "show", str(policy)]) == 0
    shown = yaml.safe_load(capsys.readouterr().out)
    bundled = yaml.safe_load(bundled_policy_text())
    assert shown["log_retention"]["default_days"] == 90
    assert bundled["log_retention"]["default_days"] != 90
    assert shown["log_retention"]["prefixes"] == bundled["log_retention"]["prefixes"]
    assert set(bundled) <= set(shown)


def test_given_no_override_when_shown_then_it_is_the_bundled_policy_with_every_field(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["policy", "show"]) == 0
    shown = yaml.safe_load(capsys.readouterr().out)
    assert shown["version"] == 1
    assert (
        shown["training_guard"]["min_gpu_util_percent"]
        == yaml.safe_load(bundled_policy_text())["training_guard"]["min_gpu_util_percent"]
    )
