"""The policy's field reference in docs/POLICY.md, generated from the models.

docs/POLICY.md is hand-written prose with one block per section of the policy::

    <!-- policy-reference storage_lifecycle -->
    (generated: heading, the section model's docstring, its field table)
    <!-- /policy-reference -->

``render`` regenerates every block and leaves the prose alone. The block ``policy`` holds the
top-level fields. Each table row comes from one field: its ``description``, its default, and what
its JSON schema allows. Not loaded by any handler.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from ecoguard.policy.document import Policy

ROOT_BLOCK = "policy"
BLOCK = re.compile(r"(<!-- policy-reference (\w+) -->\n).*?(<!-- /policy-reference -->)", re.DOTALL)
# PyYAML closes a document that is a lone scalar with this marker.
_SCALAR_DOCUMENT_END = "\n...\n"
_HEADER = "| field | default | allowed | meaning |\n|---|---|---|---|"


@dataclass(frozen=True)
class FieldRow:
    path: str
    default: str
    allowed: str
    meaning: str

    def markdown(self) -> str:
        cells = (f"`{self.path}`", self.default, self.allowed, self.meaning)
        return "| " + " | ".join(cell.replace("|", r"\|") for cell in cells) + " |"


def block_names() -> tuple[str, ...]:
    """Every block docs/POLICY.md must hold: the top level, then one per section."""
    return (ROOT_BLOCK, *(name for name, info in Policy.model_fields.items() if _model_of(info) is not None))


def render(document: str) -> str:
    """``document`` with every policy-reference block regenerated from the models."""
    found: list[str] = []

    def fill(match: re.Match[str]) -> str:
        found.append(match.group(2))
        return match.group(1) + block(match.group(2)) + match.group(3)

    rendered = BLOCK.sub(fill, document)
    if sorted(found) != sorted(block_names()):
        raise ValueError(f"policy-reference blocks are {found}; expected each of {list(block_names())} once")
    return rendered


def block(name: str) -> str:
    """The generated markdown of one block: the top-level table, or a section's heading, docstring and table."""
    if name == ROOT_BLOCK:
        return table(field_rows(Policy, nested=False))
    info = Policy.model_fields.get(name)
    model = _model_of(info) if info is not None else None
    if model is None:
        raise ValueError(f"{name!r} is not a section of the policy")
    return "\n".join([f"### `{name}`", "", *_docstring(model), table(field_rows(model, f"{name}."))])


def table(rows: Sequence[FieldRow]) -> str:
    return "\n".join([_HEADER, *(row.markdown() for row in rows)]) + "\n"


def field_rows(model: type[BaseModel], prefix: str = "", *, nested: bool = True) -> list[FieldRow]:
    """One row per field of ``model``, then (if ``nested``) the rows of the models it holds.

    Fields of a model held in a list are named ``list[].field``.
    """
    properties = model.model_json_schema()["properties"]
    rows: list[FieldRow] = []
    for name, info in model.model_fields.items():
        path = prefix + name
        held = _model_of(info)
        if not info.description:
            raise ValueError(f"{path} has no description")
        rows.append(FieldRow(path, _default(info, held), allowed(properties[name]), info.description))
        if nested and held is not None:
            rows.extend(field_rows(held, f"{path}[]." if _is_list(info) else f"{path}."))
    return rows


def allowed(schema: Mapping[str, Any]) -> str:
    """What a JSON schema allows, in words (``anyOf`` with null, const, enum, bounds, patterns, items)."""
    if "anyOf" in schema:
        options = [option for option in schema["anyOf"] if option.get("type") != "null"]
        words = " or ".join(allowed(option) for option in options)
        return f"{words}, or `null`" if len(options) < len(schema["anyOf"]) else words
    if "$ref" in schema:
        return "mapping (fields below)"
    if "const" in schema:
        return _code(schema["const"])
    if "enum" in schema:
        return _one_of([_code(value) for value in schema["enum"]])
    kind = schema.get("type")
    if kind == "boolean":
        return "`true` or `false`"
    if kind in ("integer", "number"):
        return ", ".join([str(kind), *_bounds(schema)])
    if kind == "string":
        return "string" + _string_constraints(schema)
    if kind == "array":
        items = schema.get("items", {})
        if "$ref" in items:
            return "list of mappings (fields below)"
        return "list of " + _plural(items)
    if kind == "object":
        return _mapping(schema)
    raise ValueError(f"no wording for the JSON schema {dict(schema)}")


