"""Running a monitor through the API, reading runs, listing and acknowledging alerts; tenancy and roles."""

from __future__ import annotations

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from tests.monitoring.helpers import START, ingest, make_monitor, prediction_rows


def test_run_read_list_and_acknowledge(api_as, owner_actor):
    monitor = make_monitor(owner_actor)
    ingest(owner_actor, monitor.data_source, prediction_rows(weeks=2, unfair_from_week=1))
    client = api_as(Role.CONTRIBUTOR)
    created = client.post(f"/api/v1/monitors/{monitor.pk}/run?window_start=2026-01-13T00:00:00Z")
    assert created.status_code == 201, created.content
    run = created.json()
    assert run["status"] == "failed" and run["window_start"].startswith("2026-01-12") and run["rows"] == 400
    assert run["results"]["differences"]["demographic_parity_ratio"] < 0.8 and run["evidence_id"]

    viewer = api_as(Role.VIEWER)
    assert viewer.get(f"/api/v1/metric-runs/{run['id']}").json()["checks"] == run["checks"]
    listed = viewer.get("/api/v1/metric-runs", {"monitor_id": str(monitor.pk), "status": "failed"}).json()
    assert [item["id"] for item in listed["items"]] == [run["id"]] and "results" not in listed["items"][0]

    alerts = viewer.get("/api/v1/alerts", {"acknowledged": "false", "ai_system_id": str(monitor.ai_system_id)}).json()
    assert alerts["count"] == 1
    alert_id = alerts["items"][0]["id"]
    assert viewer.post(f"/api/v1/alerts/{alert_id}/acknowledge").status_code == 403
    acknowledged = client.post(f"/api/v1/alerts/{alert_id}/acknowledge")
    assert acknowledged.status_code == 200 and acknowledged.json()["acknowledged_at"]
    assert acknowledged.json()["acknowledged_by_id"]
    assert TrailEvent.objects.filter(object_id=alert_id, action="transition").exists()
    assert client.post(f"/api/v1/alerts/{alert_id}/acknowledge").status_code == 422
    assert viewer.get("/api/v1/alerts", {"acknowledged": "false"}).json()["count"] == 0


def test_last_complete_window_by_default_and_viewer_cannot_run(api_as, owner_actor):
    monitor = make_monitor(owner_actor)
    assert api_as(Role.VIEWER).post(f"/api/v1/monitors/{monitor.pk}/run").status_code == 403
    run = api_as(Role.OWNER).post(f"/api/v1/monitors/{monitor.pk}/run")
    assert run.status_code == 201 and run.json()["status"] == "error"  # nothing ingested yet: kept, with why


def test_other_organizations_runs_alerts_and_monitors_are_404(api_as, other_actor):
    from openaims.monitoring.runner import run_monitor

    theirs = make_monitor(other_actor)
    ingest(other_actor, theirs.data_source, prediction_rows(weeks=2, unfair_from_week=1))
    run = run_monitor(actor=other_actor, monitor=theirs, window_start=START.replace(day=12))
    alert = run.alerts.get()
    client = api_as(Role.OWNER)
    assert client.post(f"/api/v1/monitors/{theirs.pk}/run").status_code == 404
    assert client.get(f"/api/v1/metric-runs/{run.pk}").status_code == 404
    assert client.get(f"/api/v1/alerts/{alert.pk}").status_code == 404
    assert client.post(f"/api/v1/alerts/{alert.pk}/acknowledge").status_code == 404
    assert client.get("/api/v1/metric-runs").json()["count"] == 0
    assert client.get("/api/v1/alerts").json()["count"] == 0


def test_monitor_validation_names_the_field(api_as, owner_actor):
    monitor = make_monitor(owner_actor)
    client = api_as(Role.OWNER)
    bad_metric = client.patch(
        f"/api/v1/monitors/{monitor.pk}",
        {"thresholds": [{"metric": "psi", "operator": "<", "value": 0.2}]},
        content_type="application/json",
    )
    assert bad_metric.status_code == 422 and bad_metric.json()["errors"][0]["field"] == "thresholds"
    other = make_monitor(owner_actor)
    wrong_source = client.patch(
        f"/api/v1/monitors/{monitor.pk}", {"data_source_id": str(other.data_source_id)}, content_type="application/json"
    )
    assert wrong_source.status_code == 422 and wrong_source.json()["errors"][0]["field"] == "data_source"
    bad_source = client.post(
        "/api/v1/data-sources",
        {"ai_system_id": str(monitor.ai_system_id), "name": "pg", "kind": "postgres", "location": "t"},
        content_type="application/json",
    )
    assert bad_source.status_code == 422 and {e["field"] for e in bad_source.json()["errors"]} == {"connection"}
