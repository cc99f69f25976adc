"""docs/POLICY.md's field tables are generated from the policy models, which describe every field."""

from __future__ import annotations

from typing import Any

import pytest

from ecoguard.policy import Policy
from ecoguard.policy.reference import ROOT_BLOCK, block_names, render
from tools.policy_docs import POLICY_DOC


def test_given_the_policy_models_when_the_reference_is_rendered_then_docs_policy_md_is_already_current() -> None:
    document = POLICY_DOC.read_text(encoding="utf-8")
    assert render(document) == document, "run `make docs`"


def test_given_a_hand_edited_row_when_rendered_then_the_models_row_replaces_it() -> None:
    document = POLICY_DOC.read_text(encoding="utf-8")
    row = "| `audit.ttl_days` | `400` |"
    assert row in document
    assert render(document.replace(row, "| `audit.ttl_days` | `365` |")) == document


@pytest.mark.parametrize("section", [name for name in block_names() if name != ROOT_BLOCK])
def test_given_a_document_without_a_sections_block_when_rendered_then_it_is_refused(section: str) -> None:
    document = POLICY_DOC.read_text(encoding="utf-8").replace(f"<!-- policy-reference {section} -->\n", "", 1)
    with pytest.raises(ValueError, match=section):
        render(document)


def test_given_a_block_naming_no_section_when_rendered_then_it_is_refused() -> None:
    document = (
        POLICY_DOC.read_text(encoding="utf-8") + "<!-- policy-reference surprise -->\n<!-- /policy-reference -->\n"
    )
    with pytest.raises(ValueError, match="'surprise' is not a section"):
        render(document)


def _models(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {"Policy": schema, **schema["$defs"]}


def test_given_every_policy_model_then_every_field_has_a_description() -> None:
    undescribed = [
        f"{model}.{field}"
        for model, definition in _models(Policy.model_json_schema()).items()
        for field, prop in definition["properties"].items()
        if not str(prop.get("description", "")).strip()
    ]
    assert undescribed == []


def test_given_every_policy_section_then_its_model_has_a_docstring_for_the_reference() -> None:
    sections = {name: info.annotation for name, info in Policy.model_fields.items() if name != "version"}
    assert set(sections) == set(block_names()) - {ROOT_BLOCK}
    undocumented = [name for name, model in sections.items() if not (model and (model.__doc__ or "").strip())]
    assert undocumented == []