def _mapping(schema: Mapping[str, Any]) -> str:
    parts = ["mapping"]
    if "minProperties" in schema:
        least = schema["minProperties"]
        parts.append(f"at least {least} {'entry' if least == 1 else 'entries'}")
    if "propertyNames" in schema:
        parts.append("keys: " + _plural({"type": "string", **schema["propertyNames"]}))
    for pattern in schema.get("patternProperties", {}):
        parts.append(f"keys: strings matching `{pattern}`")
    values = schema.get("additionalProperties") or next(iter(schema.get("patternProperties", {}).values()), None)
    if isinstance(values, Mapping):
        parts.append("values: " + _plural(values))
    return "; ".join(parts)


def _plural(schema: Mapping[str, Any]) -> str:
    """What the items of a list, or the keys or values of a mapping, may be."""
    if schema.get("type") == "string" and "enum" not in schema:
        return "strings" + _string_constraints(schema)
    return allowed(schema)


def _bounds(schema: Mapping[str, Any]) -> Iterator[str]:
    if "minimum" in schema and "maximum" in schema:
        yield f"{schema['minimum']} to {schema['maximum']}"
        return
    if "minimum" in schema:
        yield f"at least {schema['minimum']}"
    if "exclusiveMinimum" in schema:
        yield f"above {schema['exclusiveMinimum']}"
    if "maximum" in schema:
        yield f"at most {schema['maximum']}"
    if "exclusiveMaximum" in schema:
        yield f"below {schema['exclusiveMaximum']}"


def _string_constraints(schema: Mapping[str, Any]) -> str:
    words = ""
    shortest, longest = schema.get("minLength"), schema.get("maxLength")
    if shortest is not None and longest is not None:
        words += f" of {shortest} to {longest} characters"
    elif longest is not None:
        words += f" of at most {longest} characters"
    elif shortest is not None:
        words += f" of at least {shortest} characters"
    if "pattern" in schema:
        words += f" matching `{schema['pattern']}`"
    return words


def _default(info: FieldInfo, held: type[BaseModel] | None) -> str:
    if info.is_required():
        return "required"
    if held is not None and not _is_list(info):
        return ""  # a mapping: its fields' rows give the defaults
    return _code(to_jsonable_python(info.get_default(call_default_factory=True)))


def _code(value: Any) -> str:
    """``value`` as it is written in the policy's YAML, in a code span."""
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=2**16)
    return f"`{text.removesuffix(_SCALAR_DOCUMENT_END).strip()}`"


def _one_of(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _model_of(info: FieldInfo) -> type[BaseModel] | None:
    """The model a field holds, alone or as the items of a tuple."""
    annotation = info.annotation
    if get_origin(annotation) is tuple:
        annotation = get_args(annotation)[0]
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _is_list(info: FieldInfo) -> bool:
    return get_origin(info.annotation) is tuple


def _docstring(model: type[BaseModel]) -> list[str]:
    """The section model's docstring as markdown: its prose, then its ``Example::`` as a YAML block."""
    if not model.__doc__:
        raise ValueError(f"{model.__name__} has no docstring")
    prose, _, example = inspect.cleandoc(model.__doc__).partition("Example::")
    lines = [re.sub(r"``([^`]+)``", r"`\1`", prose.strip()), ""]
    if example.strip():
        lines += ["```yaml", textwrap.dedent(example.strip("\n")).rstrip(), "```", ""]
    return lines
