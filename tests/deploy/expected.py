"""What a stack of template.yaml should hold: its logical ids after the SAM transform, with conditions.

The transform is the project's own SAM translator (tools/org_template.py in .venv-sam), applied to the
template the stack was given (GetTemplate, stage Original: the packaged template ``sam deploy`` sent).
So the expected set does not come from the engine under test, only from its input.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"


def transformed(packaged_template: str, workdir: Path) -> dict[str, Any]:
    source = workdir / "packaged-template.yaml"
    source.write_text(packaged_template)
    result = subprocess.run(
        [str(SAM_PYTHON), str(ROOT / "tools" / "org_template.py"), "translate", str(source)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    template: dict[str, Any] = json.loads(result.stdout)
    return template


class ConditionError(ValueError):
    pass


def evaluate(condition: Any, conditions: Mapping[str, Any], parameters: Mapping[str, str]) -> bool:
    """A CloudFormation condition, for the intrinsics conditions may use, over parameter values."""
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, argument),) = condition.items()
        if name == "Fn::Not":
            return not evaluate(argument[0], conditions, parameters)
        if name == "Fn::And":
            return all(evaluate(a, conditions, parameters) for a in argument)
        if name == "Fn::Or":
            return any(evaluate(a, conditions, parameters) for a in argument)
        if name == "Condition":
            return evaluate(conditions[argument], conditions, parameters)
        if name == "Fn::Equals":
            left, right = (_value(a, parameters) for a in argument)
            return left == right
    raise ConditionError(f"not a condition this evaluator knows: {condition!r}")


def _value(argument: Any, parameters: Mapping[str, str]) -> str:
    if isinstance(argument, dict) and set(argument) == {"Ref"}:
        return parameters[argument["Ref"]]
    if isinstance(argument, str | int | float | bool):
        return str(argument)
    raise ConditionError(f"not a value this evaluator knows: {argument!r}")


def parameter_values(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, str]:
    defaults = {name: str(p.get("Default", "")) for name, p in template.get("Parameters", {}).items()}
    return {**defaults, **overrides}


def expected_resources(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, str]:
    """Logical id -> type of every resource the stack holds with these parameter values."""
    parameters = parameter_values(template, overrides)
    conditions = template.get("Conditions", {})
    return {
        logical_id: resource["Type"]
        for logical_id, resource in template["Resources"].items()
        if "Condition" not in resource or evaluate(conditions[resource["Condition"]], conditions, parameters)
    }


def conditional_on(template: Mapping[str, Any], condition: str) -> set[str]:
    return {i for i, r in template["Resources"].items() if r.get("Condition") == condition}


def retained(template: Mapping[str, Any]) -> set[str]:
    return {i for i, r in template["Resources"].items() if r.get("DeletionPolicy") == "Retain"}
