"""The append-only Parquet store of each AI system's predictions, and ingesting into it.

Each AI system with a ``store`` data source has a folder ``AIMS_DATA_DIR/predictions/<organization>/<system>/``
(both UUIDs, never user text). An ingest is checked whole against the data source's column mapping and then
written as one new Parquet part named by its SHA-256; a refused ingest leaves no file behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.models import TrailAction
from openaims.base.trail import record_event
from openaims.monitoring.choices import DataSourceKind
from openaims.monitoring.models import DataSource

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_REPORTED_ERRORS = 20

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


def store_dir(data_source: DataSource) -> Path:
    """The folder of a store data source: derived from the organization's and the system's ids only."""
    return (
        Path(settings.AIMS_DATA_DIR) / "predictions" / str(data_source.organization_id) / str(data_source.ai_system_id)
    )


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


def _write_part(data_source: DataSource, select_sql: str, params: list) -> tuple[Path, str]:
    """Write a query's result as a new part of the store (temp file, then renamed to its SHA-256)."""
    import duckdb

    folder = store_dir(data_source)
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=".ingest-", suffix=".tmp", dir=folder)
    os.close(fd)
    temp = Path(temp_name)
    try:
        with duckdb.connect(":memory:") as con:
            _utc(con)
            con.execute(f"COPY ({select_sql}) TO '{_sql_path(temp)}' (FORMAT parquet)", params)
        digest = hashlib.sha256(temp.read_bytes()).hexdigest()
        final = folder / f"{digest}.parquet"
        os.replace(temp, final)
        return final, digest
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
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as staged:
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
        part, digest = _write_part(data_source, select_sql, params)
    except duckdb.Error as exc:
        raise IngestError(
            "The predictions could not be converted.", [{"field": "body", "message": str(exc)[:300]}]
        ) from exc
    try:
        with duckdb.connect(":memory:") as con:
            rows = con.execute("SELECT COUNT(*) FROM read_parquet(?)", [str(part)]).fetchone()[0]
        with transaction.atomic():
            record_event(
                actor=actor,
                action=TrailAction.UPDATE,
                instance=data_source,
                changes={"predictions_ingested": [None, {"rows": rows, "sha256": digest, "part": part.name}]},
            )
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return IngestResult(rows=rows, sha256=digest, part=part.name, columns=types)
