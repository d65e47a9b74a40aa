"""The append-only Parquet store of each AI system's predictions, and ingesting into it.

Each AI system with a ``store`` data source has a folder ``AIMS_DATA_DIR/predictions/<organization>/<system>/``
(both UUIDs, never user text). An ingest is checked whole against the data source's column mapping and then
written as one new Parquet part named by its SHA-256; a refused ingest leaves no file behind.

Parts live in a *generation* folder ``gen-<hex>/`` that the file ``CURRENT`` names; readers resolve it once
(:func:`store_dir`) and read that folder. Compaction (:func:`store_compact`) writes every part as one file into
a new generation and switches ``CURRENT`` with a single rename, so a reader sees the old parts or the new file,
never both nor neither; the old generation stays until it is older than ``keep_old_for`` (a reader that
resolved it may still be scanning it). Ingest and compaction take the store's lock (``flock`` on its folder)
for the moment they change a generation, so no part lands in a generation being retired.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.models import TrailAction
from openaims.base.staging import staging_dir
from openaims.base.trail import record_event
from openaims.monitoring.choices import DataSourceKind
from openaims.monitoring.models import DataSource

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_REPORTED_ERRORS = 20
#: The file naming the current generation folder, and the shape of a generation's name.
CURRENT = "CURRENT"
_GENERATION = re.compile(r"gen-[0-9a-f]{32}")
#: Marks when a generation (or, in the root, the parts of a store from before generations) was retired.
RETIRED_MARK = ".retired"
#: How long a retired generation stays readable after compaction.
DEFAULT_KEEP_OLD = dt.timedelta(hours=1)
DEFAULT_COMPACT_PARTS = 50

#: Parquet types of the store, by the JSON values a column holds.
BOOLEAN, BIGINT, DOUBLE, VARCHAR, TIMESTAMP = "BOOLEAN", "BIGINT", "DOUBLE", "VARCHAR", "TIMESTAMP"


class IngestError(ValueError):
    """Predictions refused: ``errors`` lists ``{"field", "message"}`` naming the column and the line."""

    def __init__(self, detail: str, errors: list[dict] | None = None, status: int = 422) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.status = status


class TooLarge(IngestError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The predictions are larger than the limit of {limit} bytes (AIMS_PREDICTIONS_MAX_BYTES).")
        self.status = 413


@dataclass(frozen=True)
class IngestResult:
    rows: int
    sha256: str
    part: str
    columns: dict[str, str]


def max_bytes() -> int:
    return int(getattr(settings, "AIMS_PREDICTIONS_MAX_BYTES", DEFAULT_MAX_BYTES))


def store_root(data_source: DataSource) -> Path:
    """The folder of a store data source: derived from the organization's and the system's ids only."""
    return (
        Path(settings.AIMS_DATA_DIR) / "predictions" / str(data_source.organization_id) / str(data_source.ai_system_id)
    )


def _current_generation(root: Path) -> str | None:
    try:
        name = (root / CURRENT).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None
    return name if _GENERATION.fullmatch(name) else None


def store_dir(data_source: DataSource) -> Path:
    """The folder readers read: the store's current generation (the root itself for a store without one)."""
    root = store_root(data_source)
    name = _current_generation(root)
    return root / name if name else root


def store_parts(data_source: DataSource) -> list[Path]:
    folder = store_dir(data_source)
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def store_schema(data_source: DataSource) -> dict[str, str]:
    """``{column: type}`` of the parts already stored (empty before the first ingest)."""
    parts = store_parts(data_source)
    if not parts:
        return {}
    import duckdb

    with duckdb.connect(":memory:") as con:
        rows = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(parts[0])]).fetchall()
    return {row[0]: _normal_type(row[1]) for row in rows}


def _normal_type(duckdb_type: str) -> str:
    upper = duckdb_type.upper()
    if upper.startswith("TIMESTAMP") or upper == "DATE":
        return TIMESTAMP
    if upper in ("BOOLEAN",):
        return BOOLEAN
    if upper in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "HUGEINT"):
        return BIGINT
    if upper in ("FLOAT", "DOUBLE", "REAL") or upper.startswith("DECIMAL"):
        return DOUBLE
    if upper == "VARCHAR":
        return VARCHAR
    return upper


