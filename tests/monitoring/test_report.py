"""The monitoring report PDF, read back with pypdf: metric names, the charts' labels, thresholds and verdicts,
groups, open nonconformities, vector drawings from the page's SVG; export right, tenancy, trail; page link."""

from __future__ import annotations

import datetime as dt
import io
import re

import pypdf
import pytest

from openaims.accounts.choices import Role
from openaims.audits.models import Nonconformity
from openaims.base.errors import NotFound, PermissionDenied
from openaims.base.models import TrailEvent
from openaims.monitoring.charts import monitor_charts
from openaims.monitoring.report import export_monitoring_report, system_sections
from openaims.monitoring.runner import run_monitor
from tests.monitoring.helpers import START, ingest, make_monitor, make_store, prediction_rows


def text_of(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def drawn(content: bytes) -> bytes:
    """Every page's content stream and the forms it draws: the PDF's drawing operators."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    streams = []
    for page in reader.pages:
        streams.append(page.get_contents().get_data())
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        streams += [xobject.get_object().get_data() for xobject in xobjects.values()]
    return b"\n".join(streams)


def stroke_colour(hex_colour: str) -> bytes:
    """The PDF operator that sets ``#rrggbb`` as the stroke colour (WeasyPrint's number format)."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return (" ".join(f"{c:.6f}".rstrip("0").rstrip(".") or "0" for c in channels) + " RG").encode()


@pytest.fixture
def monitored(owner_actor):
    """A fairness monitor with two weekly runs, the second unfair (so an open nonconformity), and a drift monitor."""
    source = make_store(owner_actor, feature_columns=["income"])
    rows = prediction_rows(weeks=2, per_week=400, unfair_from_week=1)
    for i, row in enumerate(rows):
        row["income"] = float(i % 100) + (60.0 if i >= 400 else 0.0)
    ingest(owner_actor, source, rows)
    fairness = make_monitor(owner_actor, source=source, name="Parity by sex")
    drift = make_monitor(
        owner_actor,
        source=source,
        name="Income drift",
        kind="drift",
        thresholds=[{"metric": "psi", "operator": "<", "value": 0.2}],
    )
    for week in range(2):
        run_monitor(actor=owner_actor, monitor=fairness, window_start=START + dt.timedelta(weeks=week))
    run_monitor(actor=owner_actor, monitor=drift, window_start=START + dt.timedelta(weeks=1))
    return source.ai_system, fairness, drift


def test_report_holds_charts_thresholds_groups_and_nonconformities(owner_actor, monitored):
    system, fairness, drift = monitored
    exported = export_monitoring_report(actor=owner_actor, ai_system=system)
    assert exported.content_type == "application/pdf" and exported.filename.endswith(".pdf")
    assert exported.content.startswith(b"%PDF-")
    text = text_of(exported.content)
    assert f"Monitoring report: {system.name}" in text
    for metric in ("demographic_parity_ratio", "accuracy", "psi"):
        assert metric in text
    # The charts' own labels: titles, threshold label, window labels and axis name (the SVG's text).
    for label in (
        "Demographic parity ratio (>= 0.8)",
        "Accuracy (>= 0.6)",
        "Psi (< 0.2)",
        "threshold >= 0.8",
        "threshold < 0.2",
        "2026-01-05",
        "2026-01-12",
        "Window start",
    ):
        assert label in text, label
    assert "breached" in text and "passed" in text
    assert "By group" in text and "Selection rate" in text
    assert "Drift by column" in text and "income" in text
    nonconformity = Nonconformity.objects.get(monitor=fairness)
    assert "Open nonconformities" in text and str(nonconformity) in text
    event = TrailEvent.objects.filter(object_id=str(system.pk), action="access").order_by("-sequence").first()
    assert event.changes_dict == {"export": [None, "monitoring-pdf"]}


def test_report_charts_are_vector_drawings(owner_actor, monitored):
    from openaims.monitoring.charts import LINE, THRESHOLD

    system, _, _ = monitored
    stream = drawn(export_monitoring_report(actor=owner_actor, ai_system=system).content)
    # Three charts, each with its dashed threshold line (stroke-dasharray 6 4) in the threshold colour.
    assert stream.count(b"[6 4] 0 d") == 3
    assert stroke_colour(THRESHOLD) in stream
    # The metric lines as stroked paths (moveto, lineto) in the line colour, and the points as curves: four
    # Bezier curves per circle, two weekly points on each of the fairness monitor's two charts.
    assert stroke_colour(LINE) in stream
    assert len(re.findall(rb"\sl\n", stream)) > 20 and len(re.findall(rb"\sc\n", stream)) >= 2 * 2 * 4


def test_report_uses_the_charts_of_the_page(owner_actor, monitored, ui_as):
    system, fairness, _ = monitored
    sections = system_sections(owner_actor, system)
    by_monitor = {section["monitor"]: section for section in sections}
    runs = list(fairness.runs.order_by("-window_start"))
    assert [c["svg"] for c in by_monitor[fairness]["charts"]] == [c["svg"] for c in monitor_charts(fairness, runs)]
    page = ui_as(Role.OWNER).get(f"/systems/{system.pk}/monitoring/").content.decode()
    for chart in by_monitor[fairness]["charts"]:
        assert str(chart["svg"]) in page
    assert f'href="/systems/{system.pk}/monitoring/report.pdf"' in page


def test_report_download_from_page_and_api(monitored, ui_as, api_as):
    system, _, _ = monitored
    response = ui_as(Role.AUDITOR).get(f"/systems/{system.pk}/monitoring/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    api = api_as(Role.AUDITOR).get(f"/api/v1/systems/{system.pk}/monitoring-report.pdf")
    assert api.status_code == 200 and api["Content-Type"] == "application/pdf"
    assert "Parity by sex" in text_of(api.content)


def test_report_needs_the_export_right_and_stays_in_the_organization(actor_of, other_actor, monitored, api_as, ui_as):
    system, _, _ = monitored
    with pytest.raises(PermissionDenied):
        export_monitoring_report(actor=actor_of(Role.CONTRIBUTOR), ai_system=system)
    with pytest.raises(NotFound):
        export_monitoring_report(actor=other_actor, ai_system=system)
    assert api_as(Role.VIEWER).get(f"/api/v1/systems/{system.pk}/monitoring-report.pdf").status_code == 403
    page = ui_as(Role.VIEWER).get(f"/systems/{system.pk}/monitoring/").content.decode()
    assert "report.pdf" not in page  # no link to what the role cannot download
    from tests.monitoring.helpers import make_system

    theirs = make_system(other_actor)
    assert api_as(Role.AUDITOR).get(f"/api/v1/systems/{theirs.pk}/monitoring-report.pdf").status_code == 404
    assert ui_as(Role.AUDITOR).get(f"/systems/{theirs.pk}/monitoring/report.pdf").status_code == 404


def test_report_of_a_system_without_monitors(owner_actor):
    from tests.monitoring.helpers import make_system

    system = make_system(owner_actor, name="Unwatched")
    text = text_of(export_monitoring_report(actor=owner_actor, ai_system=system).content)
    assert "No monitors for this AI system." in text and "No open nonconformity" in text
