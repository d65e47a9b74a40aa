"""Schema building blocks shared by every API: safe text, problems, pages."""

from __future__ import annotations

import re
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, StringConstraints, create_model

# NUL and other control characters (bar tab and newlines) and lone surrogates are refused:
# PostgreSQL rejects NUL in text, and none of them belongs in a governance record.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _clean_text(value: str) -> str:
    if _FORBIDDEN.search(value):
        raise ValueError("must not contain NUL or other control characters")
    return value


def text(max_length: int = 10000, min_length: int = 0):
    """A string type with a length limit that refuses control characters."""
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length), AfterValidator(_clean_text)]


Name = text(200, 1)
ShortText = text(300)
LongText = text(20000)
Tag = text(50, 1)


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """An error answer (after RFC 9457 problem details): what went wrong and, per field, why."""

    status: int
    title: str
    detail: str
    errors: list[FieldError] = []


READ_ERRORS = {401: Problem, 403: Problem, 404: Problem, 422: Problem}
WRITE_ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 413: Problem, 422: Problem}


def page_schema(item: type[Schema]) -> type[Schema]:
    """The schema of one page of ``item``: count, limit, offset, items."""
    return create_model(
        f"{item.__name__.removesuffix('Out')}Page",
        __base__=Schema,
        count=(int, ...),
        limit=(int, ...),
        offset=(int, ...),
        items=(list[item], ...),
    )


class TrailEventOut(Schema):
    """One trail event as the API shows it."""

    id: str
    sequence: int
    timestamp: str
    request_id: str
    actor_type: str
    actor_id: str
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    changes: dict
    hash: str
    prev_hash: str

    @staticmethod
    def resolve_id(obj) -> str:
        return str(obj.id)

    @staticmethod
    def resolve_timestamp(obj) -> str:
        return obj.timestamp.isoformat()

    @staticmethod
    def resolve_changes(obj) -> dict:
        return obj.changes_dict
