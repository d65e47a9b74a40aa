"""``aims management-review``: management reviews (9.3) from the command line."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Management reviews (9.3): plan, hold, record decisions and actions, minutes.", no_args_is_help=True
)