def _value_type(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return BIGINT
    if isinstance(value, float):
        return DOUBLE
    if isinstance(value, str):
        return VARCHAR
    return "OTHER"


def _compatible(expected: str, got: str) -> bool:
    return expected == got or (expected == DOUBLE and got == BIGINT)


def _parse_timestamp(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


class _Checker:
    """Checks rows one by one against the mapping and the stored schema, collecting errors with line numbers."""

    def __init__(self, data_source: DataSource) -> None:
        self.source = data_source
        self.columns = data_source.columns
        self.stored = store_schema(data_source)
        self.types: dict[str, str] = {data_source.timestamp_column: TIMESTAMP}
        if data_source.score_column:
            self.types[data_source.score_column] = DOUBLE
        for name in self.columns:
            if name in self.stored and name not in self.types:
                self.types[name] = self.stored[name]
        self.errors: list[dict] = []

    def error(self, column: str, line: int, message: str) -> None:
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"field": f"line {line}: {column}" if column else f"line {line}", "message": message})

    def check(self, line: int, row) -> dict | None:
        if not isinstance(row, dict):
            self.error("", line, "must be a JSON object with one member per column")
            return None
        ok = True
        for extra in row.keys() - set(self.columns):
            self.error(str(extra)[:100], line, f"unknown column; the columns are: {', '.join(self.columns)}")
            ok = False
        for name in self.columns:
            if name not in row:
                self.error(name, line, "missing column")
                ok = False
        if not ok:
            return None
        clean = dict(row)
        timestamp = _parse_timestamp(row[self.source.timestamp_column])
        if timestamp is None:
            self.error(self.source.timestamp_column, line, "must be an ISO 8601 date-time, e.g. 2026-03-01T12:00:00Z")
            return None
        clean[self.source.timestamp_column] = timestamp.isoformat(sep=" ")
        for name in self.columns:
            if name == self.source.timestamp_column:
                continue
            got = _value_type(row[name])
            if got is None:
                continue
            if got == "OTHER":
                self.error(name, line, "must be a number, a string, true/false or null")
                return None
            if isinstance(row[name], float) and row[name] != row[name]:
                clean[name] = None
                continue
            expected = self.types.get(name)
            if expected is None:
                self.types[name] = got
            elif expected == BIGINT and got == DOUBLE and name not in self.stored:
                self.types[name] = DOUBLE
            elif not _compatible(expected, got):
                self.error(name, line, f"must be {_READABLE[expected]} like the other rows, not {_READABLE[got]}")
                return None
        return clean


_READABLE = {
    BOOLEAN: "true/false",
    BIGINT: "an integer",
    DOUBLE: "a number",
    VARCHAR: "a string",
    TIMESTAMP: "a date-time",
    "OTHER": "an object or array",
}


