"""Entry point of the ``aims`` console script."""

from __future__ import annotations

import typer

from openaims.cli import (
    admin,
    audit,
    card,
    catalog,
    classify,
    connection,
    evidence,
    external_audit,
    impact,
    management_review,
    metrics,
    monitor,
    nc,
    risks,
    soa,
    systems,
)
from openaims.cli.common import setup_django

app = typer.Typer(
    name="aims",
    help="OpenAIMS — an AI Management System for ISO/IEC 42001.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
admin.register(app)
classify.register(app)
card.register(app)
app.add_typer(systems.app, name="systems")
app.add_typer(catalog.app, name="catalog")
app.add_typer(soa.app, name="soa")
app.add_typer(evidence.app, name="evidence")
app.add_typer(metrics.app, name="metrics")
app.add_typer(monitor.app, name="monitor")
app.add_typer(connection.app, name="connection")
monitor.register(app)
app.add_typer(risks.app, name="risks")
app.add_typer(impact.app, name="impact")
app.add_typer(nc.app, name="nc")
app.add_typer(audit.app, name="audit")
app.add_typer(management_review.app, name="management-review")
app.add_typer(external_audit.app, name="external-audit")


def main() -> None:
    setup_django()
    app()


if __name__ == "__main__":
    main()
