"""Rows in and out of YAML and CSV files, for the all-or-nothing imports and the exports of every register.

Each register (AI systems, risks) names its YAML root key, its columns and its list columns; reading keeps the
line number of every row so that an import can report each bad row where it stands.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from openaims.policy.cells import safe_row, unescape_cell

MAX_IMPORT_BYTES = 20 * 1024 * 1024


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class ImportFailed(Exception):
    """The import changed nothing; ``errors`` lists every bad row."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def dump_rows(rows: list[dict], fmt: str, *, root: str, columns: Sequence[str]) -> str:
    """YAML (``{root: rows}``) or CSV (``columns`` in order, lists joined with "; ", every cell neutralized against
    formulas by :func:`~openaims.policy.cells.safe_cell`; :func:`read_rows` gives the values back)."""
    if fmt == "yaml":
        return yaml.safe_dump({root: rows}, sort_keys=False, allow_unicode=True)
    buffer = io.StringIO()
    # CRLF between records (RFC 4180): a field holding a lone CR or LF is then quoted, so it cannot split a row.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(safe_row(columns))
    for row in rows:
        values = ("; ".join(v) if isinstance(v, list) else ("" if v is None else v) for v in map(row.get, columns))
        writer.writerow(safe_row(values))
    return buffer.getvalue()


def read_rows(
    path: Path, *, root: str, noun: str, columns: Collection[str], list_columns: Collection[str]
) -> list[tuple[int, dict]]:
    """``[(line, row)]`` from a YAML file (a ``root:`` list or a bare list) or a CSV file of ``columns``."""
    if path.stat().st_size > MAX_IMPORT_BYTES:
        raise ImportFailed([RowError(0, f"file is larger than {MAX_IMPORT_BYTES // 1024 // 1024} MB")])
    with path.open(encoding="utf-8", newline="") as handle:  # line ends as written: a CR inside a field stays one
        text = handle.read()
    suffix = path.suffix.lower()
    if suffix in {".yaml", ".yml"}:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            line = exc.problem_mark.line + 1 if getattr(exc, "problem_mark", None) else 0
            raise ImportFailed([RowError(line, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from exc
        items_node = node
        if isinstance(data, dict):
            data = data.get(root)
            items_node = next((v for k, v in node.value if k.value == root), None) if node else None
        if not isinstance(data, list):
            raise ImportFailed([RowError(1, f"expected a list of {noun} (or a mapping with key '{root}')")])
        lines = [item.start_mark.line + 1 for item in items_node.value] if items_node is not None else []
        return [(lines[i] if i < len(lines) else 0, row) for i, row in enumerate(data)]
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        unknown = [c for c in (reader.fieldnames or []) if c not in columns]
        if unknown:
            raise ImportFailed([RowError(1, f"unknown column(s): {', '.join(unknown)}")])
        rows = []
        for row in reader:
            # A quote our export put before a formula character is taken off again (a round trip keeps values).
            clean = {k: unescape_cell(v) for k, v in row.items() if v not in (None, "")}
            for column in set(list_columns) & clean.keys():
                clean[column] = [p.strip() for p in clean[column].split(";") if p.strip()]
            rows.append((reader.line_num, clean))
        return rows
    raise ImportFailed([RowError(0, f"unsupported file type {path.suffix!r} (use .yaml, .yml or .csv)")])
