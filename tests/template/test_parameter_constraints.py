"""Parameter constraints (AllowedValues, AllowedPattern, MinLength, MaxLength, MinValue, MaxValue), which
LocalStack does not enforce, so the deploy smoke test cannot: each template's defaults and the values its
documentation shows satisfy them, and values that break them are refused by a validator that reads the
template's own constraints (tools/cfn_parameters.py)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tools.cfn_parameters import constrained, validate, violations
from tools.simulator.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = {
    "template.yaml": load_template(ROOT / "template.yaml"),
    "org/management.yaml": load_template(ROOT / "org" / "management.yaml"),
}
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "samconfig.toml"]

# Values each constrained parameter must refuse. Every constrained parameter has some (a test checks).
INVALID: dict[str, list[str]] = {
    "Mode": ["enforced", "DRY-RUN", ""],
    "LogRetentionDays": ["31", "0", "thirty", "-30"],
    "DestructiveFloorDays": ["0", "3654", "thirty"],
    "TrainingRolePath": ["", "service-role/", "/a b/", "/x"],
    "EndpointRolePath": ["", "service-role/", "/a b/", "/x"],
    "CentralBusArn": [
        "arn:aws:sqs:us-east-1:123456789012:ecoguard",
        "arn:aws:events:us-east-1:12345:event-bus/central",
        "arn:aws:events:us-east-1:123456789012:rule/central",
        " arn:aws:events:us-east-1:123456789012:event-bus/central",
    ],
    "PolicyOverrides": ["x" * 4097],
    "OrganizationId": ["o-abc", "o-ABCDEFGHIJ", "r-abcdefghij", ""],
    "MemberTemplateURL": ["http://bucket.s3.amazonaws.com/member.yaml", "s3://bucket/member.yaml", "https://"],
    "StackSetName": ["1ecoguard", "ecoguard_member", "e" * 129, ""],
    "FailureTolerancePercentage": ["-1", "101", "ten"],
    "MaxConcurrentPercentage": ["0", "101"],
    "RegionConcurrencyType": ["parallel", "CONCURRENT"],
}


def declaring(name: str) -> tuple[str, dict[str, Any]]:
    for template_name, template in TEMPLATES.items():
        if name in template.get("Parameters", {}):
            return template_name, template["Parameters"][name]
    raise KeyError(name)


def documented_values() -> list[tuple[str, str, str]]:
    """(document, parameter, value) for every ``Name=value`` the documentation and samconfig.toml show."""
    names = sorted({n for t in TEMPLATES.values() for n in t.get("Parameters", {})}, key=len, reverse=True)
    assignment = re.compile(rf"\b({'|'.join(names)})=(\\?\"[^\"\\]*\\?\"|[^\s`\"'\\,]+(?:,[^\s`\"'\\]+)*)")
    found = []
    for document in DOCUMENTS:
        for name, raw in assignment.findall(document.read_text()):
            found.append((document.name, name, raw.replace('\\"', "").strip('"')))
    return found


@pytest.mark.parametrize("template_name", sorted(TEMPLATES))
def test_given_the_defaults_when_validated_then_every_parameter_with_a_default_passes(template_name: str) -> None:
    template = TEMPLATES[template_name]
    defaults = {n: str(s["Default"]) for n, s in template["Parameters"].items() if "Default" in s}
    problems = {n: p for n, p in validate(template, defaults).items() if n in defaults}
    assert not problems, problems


def test_given_samconfig_overrides_when_validated_then_they_pass() -> None:
    overrides = tomllib.loads((ROOT / "samconfig.toml").read_text())["default"]["deploy"]["parameters"][
        "parameter_overrides"
    ]
    values = dict(re.findall(r'(\w+)="([^"]*)"', overrides))
    assert values, overrides
    assert validate(TEMPLATES["template.yaml"], values) == {}


def test_given_the_documented_examples_when_validated_then_each_passes() -> None:
    examples = documented_values()
    assert len(examples) >= 5, examples
    failures = []
    for document, name, value in examples:
        _, spec = declaring(name)
        failures += [f"{document}: {name}={value}: {p}" for p in violations(spec, value)]
    assert not failures, failures


def test_every_constrained_parameter_has_invalid_values_to_refuse() -> None:
    names = {n for t in TEMPLATES.values() for n in constrained(t)}
    assert names == set(INVALID)


@pytest.mark.parametrize(
    ("name", "value"), [(n, v) for n, values in sorted(INVALID.items()) for v in values], ids=lambda x: str(x)[:40]
)
def test_given_a_value_breaking_a_constraint_when_validated_then_it_is_refused(name: str, value: str) -> None:
    template_name, spec = declaring(name)
    assert violations(spec, value), f"{template_name}: {name}={value!r} accepted"
    assert name in validate(TEMPLATES[template_name], {name: value})


def test_the_validator_matches_the_whole_value_and_refuses_unknown_or_missing_parameters() -> None:
    spec = {"Type": "String", "AllowedPattern": "[a-z]+"}
    assert violations(spec, "abc") == []
    assert violations(spec, "abc1")  # a partial match is not a match
    template = {"Parameters": {"Required": {"Type": "String"}}}
    assert validate(template, {}) == {"Required": ["no value and no Default"]}
    assert validate(template, {"Required": "x", "Other": "y"}) == {"Other": ["not a parameter of the template"]}
    assert violations({"Type": "Number", "MinValue": 1, "MaxValue": 3}, "2") == []
