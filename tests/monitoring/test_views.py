"""The monitoring pages: charts as accessible SVG with threshold and interval band, groups, alerts, nonconformities."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from openaims.accounts.choices import Role
from openaims.monitoring.charts import Point, metric_chart_svg
from openaims.monitoring.runner import run_monitor
from tests.monitoring.helpers import START, ingest, make_monitor, prediction_rows


def test_chart_svg_has_title_desc_threshold_band_and_points():
    points = [
        Point("2026-01-05", 0.9, 0.85, 0.94, True),
        Point("2026-01-12", None),
        Point("2026-01-19", 0.7, 0.64, 0.76, False),
    ]
    svg = metric_chart_svg("accuracy", points, threshold=0.8, operator=">=", svg_id="c1")
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Accuracy per window (threshold &gt;= 0.8)</title>' in svg
    assert "2026-01-05: 0.9 (95% interval 0.85 to 0.94)" in svg and "2026-01-12: undefined" in svg
    assert "2026-01-19: 0.7 (95% interval 0.64 to 0.76) below threshold" in svg
    assert svg.count('class="point"') == 2 and 'data-passed="false"' in svg
    assert 'class="threshold"' in svg and 'class="interval-band"' in svg
    assert "<script" not in svg and "style=" not in svg
    empty = metric_chart_svg("psi", [], threshold=0.2, operator="<")
    assert "No runs yet." in empty


def test_system_page_shows_charts_groups_alerts_and_nonconformities(ui_as, owner_actor):
    monitor = make_monitor(owner_actor)
    ingest(owner_actor, monitor.data_source, prediction_rows(weeks=2, unfair_from_week=1))
    for week in range(2):
        run_monitor(actor=owner_actor, monitor=monitor, window_start=START + dt.timedelta(weeks=week))
    page = ui_as(Role.VIEWER).get(f"/systems/{monitor.ai_system_id}/monitoring/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="metric-chart"') == 2  # one per thresholded metric
    assert 'data-metric="demographic_parity_ratio"' in html and 'class="interval-band"' in html
    assert "<script>" not in html.split("<main", 1)[-1]
    assert re.search(r"<td>F</td>\s*<td>\d+</td>", html)  # the per-group breakdown of the latest run
    assert "breaking &gt;= 0.8" in html  # the alert
    assert "/acknowledge/" not in html  # a viewer cannot
    from openaims.audits.models import Nonconformity

    nc = Nonconformity.objects.get(monitor=monitor)
    assert f'href="/nonconformities/{nc.pk}/"' in html and "No open nonconformity from monitoring." not in html
    assert (
        ui_as(Role.MANAGER).get(f"/systems/{monitor.ai_system_id}/monitoring/").content.decode().count("Acknowledge")
        >= 1
    )


def test_index_run_detail_run_button_and_acknowledge(ui_as, owner_actor):
    monitor = make_monitor(owner_actor)
    ingest(owner_actor, monitor.data_source, prediction_rows(weeks=2, unfair_from_week=1))
    client = ui_as(Role.CONTRIBUTOR)
    posted = client.post(f"/monitors/{monitor.pk}/run/", {"window_start": "2026-01-13T00:00"})
    assert posted.status_code == 302
    detail = client.get(posted["Location"])
    assert detail.status_code == 200 and "breached" in detail.content.decode()
    index = client.get("/monitoring/")
    assert index.status_code == 200 and monitor.name in index.content.decode()
    alert = monitor.alerts.get()
    assert client.post(f"/alerts/{alert.pk}/acknowledge/", {"next": "/monitoring/"}).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None
    monitor_page = client.get(f"/monitors/{monitor.pk}/")
    assert monitor_page.status_code == 200 and 'class="metric-chart"' in monitor_page.content.decode()
    assert ui_as(Role.VIEWER).post(f"/monitors/{monitor.pk}/run/").status_code == 403


def test_pages_of_another_organization_are_404(ui_as, other_actor):
    theirs = make_monitor(other_actor)
    ingest(other_actor, theirs.data_source, prediction_rows(weeks=1))
    run = run_monitor(actor=other_actor, monitor=theirs, window_start=START)
    client = ui_as(Role.OWNER)
    assert client.get(f"/systems/{theirs.ai_system_id}/monitoring/").status_code == 404
    assert client.get(f"/metric-runs/{run.pk}/").status_code == 404
    assert client.post(f"/monitors/{theirs.pk}/run/").status_code == 404


def test_nav_has_monitoring(ui_as, org):
    assert 'href="/monitoring/"' in ui_as(Role.VIEWER).get("/monitoring/").content.decode()


def test_drift_charts_plot_the_worst_column():
    from types import SimpleNamespace

    from openaims.monitoring.charts import monitor_charts, series_from_runs

    def run(week, psi_a, psi_b, pvalue):
        columns = {"a": {"psi": psi_a, "ks_pvalue": pvalue}, "b": {"psi": psi_b, "ks_pvalue": 0.5}}
        checks = [{"metric": "psi", "group": name, "passed": c["psi"] < 0.2} for name, c in columns.items()]
        start = START + dt.timedelta(weeks=week)
        return SimpleNamespace(window_start=start, results={"columns": columns}, checks=checks)

    runs = [run(1, 0.05, 0.31, 0.01), run(0, 0.02, 0.04, 0.2)]
    points = series_from_runs(runs, "psi", worst="max")
    assert [(p.value, p.passed) for p in points] == [(0.04, True), (0.31, False)]  # oldest first, worst column
    assert [p.value for p in series_from_runs(runs, "ks_pvalue", worst="min")] == [0.2, 0.01]
    monitor = SimpleNamespace(
        kind="drift", pk=uuid.uuid4(), thresholds=[{"metric": "psi", "operator": "<", "value": 0.2}]
    )
    (chart,) = monitor_charts(monitor, runs)
    assert chart["title"] == "Psi (< 0.2), worst column"
    assert chart["svg"].count('class="point"') == 2 and 'data-passed="false"' in chart["svg"]
