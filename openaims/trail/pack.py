"""The pack format: a zip of files with a manifest, that :mod:`openaims.trail.verify` checks with no server.

A pack is a zip file holding:

``manifest.json``
    ``{"format": "openaims-pack", "version": 2, "files": [{"path", "sha256", "size", ...}, ...]}``: every other
    file of the zip, sorted by path, with the SHA-256 (hex) and size in bytes of its content, and optionally what it
    is (``title``), which record it comes from (``record``: ``{"type", "id", "reference"}``) and the clause or Annex
    A control it belongs to (``clause``, ``control``). Nothing else is in the zip. Written last (version 1 packs,
    trail only, had it first); the verifier reads both.
``trail/events.jsonl``
    The organization's trail events, one JSON object per line in sequence order, with :data:`EVENT_FIELDS`: the
    event's ``id``, every field its hash covers (:data:`~openaims.trail.HASHED_FIELDS`, the ``timestamp`` as
    :data:`~openaims.trail.TIMESTAMP_FORMAT` text, ``changes`` as the stored JSON text), ``prev_hash`` and ``hash``.
``trail/checkpoints.jsonl``
    That organization's checkpoint lines, byte for byte as in the checkpoints file (:mod:`.checkpoint`).
``trail/public-key.pem``
    The Ed25519 public key checkpoints are signed with now (SubjectPublicKeyInfo PEM).
``trail/public-keys.pem``
    Optional: the former keys too (after ``aims trail rotate-key``), one PEM block after the other; a checkpoint
    verifies with the key its ``key_id`` names.

An evidence pack (:mod:`openaims.audits.pack`) adds its documents and evidence files beside the trail.

The zip is deterministic: entries in the order written (sorted by path, the manifest last), every entry dated
1980-01-01 00:00 with mode 0644, so the same records give the same bytes. :class:`PackWriter` streams: each file is
hashed while it is written, so a file of any size passes through in 1 MiB chunks.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from typing import IO

from openaims.trail._chain import HASHED_FIELDS

FORMAT = "openaims-pack"
VERSION = 2
#: Manifest versions the verifier reads.
VERSIONS = (1, 2)
MANIFEST = "manifest.json"
EVENTS = "trail/events.jsonl"
CHECKPOINTS = "trail/checkpoints.jsonl"
PUBLIC_KEY = "trail/public-key.pem"
PUBLIC_KEYS = "trail/public-keys.pem"

#: The fields of a line of ``trail/events.jsonl``.
EVENT_FIELDS: tuple[str, ...] = ("id", *HASHED_FIELDS, "prev_hash", "hash")
#: What a path inside a pack may look like: ASCII segments starting with a letter or digit (no "..", no "/" first).
SAFE_PATH = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*")
MAX_PATH = 240

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1 << 20

Content = bytes | IO[bytes] | Iterable[bytes]


def event_line(values: Mapping[str, object]) -> bytes:
    """One line of ``trail/events.jsonl`` (with its newline), from the values of :data:`EVENT_FIELDS`."""
    return (
        json.dumps({f: values[f] for f in EVENT_FIELDS}, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        + b"\n"
    )


def check_path(path: str) -> str:
    """``path`` if it is a safe path inside a pack (:data:`SAFE_PATH`), else ``ValueError``."""
    if not isinstance(path, str) or len(path) > MAX_PATH or not SAFE_PATH.fullmatch(path) or path == MANIFEST:
        raise ValueError(f"not a pack path: {path!r}")
    return path


def _chunks(content: Content):
    if isinstance(content, bytes | bytearray):
        yield bytes(content)
        return
    if hasattr(content, "read"):
        content.seek(0)
        while chunk := content.read(_CHUNK):
            yield chunk
        return
    yield from content


def _size_of(content: Content) -> int | None:
    if isinstance(content, bytes | bytearray):
        return len(content)
    if hasattr(content, "seek"):
        content.seek(0, 2)
        size = content.tell()
        content.seek(0)
        return size
    return None


class PackWriter:
    """Writes a pack to ``out`` (a seekable binary file) one file at a time, hashing each while it is written.

    >>> with PackWriter(out) as pack:            # doctest: +SKIP
    ...     pack.add("soa/soa.pdf", pdf_bytes, title="Statement of Applicability")
    ...     pack.add("controls/A.2.2/evidence/x.pdf", open_file, size=size, control="A.2.2")

    Leaving the block writes ``manifest.json`` and closes the zip (after an error, the zip is closed unfinished).
    """

    def __init__(self, out: IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(out, "w", allowZip64=True)
        self._files: dict[str, dict] = {}
        self.bytes = 0

    def __enter__(self) -> PackWriter:
        return self

    def __exit__(self, exc_type, *_) -> None:
        if exc_type is None:
            self.finish()
        else:
            self._zip.close()

    def __contains__(self, path: str) -> bool:
        return path in self._files

    def add(self, path: str, content: Content, *, size: int | None = None, stored: bool = False, **meta) -> dict:
        """Write one file (bytes, a binary file, or chunks with their ``size``); return its manifest entry.

        ``stored``: keep the bytes uncompressed (content that is compressed already). ``meta``: ``title``,
        ``record``, ``clause``, ``control`` (empty values are left out of the manifest).
        """
        check_path(path)
        if path in self._files:
            raise ValueError(f"{path!r} is already in the pack")
        declared = size if size is not None else _size_of(content)
        if declared is None:
            raise ValueError(f"{path!r}: give the size of chunked content")
        info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        info.external_attr = 0o100644 << 16
        info.create_system = 3  # Unix, whatever machine wrote it
        info.file_size = declared  # known before writing: zip64 only when needed
        digest, length = hashlib.sha256(), 0
        with self._zip.open(info, "w") as entry:
            for chunk in _chunks(content):
                digest.update(chunk)
                length += len(chunk)
                entry.write(chunk)
        if length != declared:
            raise ValueError(f"{path!r}: {length} bytes written, {declared} expected (it changed while read)")
        entry_meta = {"path": path, "sha256": digest.hexdigest(), "size": length}
        entry_meta.update({k: v for k, v in meta.items() if v not in (None, "", [], {})})
        self._files[path] = entry_meta
        self.bytes += length
        return entry_meta

    @property
    def files(self) -> list[dict]:
        """The manifest entries written so far, sorted by path."""
        return [self._files[p] for p in sorted(self._files)]

    def finish(self) -> bytes:
        """Write ``manifest.json`` (every file, sorted by path) and close the zip; return the manifest."""
        listing = manifest_bytes(self.files)
        info = zipfile.ZipInfo(MANIFEST, date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o100644 << 16
        info.create_system = 3
        self._zip.writestr(info, listing)
        self._zip.close()
        return listing


def manifest_bytes(files: list[dict]) -> bytes:
    """``manifest.json`` listing ``files`` (their manifest entries)."""
    data = {"format": FORMAT, "version": VERSION, "files": sorted(files, key=lambda f: f["path"])}
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def manifest(parts: Mapping[str, Content]) -> bytes:
    """``manifest.json`` for ``parts`` (path -> content as bytes or a seekable binary file)."""
    files = []
    for path in sorted(parts):
        digest, size = hashlib.sha256(), 0
        for chunk in _chunks(parts[path]):
            digest.update(chunk)
            size += len(chunk)
        files.append({"path": path, "sha256": digest.hexdigest(), "size": size})
    return manifest_bytes(files)


def write_pack(parts: Mapping[str, bytes | IO[bytes]], out: IO[bytes]) -> None:
    """Write ``parts`` and their ``manifest.json`` to ``out`` (a seekable binary file) as a deterministic zip."""
    if MANIFEST in parts:
        raise ValueError(f"{MANIFEST} is written by write_pack")
    with PackWriter(out) as writer:
        for path in sorted(parts):
            writer.add(path, parts[path])


__all__ = [
    "CHECKPOINTS",
    "EVENTS",
    "EVENT_FIELDS",
    "FORMAT",
    "MANIFEST",
    "PUBLIC_KEY",
    "PUBLIC_KEYS",
    "VERSION",
    "VERSIONS",
    "PackWriter",
    "check_path",
    "event_line",
    "manifest",
    "manifest_bytes",
    "write_pack",
]
