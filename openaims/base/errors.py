"""Errors that services raise; UI, API and CLI each turn them into their own answer."""

from http import HTTPStatus

from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError

__all__ = [
    "DATABASE_RETRY_SECONDS",
    "NotFound",
    "PermissionDenied",
    "ValidationError",
    "database_unavailable",
    "field_errors",
    "problem_body",
]

# How long a client should wait before retrying when the database is unavailable (503, Retry-After).
DATABASE_RETRY_SECONDS = 30  # as the pages' 503 (openaims.web.views.server_error)


class NotFound(Exception):
    """The record does not exist in the actor's organization (404, never 403)."""


class PermissionDenied(Exception):
    """The actor's role does not allow the operation (403)."""


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    """Flatten a Django ValidationError into ``[{"field": ..., "message": ...}]``."""
    if hasattr(error, "error_dict"):
        out = []
        for name, errors in error.message_dict.items():
            for message in errors:
                out.append({"field": "" if name == "__all__" else name, "message": message})
        return out
    return [{"field": "", "message": m} for m in error.messages]


def problem_body(status: int, detail: str, errors: list[dict] | None = None) -> dict:
    """The API's JSON problem (after RFC 9457): status, title, detail and the per-field errors."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:  # a status code outside the standard ones
        title = "Error"
    return {"status": status, "title": title, "detail": detail, "errors": errors or []}


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database cannot be reached (connection refused, lost, shut down, locked)."""
    return isinstance(exc, OperationalError | InterfaceError)
