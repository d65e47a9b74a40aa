"""An AI system's monitoring report as PDF: the charts of the monitoring page (the same server-side SVG from
:mod:`openaims.monitoring.charts`), each monitor's latest run with its thresholds and verdicts, the per-group
breakdown, drift by column, and the open nonconformities. WeasyPrint draws the SVG as vector paths.

:func:`system_sections` is what the page and the report both show, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.models import TrailAction
from openaims.base.trail import record_event
from openaims.controls.exports import ExportedFile
from openaims.inventory.models import AISystem
from openaims.monitoring import selectors
from openaims.monitoring.charts import monitor_charts
from openaims.monitoring.models import RATE_METRICS, MetricRun, Monitor

#: Runs charted per monitor (the charts' history), on the page and in the report.
CHART_RUNS = 52
CONTENT_TYPE = "application/pdf"


def group_rows(run: MetricRun | None) -> list[dict]:
    """The per-group values of a classification run, in the order of :data:`RATE_METRICS`."""
    if run is None or run.monitor.kind == "drift":
        return []
    rows = []
    for group, values in (run.results.get("by_group") or {}).items():
        rows.append({"group": group, "values": values, "metrics": [values.get(m) for m in RATE_METRICS]})
    return rows


def monitor_section(monitor: Monitor) -> dict:
    """One monitor as the page and the report show it: latest run, charts, latest measured run's groups."""
    runs = list(monitor.runs.order_by("-window_start", "-started_at")[:CHART_RUNS])
    measured = next((r for r in runs if r.status != "error"), None)
    return {
        "monitor": monitor,
        "latest": runs[0] if runs else None,
        "measured": measured,
        # The SVG is built from escaped text only (charts.py), so it is safe to insert as markup.
        "charts": [{**c, "svg": mark_safe(c["svg"])} for c in monitor_charts(monitor, runs)],  # noqa: S308
        "groups": group_rows(measured),
        "group_metrics": RATE_METRICS,
    }


def system_sections(actor: Actor, ai_system: AISystem) -> list[dict]:
    return [
        monitor_section(monitor) for monitor in selectors.monitors(actor).filter(ai_system=ai_system).order_by("name")
    ]


@dataclass
class MonitoringReport:
    """Everything the PDF shows, gathered for one AI system at one moment."""

    organization: str
    system: AISystem
    generated_at: dt.datetime
    sections: list[dict] = field(default_factory=list)
    nonconformities: list = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Monitoring report: {self.system.name}"


def build_report(actor: Actor, ai_system: AISystem) -> MonitoringReport:
    return MonitoringReport(
        organization=actor.organization.name,
        system=ai_system,
        generated_at=timezone.now(),
        sections=system_sections(actor, ai_system),
        nonconformities=selectors.open_nonconformities(actor, ai_system),
    )


def render_html(report: MonitoringReport) -> str:
    return render_to_string("monitoring/report_export.html", {"report": report})


def _refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"the report fetches nothing ({url[:80]})")


def render_pdf(report: MonitoringReport) -> bytes:
    from weasyprint import HTML  # imported here: loading pango costs time the page does not need

    # Everything is inline (style, SVG); refusing every fetch keeps it so whatever text a record holds.
    return HTML(string=render_html(report), base_url=None, url_fetcher=_refuse_fetch).write_pdf()


def export_monitoring_report(*, actor: Actor, ai_system: AISystem) -> ExportedFile:
    """The system's monitoring report as PDF; needs the export right. Recorded in the trail as an access event."""
    actor.require(Permission.EXPORT)
    if ai_system.organization_id != actor.organization.pk:
        from openaims.base.errors import NotFound

        raise NotFound("No such AI system.")
    content = render_pdf(build_report(actor, ai_system))
    with transaction.atomic():
        record_event(
            actor=actor, action=TrailAction.ACCESS, instance=ai_system, changes={"export": [None, "monitoring-pdf"]}
        )
    name = slugify(f"monitoring-{ai_system.name}-{timezone.localdate():%Y-%m-%d}") or "monitoring-report"
    return ExportedFile(content, f"{name}.pdf", CONTENT_TYPE)
