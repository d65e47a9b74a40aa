"""Incident API actions (timeline, mark sent, open a nonconformity), pages, the dashboard card, readiness, demo."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.accounts.models import Organization
from openaims.base.models import TrailEvent
from openaims.controls.selectors.readiness import collect_rules
from openaims.oversight.incidents import readiness, services
from openaims.oversight.incidents.models import Concern, Incident, NotificationDuty
from tests.oversight.incidents.helpers import make_incident, make_system


def _overdue_incident(actor):
    return make_incident(
        actor,
        ai_system=make_system(actor),
        serious_categories=["health"],
        detected_at=timezone.now() - dt.timedelta(days=20),
    )


def test_api_timeline_entries_are_append_only(api_as, owner_actor, other_actor):
    incident = make_incident(owner_actor)
    client = api_as(Role.CONTRIBUTOR)
    created = client.post(
        "/api/v1/incident-timeline-entries",
        {"incident_id": str(incident.pk), "what": "Rolled back to v2.3."},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["by"].startswith("contributor-acme")
    pk = created.json()["id"]
    listed = client.get("/api/v1/incident-timeline-entries", {"incident_id": str(incident.pk)}).json()
    assert pk in [item["id"] for item in listed["items"]] and listed["count"] == 2  # "Recorded" + this one
    assert client.get(f"/api/v1/incident-timeline-entries/{pk}").status_code == 200
    assert (
        client.patch(f"/api/v1/incident-timeline-entries/{pk}", {}, content_type="application/json").status_code == 405
    )
    assert client.delete(f"/api/v1/incident-timeline-entries/{pk}").status_code == 405
    theirs = make_incident(other_actor)
    cross = client.post(
        "/api/v1/incident-timeline-entries",
        {"incident_id": str(theirs.pk), "what": "x"},
        content_type="application/json",
    )
    assert cross.status_code == 422 and cross.json()["errors"][0]["field"] == "incident"
    their_entry = theirs.timeline.get()
    assert client.get(f"/api/v1/incident-timeline-entries/{their_entry.pk}").status_code == 404
    denied = api_as(Role.VIEWER).post(
        "/api/v1/incident-timeline-entries",
        {"incident_id": str(incident.pk), "what": "x"},
        content_type="application/json",
    )
    assert denied.status_code == 403


def test_api_mark_sent_and_overdue_filters(api_as, owner_actor, other_actor):
    incident = _overdue_incident(owner_actor)
    client = api_as(Role.MANAGER)
    flagged = client.get("/api/v1/incidents", {"overdue_notification": "true"}).json()
    assert [item["id"] for item in flagged["items"]] == [str(incident.pk)]
    assert flagged["items"][0]["overdue_notification"] is True and flagged["items"][0]["serious"] is True
    duty = NotificationDuty.objects.get(incident=incident)
    overdue = client.get("/api/v1/notification-duties", {"overdue": "true"}).json()
    assert [item["id"] for item in overdue["items"]] == [str(duty.pk)]
    future = client.post(
        f"/api/v1/notification-duties/{duty.pk}/sent",
        {"sent_at": (timezone.now() + dt.timedelta(days=3)).isoformat()},
        content_type="application/json",
    )
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "sent_at"
    sent = client.post(
        f"/api/v1/notification-duties/{duty.pk}/sent", {"reference": "MSA-9"}, content_type="application/json"
    )
    body = sent.json()
    assert sent.status_code == 200 and body["sent_at"] and body["reference"] == "MSA-9" and body["sent_late"] is True
    assert TrailEvent.objects.filter(object_id=str(duty.pk), action="transition").count() == 1
    assert client.get("/api/v1/incidents", {"overdue_notification": "true"}).json()["count"] == 0
    theirs = NotificationDuty.objects.get(incident=_overdue_incident(other_actor))
    assert (
        client.post(f"/api/v1/notification-duties/{theirs.pk}/sent", {}, content_type="application/json").status_code
        == 404
    )
    assert NotificationDuty.objects.get(pk=theirs.pk).sent_at is None


def test_api_open_nonconformity_and_recompute(api_as, owner_actor, other_actor):
    incident = make_incident(owner_actor, ai_system=make_system(owner_actor))
    client = api_as(Role.CONTRIBUTOR)
    opened = client.post(f"/api/v1/incidents/{incident.pk}/nonconformities", {}, content_type="application/json")
    assert opened.status_code == 201 and len(opened.json()["nonconformities"]) == 1
    nc_id = opened.json()["nonconformities"][0]
    nc = client.get(f"/api/v1/nonconformities/{nc_id}").json()
    assert nc["source"] == "incident" and incident.reference in nc["title"]
    recomputed = client.post(f"/api/v1/incidents/{incident.pk}/duties/recompute")
    assert recomputed.status_code == 200 and recomputed.json() == []
    theirs = make_incident(other_actor)
    assert (
        client.post(f"/api/v1/incidents/{theirs.pk}/nonconformities", {}, content_type="application/json").status_code
        == 404
    )
    bad = client.post(
        "/api/v1/incidents",
        {"title": "x", "description": "y", "serious_categories": ["weather"]},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("serious_categories")


def test_incident_page_shows_duties_timeline_and_actions(ui_as, owner_actor):
    incident = _overdue_incident(owner_actor)
    client = ui_as(Role.MANAGER)
    page = client.get(reverse("incidents-detail", args=[incident.pk])).content.decode()
    assert "Market surveillance" in page and "overdue" in page and "Timeline" in page and "High-risk" in page
    listed = client.get(reverse("incidents-list")).content.decode()
    assert incident.reference in listed and 'badge-red">overdue' in listed
    added = client.post(reverse("incidents-timeline-add", args=[incident.pk]), {"what": "Called the authority."})
    assert added.status_code == 302 and incident.timeline.filter(what="Called the authority.").exists()
    duty = incident.duties.get()
    sent = client.post(reverse("notification-duties-sent", args=[duty.pk]), {"reference": "R-1", "back": "incident"})
    assert sent.status_code == 302 and sent["Location"] == reverse("incidents-detail", args=[incident.pk])
    assert NotificationDuty.objects.get(pk=duty.pk).sent_at is not None
    opened = client.post(reverse("incidents-open-nonconformity", args=[incident.pk]))
    assert opened.status_code == 302 and incident.nonconformities.count() == 1
    viewer = ui_as(Role.VIEWER)
    assert viewer.post(reverse("incidents-timeline-add", args=[incident.pk]), {"what": "x"}).status_code == 403
    assert viewer.post(reverse("notification-duties-sent", args=[duty.pk])).status_code == 403


def test_actions_on_another_organizations_incident_are_404(ui_as, other_actor):
    theirs = _overdue_incident(other_actor)
    duty = theirs.duties.get()
    entries = theirs.timeline.count()
    client = ui_as(Role.OWNER)
    assert client.post(reverse("incidents-timeline-add", args=[theirs.pk]), {"what": "x"}).status_code == 404
    assert client.post(reverse("incidents-open-nonconformity", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notification-duties-sent", args=[duty.pk])).status_code == 404
    assert theirs.timeline.count() == entries and theirs.nonconformities.count() == 0
    assert NotificationDuty.objects.get(pk=duty.pk).sent_at is None


def test_dashboard_card_lists_overdue_notifications_and_untriaged_concerns(ui_as, owner_actor, other_actor):
    incident = _overdue_incident(owner_actor)
    _overdue_incident(other_actor)
    concern, _ = services.concern_report(organization=owner_actor.organization, description="Unfair refusal.")
    page = ui_as(Role.MANAGER).get(reverse("dashboard")).content.decode()
    assert incident.reference in page and "notification to" in page
    assert reverse("concerns-detail", args=[concern.pk]) in page
    viewer_page = ui_as(Role.VIEWER).get(reverse("dashboard")).content.decode()
    assert incident.reference in viewer_page and concern.reference not in viewer_page
    assert page.count("overdue since") == 1  # the other organization's is not shown


def test_readiness_rules(owner_actor):
    org = owner_actor.organization
    assert collect_rules()["A.8.4"] is readiness.RULES["A.8.4"]
    assert readiness.incident_communication_rule(org).status == "partial"
    assert readiness.concern_rule(org).status == "partial"
    make_incident(owner_actor)
    assert readiness.incident_communication_rule(org).status == "met"
    incident = _overdue_incident(owner_actor)
    derived = readiness.incident_communication_rule(org)
    assert derived.status == "not_met" and incident.reference in derived.explanation
    reverse(derived.url_name)
    services.notification_duty_mark_sent(actor=owner_actor, notification_duty=incident.duties.get())
    derived = readiness.incident_communication_rule(org)
    assert derived.status == "partial" and "after their deadline" in derived.explanation
    concern, _ = services.concern_report(organization=org, description="x")
    assert readiness.concern_rule(org).status == "met"
    Concern.objects.filter(pk=concern.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    assert readiness.concern_rule(org).status == "partial"


def test_demo_incidents(db):
    from openaims.demo import load_demo

    organization, created = load_demo()
    assert created and isinstance(organization, Organization)
    incidents = Incident.objects.filter(organization=organization).order_by("number")
    serious, minor = incidents
    assert serious.serious and serious.ai_system.name == "Retail credit scoring"
    states = sorted(d.sent_at is not None for d in serious.duties.all())
    assert states == [False, True]
    assert minor.status == "contained" and minor.nonconformities.count() == 1
    concerns = Concern.objects.filter(organization=organization)
    assert concerns.count() == 2 and concerns.filter(replies__isnull=False).distinct().count() == 1
    # The public form names published systems only: the demo's concerns are about systems on its trust page.
    from openaims.oversight.incidents.selectors import reportable_systems

    reportable = set(reportable_systems(organization).values_list("pk", flat=True))
    assert {c.ai_system_id for c in concerns} <= reportable and None not in {c.ai_system_id for c in concerns}
