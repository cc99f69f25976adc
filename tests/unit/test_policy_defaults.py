"""policies/default.yaml (what runs) and the models' defaults (what the reference documents) agree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecoguard.policy import Policy, bundled_policy_text, merge, parse_document


def _leaves(value: Any, path: str = "") -> dict[str, Any]:
    """Every field of a policy document by its dotted path; lists are values, not walked into."""
    if isinstance(value, Mapping) and value:
        found: dict[str, Any] = {}
        for key, item in value.items():
            found.update(_leaves(item, f"{path}{key}."))
        return found
    return {path.removesuffix("."): value}


def _model_defaults() -> dict[str, Any]:
    return _leaves(Policy.model_validate({"version": 1}).model_dump(mode="json"))


def _differing_from_defaults(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    validated = _leaves(Policy.model_validate(document).model_dump(mode="json"))
    return {
        field: {"default.yaml": validated[field], "model": default}
        for field, default in _model_defaults().items()
        if validated[field] != default
    }


def _bundled() -> dict[str, Any]:
    return parse_document(bundled_policy_text(), "bundled default")


def test_given_the_bundled_default_yaml_when_validated_then_every_field_is_the_models_default() -> None:
    assert _differing_from_defaults(_bundled()) == {}
    assert Policy.model_validate(_bundled()) == Policy.model_validate({"version": 1})


def test_given_the_bundled_default_yaml_then_it_spells_out_every_field() -> None:
    assert sorted(set(_model_defaults()) - set(_leaves(_bundled()))) == []


def test_given_a_default_yaml_that_strays_from_a_default_then_the_field_is_named() -> None:
    strayed = merge(_bundled(), {"training_guard": {"window_minutes": 30}})
    assert _differing_from_defaults(strayed) == {"training_guard.window_minutes": {"default.yaml": 30, "model": 60}}
