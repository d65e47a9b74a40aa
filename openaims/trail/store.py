"""Verifying a chain kept in a SQL table, one range of sequence numbers at a time.

The database renders each event's hashed text (:func:`preimage_sql`), so Python only fetches one string per
event and hashes it. Ranges are independent, because every event stores the hash of the one before it: the range
``first..last`` starts from the stored hash of event ``first - 1``, and the range before it checks that hash. So a
long chain can be verified by several processes at once (:func:`verify_range_at`), each with its own connection.

Framework-free: a DB-API cursor (SQLite or PostgreSQL) is all it needs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from openaims.trail._chain import _SEPARATOR, HASHED_FIELDS, ChainBreak

#: Hashed fields that are columns rendered as they are stored (the others are handled in :func:`preimage_sql`).
_TEXT_COLUMNS = tuple(f for f in HASHED_FIELDS if f not in {"sequence", "organization_id", "timestamp"})


def timestamp_sql(vendor: str) -> str:
    """SQL rendering the stored time as :data:`~openaims.trail.TIMESTAMP_FORMAT` does, so no row is parsed."""
    if vendor == "postgresql":
        return "to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    if vendor == "sqlite":
        # Django stores UTC as "YYYY-MM-DD HH:MM:SS[.ffffff]" (no fraction when it is zero).
        return (
            "replace(CASE WHEN length(timestamp) = 19 THEN timestamp || '.000000' ELSE substr(timestamp, 1, 26) END,"
            " ' ', 'T') || 'Z'"
        )
    raise NotImplementedError(f"trail verification on {vendor}")


def preimage_sql(vendor: str, placeholder: str) -> str:
    """SQL for the exact text an event's hash covers (see :func:`~openaims.trail.event_hash`).

    ``placeholder`` stands for the organization id as text (its canonical, hyphenated form).
    """
    separator = "chr(31)" if vendor == "postgresql" else "char(31)"
    assert _SEPARATOR == "\x1f"
    sequence = "sequence::text" if vendor == "postgresql" else "sequence"
    organization = f"{placeholder}::text" if vendor == "postgresql" else placeholder
    parts = ["prev_hash", sequence, organization, timestamp_sql(vendor), *_TEXT_COLUMNS]
    return f" || {separator} || ".join(parts)


def range_sql(vendor: str, table: str, placeholder: str = "%s") -> str:
    """The query of :func:`verify_range`; parameters: organization id text, organization key, first, last."""
    key = f"{placeholder}::uuid" if vendor == "postgresql" else placeholder
    return (
        f"SELECT id, prev_hash, hash, sequence, {preimage_sql(vendor, placeholder)} FROM {table} "
        f"WHERE organization_id = {key} AND sequence BETWEEN {placeholder} AND {placeholder} ORDER BY sequence"
    )


@dataclass(frozen=True)
class RangeResult:
    """How far a range verified: ``count`` good events from its first, then ``broken`` if one did not match."""

    first: int
    last: int
    count: int
    broken: ChainBreak | None

    @property
    def complete(self) -> bool:
        return self.broken is None and self.count == self.last - self.first + 1


def verify_range(
    cursor,
    *,
    vendor: str,
    table: str,
    organization_id: str,
    organization_key: object,
    first: int,
    last: int,
    prev_hash: str,
    placeholder: str = "%s",
    batch: int = 20_000,
) -> RangeResult:
    """Recompute events ``first..last`` of one organization, the first expected to follow ``prev_hash``.

    ``organization_id`` is the id as hashed (hyphenated text); ``organization_key`` is how the column stores it.
    Stops at the first event that does not match. A range that ends early (events missing at its end) comes back
    with ``broken`` None and ``complete`` False: the caller names the gap.
    """
    cursor.execute(range_sql(vendor, table, placeholder), [organization_id, organization_key, first, last])
    expected_prev, expected_sequence, count = prev_hash, first, 0
    sha256 = hashlib.sha256
    while rows := cursor.fetchmany(batch):
        for event_id, stored_prev, stored_hash, sequence, preimage in rows:
            if sequence != expected_sequence:
                reason = f"sequence {sequence}, expected {expected_sequence}"
                return RangeResult(first, last, count, ChainBreak(int(sequence), str(event_id), reason))
            if stored_prev != expected_prev:
                reason = "previous hash does not match the event before it"
                return RangeResult(first, last, count, ChainBreak(sequence, str(event_id), reason))
            if sha256(preimage.encode("utf-8")).hexdigest() != stored_hash:
                reason = "content does not match its hash"
                return RangeResult(first, last, count, ChainBreak(sequence, str(event_id), reason))
            expected_prev = stored_hash
            expected_sequence += 1
            count += 1
    return RangeResult(first, last, count, None)


def verify_range_at(connection_info: dict, **kwargs) -> RangeResult:
    """:func:`verify_range` on a connection of its own (to run in a worker process).

    ``connection_info``: ``{"vendor": "sqlite", "path": ...}`` or ``{"vendor": "postgresql", "conninfo": ...}``.
    """
    vendor = kwargs.pop("vendor", connection_info["vendor"])
    if vendor == "sqlite":
        import sqlite3

        connection = sqlite3.connect(f"file:{connection_info['path']}?mode=ro", uri=True)
        try:
            return verify_range(connection.cursor(), vendor=vendor, placeholder="?", **kwargs)
        finally:
            connection.close()
    import psycopg

    # A named (server-side) cursor: rows come in batches instead of all at once.
    with psycopg.connect(connection_info["conninfo"]) as server, server.cursor(name="trail_verify") as cursor:
        return verify_range(cursor, vendor=vendor, **kwargs)
