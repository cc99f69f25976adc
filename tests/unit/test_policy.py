from __future__ import annotations

import json

import pytest

from ecoguard.policy import RETENTION_DAYS, Policy, PolicyError, build_policy, merge


def test_given_the_bundled_policy_when_loaded_then_it_governs_sagemaker_and_lambda_for_30_days() -> None:
    policy = build_policy()
    assert policy.log_retention.prefixes == ("/aws/sagemaker/", "/aws/lambda/")
    assert policy.log_retention.default_days == 30
    assert policy.log_retention.max_days is None


def test_given_the_stack_parameter_when_loaded_then_it_replaces_the_default_days() -> None:
    assert build_policy(log_retention_days=90).log_retention.default_days == 90


def test_given_an_ssm_override_when_loaded_then_it_wins_over_the_stack_parameter_key_by_key() -> None:
    policy = build_policy(override_text="log_retention:\n  max_days: 365\n  default_days: 60\n", log_retention_days=90)
    assert (policy.log_retention.default_days, policy.log_retention.max_days) == (60, 365)
    assert policy.log_retention.prefixes == ("/aws/sagemaker/", "/aws/lambda/")


def test_given_a_json_override_when_loaded_then_it_is_accepted() -> None:
    assert build_policy(override_text=json.dumps({"log_retention": {"all_groups": True}})).log_retention.all_groups


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("log_retention: {default_days: 31}", "log_retention.default_days"),
        ("log_retention: {max_days: 10}", "log_retention.max_days"),
        ("log_retention: {defualt_days: 30}", "log_retention.defualt_days"),
        ("log_retention: {default_days: 365, max_days: 30}", "log_retention"),
        ("log_retention: {prefixes: []}", "log_retention"),
        ("audit: {ttl_days: 0}", "audit.ttl_days"),
        ("version: 2", "version"),
        ("surprise: true", "surprise"),
    ],
)
def test_given_an_invalid_policy_when_loaded_then_the_error_names_the_field(override: str, field: str) -> None:
    with pytest.raises(PolicyError, match=rf"invalid policy field {field}\b"):
        build_policy(override_text=override)


def test_given_a_stack_parameter_outside_the_allowed_set_when_loaded_then_it_is_rejected() -> None:
    with pytest.raises(PolicyError, match=r"log_retention\.default_days"):
        build_policy(log_retention_days=31)


@pytest.mark.parametrize("text", ["[1, 2]", "just a string", "log_retention: {default_days: [}"])
def test_given_a_document_that_is_not_a_mapping_when_loaded_then_it_is_rejected(text: str) -> None:
    with pytest.raises(PolicyError, match="override"):
        build_policy(override_text=text)


def test_given_an_empty_override_when_loaded_then_the_defaults_stand() -> None:
    assert build_policy(override_text="{}") == build_policy()


def test_merge_replaces_lists_and_merges_mappings() -> None:
    merged = merge({"a": {"b": 1, "c": [1]}, "d": 1}, {"a": {"c": [2]}, "e": 2})
    assert merged == {"a": {"b": 1, "c": [2]}, "d": 1, "e": 2}


def test_the_policy_schema_rejects_unknown_keys_everywhere() -> None:
    schema = Policy.model_json_schema()
    assert schema["additionalProperties"] is False
    assert all(d.get("additionalProperties") is False for d in schema["$defs"].values())


def test_retention_days_are_the_cloudwatch_logs_set() -> None:
    assert RETENTION_DAYS[0] == 1 and RETENTION_DAYS[-1] == 3653 and len(RETENTION_DAYS) == 22


def test_the_published_policy_schema_is_current() -> None:
    from tools.policy_schema import SCHEMA, policy_schema

    assert SCHEMA.read_text() == policy_schema(), "run `make docs`"
