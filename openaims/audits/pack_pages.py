"""The HTML pages of an evidence pack (:mod:`openaims.audits.pack`): standalone documents that work offline.

Every page carries its style inline and nothing else: no script, no stylesheet or image fetched, links only to
other files of the pack by relative path. Every value from a record is escaped.
"""

from __future__ import annotations

import csv
import io
import posixpath
from collections.abc import Iterable, Sequence

from django.utils.html import escape

from openaims.policy.cells import safe_row

STYLE = """
body { font-family: sans-serif; font-size: 14px; line-height: 1.4; margin: 2em auto; max-width: 72em; color: #222;
  padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin-bottom: .3em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1em; }
th, td { border: 1px solid #ccc; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.missing { color: #a40000; } .ok { color: #1b6e1b; } .muted { color: #666; } code { font-size: .95em; }
ul.files { margin: .2em 0 .6em; }
"""


def page(title: str, body: str, *, subtitle: str = "") -> bytes:
    """A whole HTML document, as UTF-8."""
    sub = f'<p class="muted">{escape(subtitle)}</p>' if subtitle else ""
    html = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{sub}{body}</body></html>\n"
    )
    return html.encode("utf-8")


def text(value) -> str:
    """A value as escaped text, "—" when empty; line breaks kept."""
    if value in (None, ""):
        return "—"
    return escape(str(value)).replace("\n", "<br>")


def table(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    """An HTML table; cells are escaped (give :class:`Raw` for markup made here)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class Raw(str):
    """Markup built here from escaped parts, inserted as is."""


def _cell(value) -> str:
    return value if isinstance(value, Raw) else text(value)


def fields(pairs: Iterable[tuple[str, object]]) -> str:
    """A two-column table of ``(label, value)``."""
    return table(("", ""), pairs).replace("<thead><tr><th></th><th></th></tr></thead>", "")


def link(from_path: str, to_path: str, label: str | None = None) -> Raw:
    """A relative link from the page at ``from_path`` to the file at ``to_path`` (both paths inside the pack)."""
    href = posixpath.relpath(to_path, posixpath.dirname(from_path) or ".")
    return Raw(f'<a href="{escape(href)}">{escape(label or to_path)}</a>')


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A CSV file (UTF-8, CRLF lines) whose every cell is neutralized against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(safe_row(["" if v is None else v for v in row]))
    return buffer.getvalue().encode("utf-8")
