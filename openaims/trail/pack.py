"""The trail's part of an evidence pack: what :mod:`openaims.trail.verify` expects inside the zip.

A pack is a zip file holding:

``manifest.json``
    ``{"format": "openaims-pack", "version": 1, "files": [{"path", "sha256", "size"}, ...]}``: every other file
    of the zip, sorted by path, with the SHA-256 (hex) and size in bytes of its content. Nothing else is in the zip.
``trail/events.jsonl``
    The organization's trail events, one JSON object per line in sequence order, with :data:`EVENT_FIELDS`: the
    event's ``id``, every field its hash covers (:data:`~openaims.trail.HASHED_FIELDS`, the ``timestamp`` as
    :data:`~openaims.trail.TIMESTAMP_FORMAT` text, ``changes`` as the stored JSON text), ``prev_hash`` and ``hash``.
``trail/checkpoints.jsonl``
    That organization's checkpoint lines, byte for byte as in the checkpoints file (:mod:`.checkpoint`).
``trail/public-key.pem``
    The Ed25519 public key the checkpoints are signed with (SubjectPublicKeyInfo PEM).

The zip is deterministic: entries sorted by name, every entry dated 1980-01-01 00:00 with mode 0644, so the same
records give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping
from typing import IO

from openaims.trail._chain import HASHED_FIELDS

FORMAT = "openaims-pack"
VERSION = 1
MANIFEST = "manifest.json"
EVENTS = "trail/events.jsonl"
CHECKPOINTS = "trail/checkpoints.jsonl"
PUBLIC_KEY = "trail/public-key.pem"

#: The fields of a line of ``trail/events.jsonl``.
EVENT_FIELDS: tuple[str, ...] = ("id", *HASHED_FIELDS, "prev_hash", "hash")

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1 << 20


def event_line(values: Mapping[str, object]) -> bytes:
    """One line of ``trail/events.jsonl`` (with its newline), from the values of :data:`EVENT_FIELDS`."""
    return (
        json.dumps({f: values[f] for f in EVENT_FIELDS}, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        + b"\n"
    )


def _chunks(content: bytes | IO[bytes]):
    if isinstance(content, bytes | bytearray):
        yield bytes(content)
        return
    content.seek(0)
    while chunk := content.read(_CHUNK):
        yield chunk


def manifest(parts: Mapping[str, bytes | IO[bytes]]) -> bytes:
    """``manifest.json`` for ``parts`` (path -> content as bytes or a seekable binary file)."""
    files = []
    for path in sorted(parts):
        digest, size = hashlib.sha256(), 0
        for chunk in _chunks(parts[path]):
            digest.update(chunk)
            size += len(chunk)
        files.append({"path": path, "sha256": digest.hexdigest(), "size": size})
    data = {"format": FORMAT, "version": VERSION, "files": files}
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_pack(parts: Mapping[str, bytes | IO[bytes]], out: IO[bytes]) -> None:
    """Write ``parts`` and their ``manifest.json`` to ``out`` (a seekable binary file) as a deterministic zip."""
    if MANIFEST in parts:
        raise ValueError(f"{MANIFEST} is written by write_pack")
    listing = manifest(parts)
    sizes = {f["path"]: f["size"] for f in json.loads(listing)["files"]}
    everything: dict[str, bytes | IO[bytes]] = {**parts, MANIFEST: listing}
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(everything):
            info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            info.create_system = 3  # Unix, whatever machine wrote it
            info.file_size = sizes.get(path, len(listing))  # known before writing: zip64 only when needed
            with archive.open(info, "w") as entry:
                for chunk in _chunks(everything[path]):
                    entry.write(chunk)


__all__ = [
    "CHECKPOINTS",
    "EVENTS",
    "EVENT_FIELDS",
    "FORMAT",
    "MANIFEST",
    "PUBLIC_KEY",
    "VERSION",
    "event_line",
    "manifest",
    "write_pack",
]
