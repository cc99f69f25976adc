"""docs/SECURITY.md and docs/RELIABILITY.md name the test (or rule) that proves each promise, and tests/README.md
the shim or fake that covers each simulator gap: every file and name they cite must exist."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

CITATION = re.compile(r"((?:tests|tools)/[\w/]+\.py)(?:::(\w+))?")
DOCS = ["docs/SECURITY.md", "docs/RELIABILITY.md", "tests/README.md"]


def citations() -> list[tuple[str, str, str | None]]:
    found = []
    for doc in DOCS:
        for path, name in CITATION.findall((ROOT / doc).read_text()):
            found.append((doc, path, name or None))
    return found


@pytest.mark.parametrize(("doc", "path", "name"), citations(), ids=str)
def test_every_test_a_document_cites_exists(doc: str, path: str, name: str | None) -> None:
    source = ROOT / path
    assert source.is_file(), f"{doc} cites {path}, which does not exist"
    if name is not None:
        assert re.search(rf"^(?:def |class )?{name}\b", source.read_text(), re.MULTILINE), f"{doc} cites {path}::{name}"
