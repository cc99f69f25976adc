"""README lists every function of template.yaml and every ``ecoguard`` command (issue 30: "README lists every
function and command"), so a new one cannot land unlisted."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from ecoguard_cli.__main__ import parser
from tools.simulator.template import load_template

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def functions() -> list[str]:
    resources = load_template()["Resources"]
    return sorted(name for name, resource in resources.items() if resource["Type"] == "AWS::Serverless::Function")


def commands() -> list[str]:
    [subparsers] = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(subparsers.choices)


def test_the_template_and_the_cli_have_what_to_list() -> None:
    assert len(functions()) >= 10 and {"audit", "restore", "doctor"} <= set(commands())


@pytest.mark.parametrize("function", functions())
def test_readme_names_every_function(function: str) -> None:
    assert re.search(rf"`{function}`", README), f"README.md does not name {function} (template.yaml)"


@pytest.mark.parametrize("command", commands())
def test_readme_shows_every_command(command: str) -> None:
    assert f"`ecoguard {command}" in README, f"README.md does not show `ecoguard {command}`"
