"""SoA versions through the API and the pages: issue rights, approver recorded, diff, another organization 404."""

from __future__ import annotations

from django.urls import reverse

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from openaims.controls import services
from openaims.controls.models import SoAEntry, SoAVersion
from tests.controls.conftest import justify_all


def test_issue_read_list_through_the_api(justified_soa, api_as, members):
    refused = api_as(Role.CONTRIBUTOR).post("/api/v1/soa-versions", {}, content_type="application/json")
    assert refused.status_code == 403 and not SoAVersion.objects.exists()
    client = api_as(Role.MANAGER)
    not_approver = client.post(
        "/api/v1/soa-versions",
        {"approved_by_id": str(members[Role.CONTRIBUTOR].pk)},
        content_type="application/json",
    )
    assert not_approver.status_code == 422 and not_approver.json()["errors"][0]["field"] == "approved_by"
    created = client.post(
        "/api/v1/soa-versions",
        {"approved_by_id": str(members[Role.OWNER].pk), "note": "Board meeting."},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["label"] == "SoA v1" and body["approved_by_id"] == str(members[Role.OWNER].pk)
    assert body["approved_by_name"] == str(members[Role.OWNER]) and len(body["entries"]) == 38
    assert body["previous_number"] is None and body["diff"]["changed"] == []
    assert TrailEvent.objects.filter(object_id=body["id"], action="create").exists()

    entry = SoAEntry.objects.get(organization=justified_soa.organization, control_id="A.7.2")
    patched = client.patch(
        f"/api/v1/soa-entries/{entry.pk}",
        {"applicable": False, "justification": "No training data of our own."},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["applicable"] is False
    v2 = client.post("/api/v1/soa-versions", {}, content_type="application/json").json()
    assert v2["number"] == 2 and v2["previous_number"] == 1 and v2["approved_by_name"] == str(members[Role.MANAGER])
    changed = {c["control_id"]: {f["field"]: f for f in c["fields"]} for c in v2["diff"]["changed"]}
    assert changed["A.7.2"]["applicable"]["before"] is True and changed["A.7.2"]["applicable"]["after"] is False

    listed = api_as(Role.VIEWER).get("/api/v1/soa-versions").json()
    assert [v["number"] for v in listed["items"]] == [2, 1] and listed["items"][0]["entry_count"] == 38
    read = api_as(Role.AUDITOR).get(f"/api/v1/soa-versions/{body['id']}")
    assert read.status_code == 200 and read.json()["number"] == 1


def test_justification_errors_through_the_api(owner_actor, api_as):
    services.soa_ensure_entries(actor=owner_actor)
    entry = SoAEntry.objects.get(organization=owner_actor.organization, control_id="A.2.2")
    client = api_as(Role.MANAGER)
    response = client.patch(f"/api/v1/soa-entries/{entry.pk}", {"applicable": False}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"] == [
        {"field": "justification", "message": "Say why this control is excluded."}
    ]
    issue = client.post("/api/v1/soa-versions", {}, content_type="application/json")
    assert issue.status_code == 422 and issue.json()["errors"][0]["field"] == "justification"
    assert "A.2.2" in issue.json()["errors"][0]["message"]
    annex = client.delete(f"/api/v1/soa-entries/{entry.pk}")
    assert annex.status_code == 422 and annex.json()["errors"][0]["field"] == "control_id"


def test_other_organization_is_404_on_every_endpoint(owner_actor, other_actor, api_as, ui_as):
    justify_all(other_actor)
    theirs = services.soa_issue_version(actor=other_actor)
    their_entry = SoAEntry.objects.filter(organization=other_actor.organization).first()
    services.soa_ensure_entries(actor=owner_actor)
    client = api_as(Role.OWNER)
    ui = ui_as(Role.OWNER)
    before = TrailEvent.objects.count()
    for url in (
        f"/api/v1/soa-entries/{their_entry.pk}",
        f"/api/v1/soa-entries/{their_entry.pk}/history",
        f"/api/v1/soa-versions/{theirs.pk}",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.patch(
            f"/api/v1/soa-entries/{their_entry.pk}", {"notes": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/soa-entries/{their_entry.pk}").status_code == 404
    assert client.get("/api/v1/soa-export", {"format": "xlsx", "version": 1}).status_code == 404
    assert client.get("/api/v1/soa-versions").json()["count"] == 0
    ids = {e["id"] for e in client.get("/api/v1/soa-entries", {"limit": 200}).json()["items"]}
    assert str(their_entry.pk) not in ids
    for url in (
        reverse("soa-entries-detail", args=[their_entry.pk]),
        reverse("soa-entries-edit", args=[their_entry.pk]),
        reverse("soa-entries-row", args=[their_entry.pk]),
        reverse("soa-version-detail", args=[theirs.pk]),
    ):
        assert ui.get(url).status_code == 404, url
    assert ui.post(reverse("soa-entries-row", args=[their_entry.pk]), {"justification": "x"}).status_code == 404
    assert ui.get(reverse("soa-export"), {"format": "pdf", "version": 1}).status_code == 404
    assert TrailEvent.objects.count() == before


def test_soa_page_groups_filters_and_edits_in_place(owner_actor, ui_as):
    viewer = ui_as(Role.VIEWER)
    page = viewer.get(reverse("soa"))
    html = page.content.decode()
    assert page.status_code == 200 and html.count('data-control="A.') == 38
    assert 'data-group="A.6.2"' in html and "38 without a justification" in html
    assert "draft — not approved" in html
    filtered = viewer.get(reverse("soa"), {"group_id": "A.9"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="soa-table")
    assert filtered.content.decode().count('data-control="A.') == 3 and "<html" not in filtered.content.decode()
    assert 'hx-get="/soa-entries/' not in html  # viewers get no edit button

    entry = SoAEntry.objects.get(organization=owner_actor.organization, control_id="A.9.2")
    contributor = ui_as(Role.CONTRIBUTOR)
    row_form = contributor.get(reverse("soa-entries-row", args=[entry.pk]), {"edit": "1"}, HTTP_HX_REQUEST="true")
    assert row_form.status_code == 200 and 'name="justification"' in row_form.content.decode()
    refused = contributor.post(
        reverse("soa-entries-row", args=[entry.pk]),
        {"applicable": "false", "justification": "", "implementation_status": "not_started"},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 200 and "Say why this control is excluded." in refused.content.decode()
    saved = contributor.post(
        reverse("soa-entries-row", args=[entry.pk]),
        {"applicable": "true", "justification": "Obligation O-2.", "implementation_status": "planned"},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200 and "Obligation O-2." in saved.content.decode()
    entry.refresh_from_db()
    assert entry.implementation_status == "planned" and entry.justification == "Obligation O-2."
    assert viewer.get(reverse("soa-entries-row", args=[entry.pk]), {"edit": "1"}).status_code == 403


def test_issue_form_and_version_pages(owner_actor, ui_as, members):
    services.soa_ensure_entries(actor=owner_actor)
    manager = ui_as(Role.MANAGER)
    assert ui_as(Role.CONTRIBUTOR).get(reverse("soa-issue")).status_code == 403
    form = manager.get(reverse("soa-issue"))
    assert form.status_code == 200 and members[Role.CONTRIBUTOR].username not in form.content.decode()
    data = {"approved_by": members[Role.OWNER].pk, "approved_on": "2025-01-15", "note": "Q1"}
    refused = manager.post(reverse("soa-issue"), data)
    assert refused.status_code == 422 and "38 controls have no justification" in refused.content.decode()
    justify_all(owner_actor)
    issued = manager.post(reverse("soa-issue"), data)
    assert issued.status_code == 302
    version = SoAVersion.objects.get()
    assert version.approved_by == members[Role.OWNER] and str(version.approved_on) == "2025-01-15"
    detail = ui_as(Role.VIEWER).get(issued["Location"]).content.decode()
    assert "SoA v1" in detail and "First version" in detail and "2025-01-15" in detail
    listed = ui_as(Role.AUDITOR).get(reverse("soa-versions")).content.decode()
    assert "SoA v1" in listed and "format=pdf&amp;version=1" in listed
    entry = SoAEntry.objects.get(organization=owner_actor.organization, control_id="A.3.3")
    services.soa_entry_update(actor=owner_actor, soa_entry=entry, implementation_status="implemented")
    assert "1 control changed since" in ui_as(Role.VIEWER).get(reverse("soa")).content.decode()
    services.soa_issue_version(actor=owner_actor)
    v2 = SoAVersion.objects.get(number=2)
    diff_page = ui_as(Role.VIEWER).get(reverse("soa-version-detail", args=[v2.pk])).content.decode()
    assert "Changes against SoA v1" in diff_page and 'data-control="A.3.3"' in diff_page