def parse_json_rows(chunks: Iterable[bytes]) -> Iterable[tuple[int, object]]:
    """``(line, row)`` from NDJSON, or from one JSON array (line = position in the array, from 1)."""
    text = b"".join(chunks)
    stripped = text.lstrip()
    if stripped.startswith(b"["):
        try:
            rows = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise IngestError(f"The body is not a valid JSON array: {exc}", status=400) from exc
        yield from enumerate(rows, 1)
        return
    for number, raw in enumerate(text.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            yield number, json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise IngestError(
                "A line is not valid JSON.", [{"field": f"line {number}", "message": f"not valid JSON: {exc}"}]
            ) from exc


def read_limited(chunks: Iterable[bytes], limit: int) -> list[bytes]:
    """The chunks, refusing past ``limit`` bytes before holding more."""
    kept, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TooLarge(limit)
        kept.append(chunk)
    return kept


@contextlib.contextmanager
def _store_lock(root: Path) -> Iterator[None]:
    """The store's exclusive lock (``flock`` on its folder; released when the descriptor closes)."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _switch(root: Path, name: str | None) -> None:
    """Point ``CURRENT`` at generation ``name`` (None: the root itself) with one rename."""
    if name is None:
        (root / CURRENT).unlink(missing_ok=True)
    else:
        temp = root / f".{CURRENT}.{uuid.uuid4().hex}.tmp"
        temp.write_text(name + "\n", encoding="ascii")
        _fsync(temp)
        os.replace(temp, root / CURRENT)
    _fsync(root)


def _writable_generation(root: Path) -> Path:
    """The generation an ingest adds its part to (under the lock); a new store starts its first one."""
    name = _current_generation(root)
    if name:
        return root / name
    if any(root.glob("*.parquet")):  # a store written before generations: its root is its generation
        return root
    name = f"gen-{uuid.uuid4().hex}"
    (root / name).mkdir()
    _switch(root, name)
    return root / name


def _write_part(data_source: DataSource, select_sql: str, params: list) -> tuple[Path, str]:
    """Write a query's result as a staged part (a temp file in the store's root), returning it and its SHA-256."""
    import duckdb

    root = store_root(data_source)
    root.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=".ingest-", suffix=".tmp", dir=root)
    os.close(fd)
    temp = Path(temp_name)
    try:
        with duckdb.connect(":memory:") as con:
            _utc(con)
            con.execute(f"COPY ({select_sql}) TO '{_sql_path(temp)}' (FORMAT parquet)", params)
        return temp, hashlib.sha256(temp.read_bytes()).hexdigest()
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _utc(con) -> None:
    """Time-zone-aware timestamps are stored as UTC, whatever the server's zone."""
    # Without the ICU extension DuckDB has no zones (and then already works in UTC).
    with contextlib.suppress(duckdb_error()):
        con.execute("SET TimeZone = 'UTC'")


def duckdb_error() -> type[Exception]:
    import duckdb

    return duckdb.Error


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _projection(types: dict[str, str], columns: list[str]) -> str:
    return ", ".join(f"CAST({_ident(c)} AS {types.get(c, VARCHAR)}) AS {_ident(c)}" for c in columns)


def predictions_ingest_json(*, actor: Actor, data_source: DataSource, chunks: Iterable[bytes]) -> IngestResult:
    """Append JSON rows (NDJSON or one array) to the store, all or nothing."""
    _require_store(actor, data_source)
    body = read_limited(chunks, max_bytes())
    checker = _Checker(data_source)
    columns = data_source.columns
    rows = 0
    # Checked rows go straight to a staging file (never a second copy in memory); DuckDB converts it at the end.
    staging = staging_dir()  # in the data directory, swept if this process dies (not the system's /tmp)
    with tempfile.NamedTemporaryFile(
        "w", prefix=".ingest-", suffix=".jsonl", dir=staging, delete=False, encoding="utf-8"
    ) as staged:
        try:
            for line, row in parse_json_rows(body):
                clean = checker.check(line, row)
                if clean is not None and not checker.errors:
                    staged.write(json.dumps({c: clean[c] for c in columns}) + "\n")
                    rows += 1
        except BaseException:
            staged.close()
            os.unlink(staged.name)
            raise
    try:
        if checker.errors:
            detail = f"{len(checker.errors)} problem(s) in the predictions; nothing was stored."
            raise IngestError(detail, checker.errors)
        if not rows:
            raise IngestError("No predictions in the body.", [{"field": "body", "message": "no rows"}])
        types = {c: checker.types.get(c, VARCHAR) for c in columns}
        spec = "{" + ", ".join(f"{_sql_literal(c)}: {_sql_literal(types[c])}" for c in columns) + "}"
        source = f"read_json(?, format='newline_delimited', columns={spec})"
        return _commit(actor, data_source, f"SELECT {_projection(types, columns)} FROM {source}", [staged.name], types)
    finally:
        os.unlink(staged.name)


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def predictions_ingest_parquet(*, actor: Actor, data_source: DataSource, path: Path) -> IngestResult:
    """Append an uploaded Parquet file to the store after checking its columns and their types."""
    import duckdb

    _require_store(actor, data_source)
    if path.stat().st_size > max_bytes():
        raise TooLarge(max_bytes())
    try:
        with duckdb.connect(":memory:") as con:
            described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error as exc:
        raise IngestError(
            "The file is not a readable Parquet file.", [{"field": "file", "message": str(exc)[:300]}]
        ) from exc
    got = {row[0]: _normal_type(row[1]) for row in described}
    columns = data_source.columns
    stored = store_schema(data_source)
    errors = [{"field": name, "message": "unknown column"} for name in got if name not in columns]
    errors += [{"field": name, "message": "missing column"} for name in columns if name not in got]
    types: dict[str, str] = {}
    for name in columns:
        if name not in got:
            continue
        expected = TIMESTAMP if name == data_source.timestamp_column else stored.get(name)
        if name == data_source.score_column:
            expected = DOUBLE
        if expected and not _compatible(expected, got[name]):
            errors.append({"field": name, "message": f"must be {_READABLE.get(expected, expected)}, not {got[name]}"})
        types[name] = expected or got[name]
    if errors:
        raise IngestError(f"{len(errors)} problem(s) in the file's columns; nothing was stored.", errors)
    select = f"SELECT {_projection(types, columns)} FROM read_parquet(?)"
    return _commit(actor, data_source, select, [str(path)], types)


