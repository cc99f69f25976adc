"""Every relative link of README.md and docs/ leads somewhere (issue 30): the file exists and, for a
``#fragment``, the target has a heading with that anchor, as GitHub derives anchors from headings."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~)")


def prose(text: str) -> list[str]:
    """The lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation but ``-`` and ``_`` dropped, spaces to ``-``."""
    text = re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    seen: Counter[str] = Counter()
    found = set()
    for line in prose(path.read_text(encoding="utf-8")):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*$", line)
        if heading:
            base = slug(heading.group(1))
            found.add(base if seen[base] == 0 else f"{base}-{seen[base]}")
            seen[base] += 1
    return frozenset(found)


def links() -> list[tuple[str, str]]:
    return [
        (str(doc.relative_to(ROOT)), target)
        for doc in DOCUMENTS
        for line in prose(doc.read_text(encoding="utf-8"))
        for target in LINK.findall(re.sub(r"`[^`]*`", "", line))  # code spans hold no links
        if not re.match(r"^[a-z]+:", target)
    ]


def test_given_github_anchors_then_the_slug_drops_punctuation_and_joins_words() -> None:
    assert slug("Storage lifecycle (`StorageLifecycleFunction`)") == "storage-lifecycle-storagelifecyclefunction"
    assert slug("From dry-run to enforce") == "from-dry-run-to-enforce"


def test_given_the_docs_then_they_have_relative_links_to_check() -> None:
    assert len(links()) > 20


@pytest.mark.parametrize(("document", "target"), links(), ids=str)
def test_given_a_relative_link_then_its_file_and_anchor_exist(document: str, target: str) -> None:
    path_part, _, fragment = target.partition("#")
    source = ROOT / document
    destination = (source.parent / path_part).resolve() if path_part else source
    assert destination.exists(), f"{document} links to {target}: no such file"
    if fragment and destination.suffix == ".md":
        assert fragment in anchors(destination), f"{document} links to {target}: no heading with that anchor"
