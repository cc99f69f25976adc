"""``ecoguard policy validate FILE`` and ``ecoguard policy show``: a policy override file's every invalid field,
with its line, and the effective policy (the bundled defaults merged with the overrides)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ecoguard.policy import Policy, build_policy, bundled_policy_text, merge, parse_document
from ecoguard_cli.errors import USAGE, UserError


@dataclass(frozen=True)
class FieldProblem:
    line: int
    field: str
    message: str
    value: Any

    def text(self, source: str) -> str:
        return f"{source}:{self.line}: {self.field}: {self.message} (value: {self.value!r})"


def read_policy_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UserError(f"no policy file {path}: give the path of a YAML or JSON policy override", USAGE) from exc
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the policy file {path}: {exc.__class__.__name__}", USAGE) from exc


def line_of(root: yaml.Node | None, location: Sequence[str | int]) -> int:
    """The 1-based line of the deepest node of ``location`` present in the document (line 1 if none)."""
    node, line = root, 1
    for part in location:
        if node is None:
            break
        line = node.start_mark.line + 1
        node = child(node, part)
    return node.start_mark.line + 1 if node is not None else line


def child(node: yaml.Node, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((value for key, value in node.value if key.value == str(part)), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item: yaml.Node = node.value[part]
        return item
    return None


def problems(text: str, source: str) -> list[FieldProblem]:
    """Every invalid field of the override ``text`` once merged over the bundled policy (none: it is valid).

    A document that is not YAML, or not a mapping, raises ``PolicyError`` (its message names the line)."""
    override = parse_document(text, source)
    document = merge(parse_document(bundled_policy_text(), "bundled default"), override)
    try:
        Policy.model_validate(document)
    except ValidationError as exc:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        return [
            FieldProblem(
                line_of(root, error["loc"]),
                ".".join(str(part) for part in error["loc"]) or "(document)",
                error["msg"],
                error.get("input"),
            )
            for error in exc.errors()
        ]
    return []


def effective_policy_yaml(override_text: str | None, source: str, log_retention_days: int | None = None) -> str:
    policy = build_policy(override_text=override_text, override_source=source, log_retention_days=log_retention_days)
    return yaml.safe_dump(policy.model_dump(mode="json"), sort_keys=False)
