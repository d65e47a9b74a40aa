"""SQL dialects: the few spellings that differ between DuckDB, PostgreSQL and Spark SQL.

Every statistic in :mod:`openaims.metrics.stats` is written once, as SQL built from these pieces,
so the same request computes the same numbers on every engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["DUCKDB", "POSTGRES", "SPARK", "Dialect"]


@dataclass(frozen=True)
class Dialect:
    """How one engine spells identifiers, literals, casts and quantiles.

    Parameters
    ----------
    name : str
        Engine name, as used in messages.
    quote : str
        Identifier quote character.
    double_type, text_type : str
        Names of the 64-bit float and text types.
    quantile_function : str
        ``"quantile_cont"`` (DuckDB), ``"percentile_cont"`` (PostgreSQL, ordered-set aggregate) or
        ``"percentile"`` (Spark). All three interpolate linearly between order statistics, like
        ``numpy.quantile(method="linear")``.
    backslash_escapes : bool
        Whether string literals treat ``\\`` as an escape character (Spark does).
    """

    name: str
    quote: str
    double_type: str
    text_type: str
    quantile_function: str
    backslash_escapes: bool = False

    def ident(self, name: str) -> str:
        """Quote an identifier (column or table name)."""
        q = self.quote
        return q + name.replace(q, q + q) + q

    def qualified(self, name: str) -> str:
        """Quote a possibly schema-qualified table name such as ``public.predictions``."""
        return ".".join(self.ident(part) for part in name.split("."))

    def string(self, value: str) -> str:
        """A string literal."""
        if self.backslash_escapes:
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return "'" + value.replace("'", "''") + "'"

    def double(self, value: float) -> str:
        """A 64-bit float literal that round-trips exactly (cast from its shortest decimal text)."""
        if math.isnan(value):
            text = "NaN"
        elif math.isinf(value):
            text = "Infinity" if value > 0 else "-Infinity"
        else:
            text = repr(float(value))
        return f"CAST('{text}' AS {self.double_type})"

    def to_double(self, expr: str) -> str:
        """Cast an expression to a 64-bit float."""
        return f"CAST({expr} AS {self.double_type})"

    def finite(self, expr: str) -> str:
        """A predicate true when a numeric expression is neither NULL, NaN nor infinite.

        All three engines order NaN above every other number (and ``NaN = NaN`` is true), so a range
        test is the portable way to exclude it. The predicate is never NULL, so ``NOT`` of it is safe.
        """
        return f"({expr} IS NOT NULL AND {expr} > {self.double(-math.inf)} AND {expr} < {self.double(math.inf)})"

    def not_nan(self, expr: str) -> str:
        """A predicate true when a numeric expression is not NULL and not NaN (infinities pass); never NULL."""
        return f"({expr} IS NOT NULL AND {expr} <= {self.double(math.inf)})"

    def count_where(self, predicate: str) -> str:
        """An aggregate counting the rows where ``predicate`` (never NULL) is true."""
        if self.name == "postgresql":
            return f"COUNT(*) FILTER (WHERE {predicate})"
        # DuckDB's count_if runs several times faster than SUM(CASE ...); Spark has it too.
        return f"count_if({predicate})"

    def quantile(self, expr: str, q: float) -> str:
        """An aggregate returning the linearly interpolated ``q``-quantile of ``expr``."""
        if self.quantile_function == "percentile_cont":
            return f"percentile_cont({q!r}) WITHIN GROUP (ORDER BY {expr})"
        return f"{self.quantile_function}({expr}, {q!r})"


DUCKDB = Dialect("duckdb", '"', "DOUBLE", "VARCHAR", "quantile_cont")
POSTGRES = Dialect("postgresql", '"', "DOUBLE PRECISION", "TEXT", "percentile_cont")
SPARK = Dialect("spark", "`", "DOUBLE", "STRING", "percentile", backslash_escapes=True)
