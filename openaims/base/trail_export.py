"""An organization's trail as the files of a pack (format: :mod:`openaims.trail.pack`), for offline verification."""

from __future__ import annotations

import tempfile
from typing import IO

from openaims.base.models import TrailEvent
from openaims.base.staging import staging_dir
from openaims.base.trail_checkpoints import checkpoints_file, public_keys_pem
from openaims.trail import HASHED_FIELDS
from openaims.trail.checkpoint import parse_line, read_lines
from openaims.trail.pack import CHECKPOINTS, EVENTS, PUBLIC_KEY, PUBLIC_KEYS, event_line, write_pack

#: Events above this size are spooled to a staging file instead of memory.
_SPOOL_BYTES = 16 * 1024 * 1024


def _events_file(organization) -> IO[bytes]:
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES, dir=staging_dir())  # noqa: SIM115 - returned
    events = TrailEvent.objects.filter(organization=organization).order_by("sequence")
    for event in events.iterator(chunk_size=5000):
        values = dict(zip(HASHED_FIELDS, event.hashed_values(), strict=True))
        spool.write(event_line({"id": str(event.id), **values, "prev_hash": event.prev_hash, "hash": event.hash}))
    spool.seek(0)
    return spool


def _checkpoint_lines(organization) -> bytes:
    """The organization's lines of the checkpoints file, byte for byte (lines that do not parse are not its)."""
    wanted = str(organization.pk)
    kept = []
    for number, raw in enumerate(read_lines(checkpoints_file()), start=1):
        try:
            if parse_line(raw, number).organization_id == wanted:
                kept.append(raw + b"\n")
        except ValueError:
            continue
    return b"".join(kept)


def trail_pack_parts(organization) -> dict[str, bytes | IO[bytes]]:
    """The trail files of ``organization``'s pack: events, checkpoints, the public key and, after a rotation, the
    former keys (path -> content).

    The events come as a spooled file (close it when done); :func:`openaims.trail.pack.write_pack` adds
    ``manifest.json``.
    """
    current, former = public_keys_pem()
    parts: dict[str, bytes | IO[bytes]] = {CHECKPOINTS: _checkpoint_lines(organization), PUBLIC_KEY: current}
    if former:
        parts[PUBLIC_KEYS] = former
    parts[EVENTS] = _events_file(organization)
    return parts


def trail_export(organization, out: IO[bytes]) -> None:
    """Write ``organization``'s trail pack (a deterministic zip) to ``out``."""
    parts = trail_pack_parts(organization)
    try:
        write_pack(parts, out)
    finally:
        for content in parts.values():
            if not isinstance(content, bytes):
                content.close()
