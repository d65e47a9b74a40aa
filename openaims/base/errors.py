"""Errors that services raise; UI, API and CLI each turn them into their own answer."""

from django.core.exceptions import ValidationError

__all__ = ["NotFound", "PermissionDenied", "ValidationError", "field_errors"]


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
