"""CloudFormation's parameter constraints, checked as CloudFormation checks them before a stack operation.

LocalStack does not enforce them (README, "What the deploy smoke test proves"), so the template tests use
this instead: ``violations(spec, value)`` reads a parameter's own declaration (Type, AllowedValues,
AllowedPattern, MinLength, MaxLength, MinValue, MaxValue) and says what a value breaks.
AllowedPattern must match the whole value, as in CloudFormation (its patterns are Java regular
expressions; the ones ecoguard uses mean the same in Python's ``re``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

CONSTRAINTS = ("AllowedValues", "AllowedPattern", "MinLength", "MaxLength", "MinValue", "MaxValue")


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def violations(spec: Mapping[str, Any], value: str) -> list[str]:
    """What ``value`` breaks among the constraints ``spec`` (one entry of a template's Parameters) declares."""
    problems: list[str] = []
    kind = spec.get("Type", "String")
    if kind == "Number":
        number = _number(value)
        if number is None:
            return [f"{value!r} is not a number"]
        if "MinValue" in spec and number < float(spec["MinValue"]):
            problems.append(f"{value} is below MinValue {spec['MinValue']}")
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            problems.append(f"{value} is above MaxValue {spec['MaxValue']}")
        allowed_numbers = [float(v) for v in spec.get("AllowedValues", [])]
        if allowed_numbers and number not in allowed_numbers:
            problems.append(f"{value} is not one of AllowedValues")
        return problems
    allowed = [str(v) for v in spec.get("AllowedValues", [])]
    if allowed and value not in allowed:
        problems.append(f"{value!r} is not one of {allowed}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and re.fullmatch(pattern, value) is None:
        problems.append(f"{value!r} does not match AllowedPattern {pattern}")
    if "MinLength" in spec and len(value) < int(spec["MinLength"]):
        problems.append(f"{len(value)} characters, under MinLength {spec['MinLength']}")
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        problems.append(f"{len(value)} characters, over MaxLength {spec['MaxLength']}")
    return problems


def validate(template: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, list[str]]:
    """Every problem CloudFormation would refuse ``values`` for: unknown names, missing values, constraints."""
    parameters: Mapping[str, Any] = template.get("Parameters", {})
    problems: dict[str, list[str]] = {}
    for name in values:
        if name not in parameters:
            problems[name] = ["not a parameter of the template"]
    for name, spec in parameters.items():
        if name in values:
            found = violations(spec, values[name])
        elif "Default" in spec:
            found = violations(spec, str(spec["Default"]))
        else:
            found = ["no value and no Default"]
        if found:
            problems[name] = found
    return problems


def constrained(template: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {n: s for n, s in template.get("Parameters", {}).items() if any(c in s for c in CONSTRAINTS)}
