"""``aims external-audit``: guest auditor invitations and evidence requests from the command line."""

from __future__ import annotations

import typer

app = typer.Typer(help="The external auditor: guest invitations and evidence requests.", no_args_is_help=True)
