"""Expiry everywhere it counts, record items, and what other apps use: selectors and the links include."""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.evidence import selectors, services
from openaims.evidence.models import Evidence
from openaims.inventory.models import AISystem
from openaims.inventory.services import ai_system_create

TODAY = timezone.localdate()


def make(actor, title, valid_until=None, **fields):
    return services.evidence_create(
        actor=actor,
        title=title,
        url=f"https://example.org/{title}",
        collected_on=TODAY - dt.timedelta(days=400),
        valid_until=valid_until,
        **fields,
    )


def test_expired_flag_and_filter_in_the_api(api_as, owner_actor):
    old = make(owner_actor, "old-audit", TODAY - dt.timedelta(days=1))
    current = make(owner_actor, "current-audit", TODAY)
    forever = make(owner_actor, "policy")
    client = api_as(Role.VIEWER)
    assert client.get(f"/api/v1/evidence/{old.pk}").json()["is_expired"] is True
    assert client.get(f"/api/v1/evidence/{current.pk}").json()["is_expired"] is False
    expired = client.get("/api/v1/evidence", {"expired": "true"}).json()
    assert [i["id"] for i in expired["items"]] == [str(old.pk)]
    unexpired = {i["id"] for i in client.get("/api/v1/evidence", {"expired": "false"}).json()["items"]}
    assert unexpired == {str(current.pk), str(forever.pk)}
    soon = client.get("/api/v1/evidence", {"expiring_within_days": 30}).json()
    assert [i["id"] for i in soon["items"]] == [str(current.pk)]


def test_expired_flag_and_filter_in_the_ui(ui_as, owner_actor):
    old = make(owner_actor, "old-audit", TODAY - dt.timedelta(days=1))
    make(owner_actor, "fresh-audit", TODAY + dt.timedelta(days=365))
    client = ui_as(Role.VIEWER)
    page = client.get("/evidence/").content.decode()
    assert 'data-expiry="expired"' in page and 'data-expiry="valid"' in page
    filtered = client.get("/evidence/", {"expired": "true"}).content.decode()
    assert "old-audit" in filtered and "fresh-audit" not in filtered
    detail = client.get(f"/evidence/{old.pk}/").content.decode()
    assert "badge-red" in detail and "(expired)" in detail


def test_ui_filters_by_kind_ai_system_and_search(ui_as, owner_actor):
    system = ai_system_create(actor=owner_actor, name="Scorer", purpose="Scores loans.")
    make(owner_actor, "linked", ai_systems=[system])
    make(owner_actor, "unlinked")
    client = ui_as(Role.VIEWER)
    by_system = client.get("/evidence/", {"ai_system": str(system.pk)}).content.decode()
    assert "linked" in by_system and "unlinked" not in by_system
    by_q = client.get("/evidence/", {"q": "unlinked", "kind": "url"}).content.decode()
    assert "unlinked" in by_q and ">linked<" not in by_q
    api = ui_as(Role.VIEWER).get("/api/v1/evidence", {"ai_system_id": str(system.pk)}).json()
    assert [i["title"] for i in api["items"]] == ["linked"]


def test_record_items_name_a_record_of_this_organization(api_as, owner_actor, other_actor):
    ours = ai_system_create(actor=owner_actor, name="Ours", purpose="p")
    theirs = ai_system_create(actor=other_actor, name="Theirs", purpose="p")
    client = api_as(Role.OWNER)

    def post(**fields):
        return client.post(
            "/api/v1/evidence", {"title": "Record", "kind": "record", **fields}, content_type="application/json"
        )

    created = post(record_type="inventory.aisystem", record_id=str(ours.pk))
    assert created.status_code == 201 and created.json()["record_id"] == str(ours.pk)
    for fields, field in [
        ({"record_type": "inventory.aisystem", "record_id": str(theirs.pk)}, "record_id"),
        ({"record_type": "inventory.aisystem", "record_id": "not-an-id"}, "record_id"),
        ({"record_type": "accounts.user", "record_id": "1"}, "record_type"),
        ({"record_type": "nothing", "record_id": "1"}, "record_type"),
        ({"record_type": "inventory.aisystem"}, "record_id"),
        ({"record_type": "inventory.aisystem", "record_id": str(ours.pk), "url": "https://x.org"}, "url"),
    ]:
        response = post(**fields)
        assert response.status_code == 422, (fields, response.content)
        assert field in {e["field"] for e in response.json()["errors"]}, (fields, response.json())


