"""The register's filters, the detail page (actions, runs, closure) and closing through the UI and the API."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.audits import services
from openaims.base.models import TrailEvent
from tests.audits.helpers import BREACH, make_action, make_evidence, make_monitor, make_nc, make_run, make_system


def test_register_filters(ui_as, owner_actor):
    system = make_system(owner_actor, name="Loan scorer")
    past = timezone.localdate() - dt.timedelta(days=2)
    late = make_nc(owner_actor, title="Late one", ai_system=system, detected_on=past, due_date=past, source="incident")
    on_time = make_nc(owner_actor, title="On time", source="complaint")
    client = ui_as(Role.VIEWER)
    url = reverse("nonconformities-list")

    def listed(**params):
        return client.get(url, params).content.decode()

    page = listed()
    assert "NC-0001" in page and "NC-0002" in page and 'badge-red">overdue' in page
    assert "Incident" in page and "bound method" not in page
    assert "On time" not in listed(overdue="true") and "Late one" in listed(overdue="true")
    assert "Late one" not in listed(source="complaint") and "On time" in listed(source="complaint")
    assert "On time" not in listed(ai_system_id=str(system.pk))
    assert "Late one" in listed(status="open") and "Late one" not in listed(status="closed_effective")
    assert "On time" in listed(q="NC-0002") and "Late one" not in listed(q="NC-0002")
    assert late.pk != on_time.pk


def test_nav_item(ui_as, org):
    page = ui_as(Role.VIEWER).get(reverse("nonconformities-list")).content.decode()
    assert f'href="{reverse("nonconformities-list")}"' in page and "Nonconformities" in page


def test_detail_shows_actions_runs_and_close_form(ui_as, owner_actor):
    monitor = make_monitor(owner_actor)
    run = make_run(owner_actor, monitor, week=0, passed=False)
    nc = services.nonconformity_open_for_breach(actor=owner_actor, metric_run=run, breaches=[BREACH])
    make_action(owner_actor, nc, description="Reweigh the training data", status="done")
    page = ui_as(Role.MANAGER).get(reverse("nonconformities-detail", args=[nc.pk])).content.decode()
    assert "Reweigh the training data" in page
    assert "Raised by run" in page and str(monitor) in page
    assert (
        reverse("metric-runs-detail", args=[run.pk]) in page and reverse("monitors-detail", args=[monitor.pk]) in page
    )
    assert reverse("nonconformities-close", args=[nc.pk]) in page
    assert "9.1 Monitoring, measurement" in page
    viewer_page = ui_as(Role.VIEWER).get(reverse("nonconformities-detail", args=[nc.pk])).content.decode()
    assert reverse("nonconformities-close", args=[nc.pk]) not in viewer_page


def test_close_in_the_ui(ui_as, owner_actor):
    nc = make_nc(owner_actor)
    make_action(owner_actor, nc, status="done")
    client = ui_as(Role.MANAGER)
    url = reverse("nonconformities-close", args=[nc.pk])
    refused = client.post(url, {"effective": "true", "note": "Looks fine."}, follow=True)
    assert "evidence" in refused.content.decode()
    nc.refresh_from_db()
    assert nc.status == "awaiting_verification"
    evidence = make_evidence(owner_actor)
    response = client.post(url, {"effective": "true", "note": "Re-audited.", "evidence": [str(evidence.pk)]})
    assert response.status_code == 302
    nc.refresh_from_db()
    assert nc.status == "closed_effective"
    page = client.get(reverse("nonconformities-detail", args=[nc.pk])).content.decode()
    assert "Re-audited." in page and evidence.title in page


def test_close_in_the_ui_refused_to_a_contributor(ui_as, owner_actor):
    nc = make_nc(owner_actor)
    response = ui_as(Role.CONTRIBUTOR).post(
        reverse("nonconformities-close", args=[nc.pk]), {"effective": "false", "note": "x"}
    )
    assert response.status_code == 403


def test_corrective_action_create_page_preselects_the_nonconformity(ui_as, owner_actor):
    nc = make_nc(owner_actor)
    page = ui_as(Role.MANAGER).get(reverse("corrective-actions-create"), {"nonconformity": str(nc.pk)})
    assert page.status_code == 200 and f'value="{nc.pk}" selected' in page.content.decode()


def test_api_close(api_as, owner_actor):
    nc = make_nc(owner_actor)
    client = api_as(Role.MANAGER)
    url = f"/api/v1/nonconformities/{nc.pk}/close"
    refused = client.post(url, {"effective": True, "note": "ok"}, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "actions"
    make_action(owner_actor, nc, status="done")
    refused = client.post(url, {"effective": True, "note": "ok"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "evidence"
    missing_note = client.post(url, {"effective": True}, content_type="application/json")
    assert missing_note.status_code == 422 and missing_note.json()["errors"][0]["field"] == "note"
    evidence = make_evidence(owner_actor)
    closed = client.post(
        url, {"effective": True, "note": "Verified.", "evidence": [str(evidence.pk)]}, content_type="application/json"
    )
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert body["status"] == "closed_effective" and body["verification_evidence"] == [str(evidence.pk)]
    assert body["reference"] == "NC-0001" and body["closed_by_label"]
    again = client.post(url, {"effective": False, "note": "x"}, content_type="application/json")
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "status"


def test_api_close_roles_and_tenancy(api_as, owner_actor, other_actor):
    nc = make_nc(owner_actor)
    denied = api_as(Role.CONTRIBUTOR).post(
        f"/api/v1/nonconformities/{nc.pk}/close", {"effective": False, "note": "x"}, content_type="application/json"
    )
    assert denied.status_code == 403
    theirs = make_nc(other_actor)
    owner_client = api_as(Role.OWNER)
    before = TrailEvent.objects.count()
    hidden = owner_client.post(
        f"/api/v1/nonconformities/{theirs.pk}/close", {"effective": False, "note": "x"}, content_type="application/json"
    )
    assert hidden.status_code == 404 and TrailEvent.objects.count() == before


def test_api_not_effective_lists_the_follow_up(api_as, owner_actor):
    nc = make_nc(owner_actor)
    body = (
        api_as(Role.OWNER)
        .post(
            f"/api/v1/nonconformities/{nc.pk}/close",
            {"effective": False, "note": "Did not work."},
            content_type="application/json",
        )
        .json()
    )
    assert body["status"] == "closed_not_effective" and len(body["follow_up_ids"]) == 1
    follow_up = api_as(Role.VIEWER).get(f"/api/v1/nonconformities/{body['follow_up_ids'][0]}").json()
    assert follow_up["previous_id"] == str(nc.pk) and follow_up["reference"] == "NC-0002"


def test_api_refuses_unknown_requirement_and_status_fields(api_as, owner_actor):
    client = api_as(Role.MANAGER)
    bad = client.post(
        "/api/v1/nonconformities", {"title": "X", "requirement_ids": ["11.1"]}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "requirement_ids"
    nc = make_nc(owner_actor)
    ignored = client.patch(
        f"/api/v1/nonconformities/{nc.pk}", {"status": "closed_effective"}, content_type="application/json"
    )
    assert ignored.status_code == 200 and ignored.json()["status"] == "open"
    listed = client.get("/api/v1/nonconformities", {"q": "NC-0001"}).json()
    assert [item["reference"] for item in listed["items"]] == ["NC-0001"]
