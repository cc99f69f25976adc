"""Every `make invoke` example of the README shows its function at work (issue 30): on the simulator, each
evaluates at least one resource, because the account is seeded for that function as the demo seeds it."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tools.simulator.invoke_command import run_invoke

ROOT = Path(__file__).resolve().parents[2]


def readme_examples() -> list[dict[str, str]]:
    """The README's `make invoke` lines on the simulator (AWS=1 needs an account), as their variables."""
    lines = re.findall(r"^make invoke (.+)$", (ROOT / "README.md").read_text(), flags=re.MULTILINE)
    examples = [dict(word.split("=", 1) for word in shlex.split(line.split("#")[0])) for line in lines]
    return [example for example in examples if "AWS" not in example]


def test_given_the_readme_then_it_has_an_invoke_example_for_several_functions() -> None:
    assert len({example["FN"] for example in readme_examples()}) >= 4


@pytest.mark.parametrize("example", readme_examples(), ids=lambda e: f"{e['FN']}-{e.get('MODE', 'dry-run')}")
def test_given_a_readme_invoke_example_when_run_on_the_simulator_then_its_function_evaluates_resources(
    example: dict[str, str],
) -> None:
    event = json.loads((ROOT / example["EVENT"]).read_text())
    answer = run_invoke(example["FN"], event, aws=False, stack=None, mode=example.get("MODE"), seed=True)
    evaluated = sum(int(result.get("evaluated", 0)) for result in answer["results"])
    assert evaluated > 0, answer["results"]
    assert answer["audit_records"], "no decision recorded"