def _require_store(actor: Actor, data_source: DataSource) -> None:
    actor.require(Permission.CREATE)
    if data_source.kind != DataSourceKind.STORE:
        raise IngestError("Predictions are ingested into a store data source only.")


def _commit(actor: Actor, data_source: DataSource, select_sql: str, params: list, types: dict) -> IngestResult:
    import duckdb

    try:
        staged, digest = _write_part(data_source, select_sql, params)
    except duckdb.Error as exc:
        raise IngestError(
            "The predictions could not be converted.", [{"field": "body", "message": str(exc)[:300]}]
        ) from exc
    root = store_root(data_source)
    part = None
    try:
        with duckdb.connect(":memory:") as con:
            rows = con.execute("SELECT COUNT(*) FROM read_parquet(?)", [str(staged)]).fetchone()[0]
        # Under the lock until the trail is written: a compaction cannot retire the generation in between.
        with _store_lock(root):
            part = _writable_generation(root) / f"{digest}.parquet"
            if part.exists():  # the same content again: keep the stored part whatever happens next
                existing, part = part, None
                staged.unlink()
            else:
                os.replace(staged, part)
                existing = part
            with transaction.atomic():
                record_event(
                    actor=actor,
                    action=TrailAction.UPDATE,
                    instance=data_source,
                    changes={"predictions_ingested": [None, {"rows": rows, "sha256": digest, "part": existing.name}]},
                )
    except BaseException:
        staged.unlink(missing_ok=True)
        if part is not None:
            part.unlink(missing_ok=True)
        raise
    return IngestResult(rows=rows, sha256=digest, part=existing.name, columns=types)


@dataclass(frozen=True)
class CompactResult:
    """What a compaction did: ``parts`` files of ``rows`` rows became the one file ``part``."""

    parts: int
    rows: int
    sha256: str
    part: str
    generation: str
    removed: int


def compact_min_parts() -> int:
    """The scheduler compacts a store once it holds more parts than this (``AIMS_STORE_COMPACT_PARTS``)."""
    return int(getattr(settings, "AIMS_STORE_COMPACT_PARTS", os.environ.get("AIMS_STORE_COMPACT_PARTS", "")) or 50)


def _age(path: Path, now: float) -> float:
    return now - path.stat().st_mtime


def _sweep(root: Path, keep_old_for: dt.timedelta) -> int:
    """Remove retired generations older than ``keep_old_for`` (and a pre-generation store's old parts)."""
    current = _current_generation(root)
    if current is None:
        return 0
    now, keep, removed = time.time(), keep_old_for.total_seconds(), 0
    for child in root.iterdir():
        if not child.is_dir() or child.name == current or not _GENERATION.fullmatch(child.name):
            continue
        mark = child / RETIRED_MARK
        # Without a mark it is a generation an interrupted compaction left behind (never current).
        if _age(mark if mark.exists() else child, now) >= keep:
            shutil.rmtree(child, ignore_errors=True)
            removed += 1
    legacy_mark = root / RETIRED_MARK
    if legacy_mark.exists() and _age(legacy_mark, now) >= keep:
        for part in root.glob("*.parquet"):
            part.unlink(missing_ok=True)
        legacy_mark.unlink()
        removed += 1
    return removed


