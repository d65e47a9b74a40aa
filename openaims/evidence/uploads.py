"""Enforcing the evidence size limit while a multipart request is still arriving.

Django's own handlers keep a file in memory up to ``FILE_UPLOAD_MAX_MEMORY_SIZE`` and spill the rest to a
temporary file, with no upper bound. :class:`UploadLimitHandler` goes first and stops a file as soon as it
passes ``AIMS_EVIDENCE_MAX_BYTES``, so an oversized upload is never written out in full anywhere.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from ninja.errors import HttpError

from openaims.evidence.storage import max_upload_bytes, too_large_message

# Room for the other form fields and the multipart framing when judging a request by its Content-Length.
_FRAMING_ALLOWANCE = 1024 * 1024


class UploadLimitHandler(FileUploadHandler):
    """Refuse any file part larger than ``max_bytes`` while it streams in.

    With ``raise_error`` (the API) the request fails at once with HTTP 413; without it (the web form) the
    file is skipped, the other fields are still read, and ``exceeded`` tells the view to say why.
    """

    def __init__(self, request=None, *, max_bytes: int, raise_error: bool):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.raise_error = raise_error
        self.exceeded = False

    def _refuse(self):
        self.exceeded = True
        if self.raise_error:
            raise HttpError(413, too_large_message(self.max_bytes))
        raise SkipFile()

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # A body far larger than any acceptable file plus form fields is refused before it is read.
        room = self.max_bytes + settings.DATA_UPLOAD_MAX_MEMORY_SIZE + _FRAMING_ALLOWANCE
        if self.raise_error and content_length and content_length > room:
            self._refuse()
        return None

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_bytes:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None


def install_upload_limit(request, *, raise_error: bool) -> UploadLimitHandler:
    """Put the limit first among the request's upload handlers; call before ``request.POST``/``FILES``."""
    handler = UploadLimitHandler(request, max_bytes=max_upload_bytes(), raise_error=raise_error)
    request.upload_handlers.insert(0, handler)
    return handler


def limit_api_upload(run):
    """A ``ninja.decorators.decorate_view`` decorator: the size limit before ninja reads the multipart body."""

    @functools.wraps(run)
    def wrapper(request, *args, **kwargs):
        install_upload_limit(request, raise_error=True)
        return run(request, *args, **kwargs)

    return wrapper
