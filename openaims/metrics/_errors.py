"""The one exception the monitoring engine raises for bad input."""

from __future__ import annotations

__all__ = ["MetricsError"]


class MetricsError(ValueError):
    """Bad input to a metric: a missing column, labels that are not binary, an unreadable file.

    The message names the column, file or parameter at fault, in one line, so that the CLI can print it
    as it is and the API can return it as a problem detail.
    """