def store_compact(
    *, actor: Actor, data_source: DataSource, min_parts: int = 2, keep_old_for: dt.timedelta = DEFAULT_KEEP_OLD
) -> CompactResult | None:
    """Rewrite the store's parts as one Parquet file in a new generation; None when it holds fewer than ``min_parts``.

    The file is written under a temporary name in the new generation's folder, synced and renamed; then one
    rename of ``CURRENT`` switches readers to it, in the transaction that writes the trail event. The rows are
    counted before and after (a mismatch changes nothing). Old generations are removed once older than
    ``keep_old_for``, which gives a run that resolved the old generation time to finish reading it.
    """
    import duckdb

    actor.require(Permission.CHANGE)
    if data_source.organization_id != actor.organization.pk:
        from openaims.base.errors import NotFound

        raise NotFound("No such data source.")
    if data_source.kind != DataSourceKind.STORE:
        raise IngestError(
            "Only a store data source is compacted.", [{"field": "data_source", "message": "not a store"}]
        )
    root = store_root(data_source)
    if not root.is_dir():
        return None
    with _store_lock(root):
        removed = _sweep(root, keep_old_for)
        old, parts = store_dir(data_source), store_parts(data_source)
        if len(parts) < max(min_parts, 2):
            return None
        name = f"gen-{uuid.uuid4().hex}"
        new = root / name
        new.mkdir()
        try:
            temp = new / ".compact.tmp"
            files = [str(p) for p in parts]
            with duckdb.connect(":memory:") as con:
                _utc(con)
                rows = con.execute("SELECT COUNT(*) FROM read_parquet(?)", [files]).fetchone()[0]
                con.execute(
                    f"COPY (SELECT * FROM read_parquet(?, union_by_name = true)) TO '{_sql_path(temp)}' "
                    "(FORMAT parquet)",
                    [files],
                )
                written = con.execute("SELECT COUNT(*) FROM read_parquet(?)", [str(temp)]).fetchone()[0]
            if written != rows:
                raise OSError(f"compaction wrote {written} rows of {rows}; the store is unchanged")
            _fsync(temp)
            digest = hashlib.sha256(temp.read_bytes()).hexdigest()
            final = new / f"{digest}.parquet"
            os.replace(temp, final)
            _fsync(new)
            with transaction.atomic():
                record_event(
                    actor=actor,
                    action=TrailAction.UPDATE,
                    instance=data_source,
                    changes={
                        "predictions_compacted": [
                            {"parts": len(parts), "rows": rows},
                            {"parts": 1, "rows": rows, "sha256": digest, "part": final.name},
                        ]
                    },
                )
                _switch(root, name)
        except BaseException:
            if _current_generation(root) == name:  # the commit failed after the switch: switch back
                _switch(root, old.name if old != root else None)
            shutil.rmtree(new, ignore_errors=True)
            raise
        (old / RETIRED_MARK).touch()
        removed += _sweep(root, keep_old_for)
    return CompactResult(parts=len(parts), rows=rows, sha256=digest, part=final.name, generation=name, removed=removed)


def stores_compact_due(
    *, min_parts: int | None = None, organization=None, keep_old_for: dt.timedelta = DEFAULT_KEEP_OLD
):
    """Compact every store holding at least ``min_parts`` parts (default: more than ``compact_min_parts()``).

    Runs as each organization's scheduler (or only ``organization``'s); returns ``[(data_source, result)]``
    for the stores it compacted.
    """
    from openaims.base.context import system_actor

    limit = min_parts if min_parts is not None else compact_min_parts() + 1
    sources = DataSource.objects.filter(kind=DataSourceKind.STORE).select_related("organization")
    if organization is not None:
        sources = sources.filter(organization=organization)
    done = []
    for source in sources.order_by("organization__slug", "name"):
        if len(store_parts(source)) < limit:
            continue
        actor = system_actor(source.organization, label="scheduler")
        result = store_compact(actor=actor, data_source=source, min_parts=limit, keep_old_for=keep_old_for)
        if result is not None:
            done.append((source, result))
    return done
