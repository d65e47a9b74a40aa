"""Content-addressed file storage for evidence: ``<AIMS_DATA_DIR>/evidence/ab/cd/<sha256>``.

A file is streamed into a temporary file in the storage root (the same file system as its final place)
while it is hashed and counted; past the size limit it is refused at once. The caller then checks its
type and either discards it or promotes it, which renames it atomically to the path its hash names.
Identical content is therefore stored once, whatever it was called and whoever uploaded it. Reading
re-hashes the file first, so damaged content is refused rather than served.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

from openaims.evidence.filetypes import SNIFF_BYTES

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
TEMP_PREFIX = ".upload-"
READ_CHUNK = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def max_upload_bytes() -> int:
    """The largest evidence file accepted: setting ``AIMS_EVIDENCE_MAX_BYTES``, else the environment variable
    of the same name, else 50 MB."""
    value = getattr(settings, "AIMS_EVIDENCE_MAX_BYTES", None)
    if value is None:
        value = os.environ.get("AIMS_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES)
    try:
        limit = int(value)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"AIMS_EVIDENCE_MAX_BYTES must be a whole number of bytes, not {value!r}") from exc
    if limit < 1:
        raise ImproperlyConfigured("AIMS_EVIDENCE_MAX_BYTES must be at least 1")
    return limit


def human_size(size: int) -> str:
    """``52428800`` → ``"50 MB"`` (binary multiples, as the limit is usually set)."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:g} {unit}" if unit == "bytes" else f"{size:.3g} {unit}"
        size /= 1024
    return f"{size} bytes"  # pragma: no cover


def too_large_message(limit: int) -> str:
    return f"The file is larger than the limit of {human_size(limit)} ({limit} bytes)."


class FileTooLarge(ValidationError):
    """The file is larger than ``AIMS_EVIDENCE_MAX_BYTES`` (HTTP 413)."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__({"file": [too_large_message(limit)]})


class StoredFileProblem(Exception):
    """The stored file of an evidence item is missing or its content no longer matches its SHA-256."""


def root() -> Path:
    """The storage root, read at call time so that tests and ``aims`` commands see the current setting."""
    return Path(settings.AIMS_DATA_DIR) / "evidence"


def blob_path(sha256: str) -> Path:
    """Where content with this hash lives. Only a well-formed hash ever becomes a path."""
    if not _SHA256.match(sha256 or ""):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return root() / sha256[:2] / sha256[2:4] / sha256


@dataclass
class StagedFile:
    """A received file in its temporary place: hashed, counted, its first bytes kept for type checks."""

    path: Path
    sha256: str
    size: int
    head: bytes = field(repr=False)

    def discard(self) -> None:
        """Remove the temporary file (idempotent)."""
        self.path.unlink(missing_ok=True)

    def promote(self) -> bool:
        """Move the file to the place its hash names (atomic rename); True if that content was not stored yet.

        An existing file of the same hash is replaced by this copy, which also repairs a damaged one.
        """
        final = blob_path(self.sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        existed = final.exists()
        os.chmod(self.path, 0o640)
        os.replace(self.path, final)
        return not existed


def stage(chunks: Iterable[bytes], *, max_bytes: int) -> StagedFile:
    """Write ``chunks`` to a temporary file in the storage root while hashing them.

    Raises :class:`FileTooLarge` as soon as more than ``max_bytes`` arrived; nothing is left behind then,
    nor on any other error.
    """
    directory = root()
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    head = bytearray()
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise FileTooLarge(max_bytes)
                digest.update(chunk)
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StagedFile(path=path, sha256=digest.hexdigest(), size=size, head=bytes(head))


def read_chunks(handle: BinaryIO, chunk_size: int = READ_CHUNK) -> Iterable[bytes]:
    """The content of an open file (or a Django ``UploadedFile``) in chunks."""
    chunks = getattr(handle, "chunks", None)
    if callable(chunks):
        yield from chunks(chunk_size)
        return
    while chunk := handle.read(chunk_size):
        yield chunk


def open_verified(sha256: str) -> BinaryIO:
    """Open the stored file after checking that its content still has this hash; positioned at the start.

    The same open file is hashed and then served, so a rename in between cannot swap the content.
    Raises :class:`StoredFileProblem` if the file is missing or damaged.
    """
    try:
        handle = open(blob_path(sha256), "rb")  # noqa: SIM115 - the caller (a FileResponse) closes it
    except (FileNotFoundError, ValueError) as exc:
        raise StoredFileProblem("The stored file is missing.") from exc
    try:
        digest = hashlib.sha256()
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
        if digest.hexdigest() != sha256:
            raise StoredFileProblem("The stored file is damaged: its content no longer matches its SHA-256.")
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return handle


def check(sha256: str) -> str | None:
    """What is wrong with the stored file of this hash, or None if it is intact."""
    try:
        open_verified(sha256).close()
    except StoredFileProblem as exc:
        return str(exc)
    return None


def remove(sha256: str) -> None:
    """Delete a stored file. Its directories stay: a concurrent upload may be about to rename into them."""
    blob_path(sha256).unlink(missing_ok=True)


def stored_hashes() -> Iterable[str]:
    """Every hash with a file in the storage (temporary files excluded)."""
    base = root()
    if not base.is_dir():
        return
    for path in base.glob("??/??/*"):
        if _SHA256.match(path.name) and path.is_file():
            yield path.name
