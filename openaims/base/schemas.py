"""Schema building blocks shared by every API: safe text, date-times, free-form JSON, problems, pages."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any

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

# PostgreSQL refuses time-zone offsets beyond ±15:59 (DataError); Python allows up to ±23:59.
MAX_UTC_OFFSET = dt.timedelta(hours=15, minutes=59)


def _utc(value: dt.datetime) -> dt.datetime:
    """A date-time in UTC: naive values are read as UTC; offsets beyond ±15:59 and overflowing values are refused."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    offset = value.utcoffset() or dt.timedelta(0)
    if abs(offset) > MAX_UTC_OFFSET:
        raise ValueError("time-zone offset must be between -15:59 and +15:59")
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("is out of range once converted to UTC") from None


DateTime = Annotated[dt.datetime, AfterValidator(_utc)]
"""Every date-time the API reads (bodies and query strings): ISO 8601, stored in UTC."""

MAX_JSON_DEPTH = 20
MAX_JSON_BYTES = 64 * 1024


def _json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests more than ``limit`` lists and objects; iterative, so any depth is safe to check."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def json_limits(max_depth: int = MAX_JSON_DEPTH, max_bytes: int = MAX_JSON_BYTES) -> AfterValidator:
    """The validator that caps a JSON value's nesting and size (serialized, UTF-8), naming the limit it passed.

    Deep values would overflow the recursion of anything that walks them later (the trail's canonical JSON),
    and PostgreSQL's jsonb has no NaN or Infinity.
    """

    def check(value: Any) -> Any:
        if _json_depth_exceeds(value, max_depth):
            raise ValueError(f"must not nest lists and objects more than {max_depth} deep")
        try:
            size = len(json.dumps(value, allow_nan=False, ensure_ascii=False, default=str).encode("utf-8"))
        except ValueError:
            raise ValueError("must not contain NaN or Infinity") from None
        if size > max_bytes:
            raise ValueError(f"must be at most {max_bytes} bytes as JSON")
        return value

    return AfterValidator(check)


def json_value(max_depth: int = MAX_JSON_DEPTH, max_bytes: int = MAX_JSON_BYTES):
    """A free-form JSON value (object, list, text, number, boolean or null) with capped nesting and size."""
    return Annotated[Any, json_limits(max_depth, max_bytes)]


JsonValue = json_value()


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


def file_answer(description: str, content_types) -> dict:
    """``openapi_extra`` of an operation whose 200 answer is a file, in one of ``content_types``.

    The status is the number 200, so it merges into the answer ninja documents; the text "200" would make a
    second "200" key in the JSON document, which Swagger UI refuses ("duplicated mapping key").
    """
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"responses": {200: {"description": description, "content": {ctype: binary for ctype in content_types}}}}


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