def test_file_items_are_made_only_by_upload_and_kind_never_changes(api_as, owner_actor):
    client = api_as(Role.OWNER)
    refused = client.post("/api/v1/evidence", {"title": "F", "kind": "file"}, content_type="application/json")
    assert refused.status_code == 422
    link = make(owner_actor, "a-link")
    no_url = client.patch(f"/api/v1/evidence/{link.pk}", {"url": ""}, content_type="application/json")
    assert no_url.status_code == 422 and no_url.json()["errors"][0]["field"] == "url"
    owner = client.patch(
        f"/api/v1/evidence/{link.pk}",
        {"owner_id": "00000000-0000-0000-0000-000000000001"},
        content_type="application/json",
    )
    assert owner.status_code == 422 and owner.json()["errors"][0]["field"] == "owner_id"


def test_ui_edit_shows_only_the_fields_of_the_kind(ui_as, owner_actor):
    link = make(owner_actor, "edit-me")
    client = ui_as(Role.OWNER)
    page = client.get(f"/evidence/{link.pk}/edit/").content.decode()
    assert 'name="url"' in page and 'name="record_type"' not in page
    response = client.post(
        f"/evidence/{link.pk}/edit/",
        {"title": "edited", "url": "https://example.org/new", "collected_on": str(TODAY), "valid_until": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    link.refresh_from_db()
    assert link.title == "edited" and link.url == "https://example.org/new"


def test_selectors_answer_expiry_for_other_apps_in_one_query(owner_actor, django_assert_num_queries):
    systems = [ai_system_create(actor=owner_actor, name=f"S{i}", purpose="p") for i in range(3)]
    make(owner_actor, "expired-1", TODAY - dt.timedelta(days=2), ai_systems=systems[:2])
    make(owner_actor, "valid-1", TODAY + dt.timedelta(days=10), ai_systems=systems[:1])
    make(owner_actor, "valid-2", ai_systems=systems[:1])
    qs = selectors.annotate_evidence_status(AISystem.objects.filter(organization=owner_actor.organization))
    with django_assert_num_queries(1):
        counts = {s.name: (s.evidence_count, s.expired_evidence_count) for s in qs}
    assert counts == {"S0": (3, 1), "S1": (1, 1), "S2": (0, 0)}
    with django_assert_num_queries(1):
        summary = selectors.evidence_summary(Evidence.objects.filter(organization=owner_actor.organization))
    assert summary == {"total": 3, "expired": 1, "expiring": 1, "valid": 2}
    ids = Evidence.objects.values_list("pk", flat=True)
    assert {Evidence.objects.get(pk=i).title for i in selectors.expired_evidence_ids(ids)} == {"expired-1"}


def test_links_include_renders_badges_without_queries(owner_actor, django_assert_num_queries):
    system = ai_system_create(actor=owner_actor, name="Scorer", purpose="p")
    make(owner_actor, "stale", TODAY - dt.timedelta(days=1), ai_systems=[system])
    make(owner_actor, "fine", ai_systems=[system])
    system = AISystem.objects.prefetch_related("evidence").get(pk=system.pk)
    with django_assert_num_queries(0):
        html = render_to_string("evidence/evidence_links.html", {"evidence": system.evidence.all()})
    assert html.count("<li") == 2 and 'class="expired"' in html and "badge-red" in html and "No expiry" in html
    empty = render_to_string("evidence/evidence_links.html", {"evidence": [], "empty_text": "Nothing yet."})
    assert "Nothing yet." in empty


def test_nav_has_evidence(ui_as):
    assert 'href="/evidence/"' in ui_as(Role.VIEWER).get("/").content.decode()
