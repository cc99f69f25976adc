"""The one way a pydantic validation error becomes a message: its first error, naming the field."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError


@dataclass(frozen=True)
class FieldError:
    field: str  # the dotted location; the ``root`` given to ``first_error`` when there is none
    message: str
    input: object
    count: int  # errors in all


def first_error(exc: ValidationError, root: str = "(root)") -> FieldError:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or root
    return FieldError(field, first["msg"], first.get("input"), exc.error_count())
