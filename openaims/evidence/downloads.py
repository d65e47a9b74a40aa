"""Serving a stored evidence file: verified first, always as an attachment, never sniffed or rendered."""

from __future__ import annotations

import logging

from django.http import FileResponse

from openaims.evidence import storage
from openaims.evidence.models import Evidence

logger = logging.getLogger(__name__)

# The bytes are data, never a page: no sniffing, no scripts, no framing, even if a browser opened them.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


def file_response(evidence: Evidence) -> FileResponse:
    """The file of ``evidence`` as an attachment named by its (sanitized) original name.

    Raises :class:`storage.StoredFileProblem` if the stored content is missing or no longer matches its hash.
    """
    try:
        handle = storage.open_verified(evidence.file_sha256)
    except storage.StoredFileProblem as exc:
        logger.error("evidence %s: %s (sha256 %s)", evidence.pk, exc, evidence.file_sha256)
        raise
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.file_name or f"evidence-{evidence.pk}",
        content_type=evidence.content_type or "application/octet-stream",
    )
    for name, value in DOWNLOAD_HEADERS.items():
        response[name] = value
    return response
