"""Incident services: numbering, duties kept in step with the facts, closing, nonconformities, the timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.audits.models import Nonconformity
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.inventory.classification import ai_system_classify
from openaims.oversight.incidents import services
from openaims.oversight.incidents.models import Incident, IncidentTimelineEntry, NotificationDuty
from tests.oversight.incidents.helpers import HIGH_RISK_ANSWERS, make_duty, make_incident, make_system


def _rules(incident) -> dict:
    return {d.rule: d for d in NotificationDuty.objects.filter(incident=incident)}


def test_numbers_count_per_organization(owner_actor, other_actor):
    first, second = make_incident(owner_actor), make_incident(owner_actor)
    theirs = make_incident(other_actor)
    assert (first.reference, second.reference, theirs.reference) == ("INC-0001", "INC-0002", "INC-0001")


def test_serious_incident_of_high_risk_system_gets_art73_duty_from_becoming_aware(owner_actor):
    aware = timezone.now() - dt.timedelta(days=1)
    incident = make_incident(
        owner_actor, ai_system=make_system(owner_actor), serious_categories=["fundamental_rights"], detected_at=aware
    )
    assert incident.serious
    duty = _rules(incident)["eu_ai_act_art73"]
    assert duty.deadline == aware + dt.timedelta(days=15) and "73(2)" in duty.legal_basis and not duty.overdue
    assert "Notification duty" in " ".join(incident.timeline.values_list("what", flat=True))


def test_non_high_risk_and_unclassified_systems_get_no_art73_duty(owner_actor):
    for system in (make_system(owner_actor, tier="minimal"), make_system(owner_actor, tier=None), None):
        incident = make_incident(owner_actor, ai_system=system, serious_categories=["health"])
        assert incident.serious and _rules(incident) == {}


def test_changing_the_facts_moves_adds_and_removes_unsent_duties(owner_actor):
    aware = timezone.now() - dt.timedelta(hours=2)
    incident = make_incident(owner_actor, ai_system=make_system(owner_actor), detected_at=aware)
    assert _rules(incident) == {}
    services.incident_update(actor=owner_actor, incident=incident, serious_categories=["health"])
    assert _rules(incident)["eu_ai_act_art73"].deadline == aware + dt.timedelta(days=15)
    services.incident_update(actor=owner_actor, incident=incident, involves_death=True)
    assert _rules(incident)["eu_ai_act_art73"].deadline == aware + dt.timedelta(days=10)
    services.incident_update(actor=owner_actor, incident=incident, personal_data_breach=True)
    assert set(_rules(incident)) == {"eu_ai_act_art73", "gdpr_art33"}
    assert _rules(incident)["gdpr_art33"].deadline == aware + dt.timedelta(hours=72)
    services.incident_update(
        actor=owner_actor, incident=incident, involves_death=False, serious_categories=[], personal_data_breach=False
    )
    assert _rules(incident) == {}
    events = TrailEvent.objects.filter(object_type="incidents.notificationduty")
    assert {"create", "update", "delete"} <= set(events.values_list("action", flat=True))


def test_a_later_high_risk_classification_recomputes_the_duties(owner_actor):
    system = make_system(owner_actor, tier=None)
    incident = make_incident(owner_actor, ai_system=system, serious_categories=["health"])
    assert _rules(incident) == {}
    ai_system_classify(actor=owner_actor, ai_system=system, answers=HIGH_RISK_ANSWERS)
    assert list(_rules(incident)) == ["eu_ai_act_art73"]  # the classification told the open incidents
    duties = services.incident_sync_duties(actor=owner_actor, incident=incident)  # and recompute is idempotent
    assert [d.rule for d in duties] == ["eu_ai_act_art73"]


def test_a_sent_duty_is_kept_when_the_facts_change(owner_actor):
    incident = make_incident(owner_actor, ai_system=make_system(owner_actor), serious_categories=["health"])
    duty = _rules(incident)["eu_ai_act_art73"]
    services.notification_duty_mark_sent(actor=owner_actor, notification_duty=duty, reference="MSA-1")
    deadline = NotificationDuty.objects.get(pk=duty.pk).deadline
    services.incident_update(actor=owner_actor, incident=incident, serious_categories=[])
    kept = NotificationDuty.objects.get(pk=duty.pk)
    assert kept.sent_at is not None and kept.deadline == deadline and kept.reference == "MSA-1"
    assert "Notified" in " ".join(incident.timeline.values_list("what", flat=True))


def test_overdue_and_late(owner_actor):
    aware = timezone.now() - dt.timedelta(days=20)
    incident = make_incident(
        owner_actor, ai_system=make_system(owner_actor), serious_categories=["health"], detected_at=aware
    )
    duty = _rules(incident)["eu_ai_act_art73"]
    assert duty.overdue and not duty.sent
    assert "overdue" in Incident.objects.get(pk=incident.pk).notification_badge
    services.notification_duty_mark_sent(actor=owner_actor, notification_duty=duty)
    duty.refresh_from_db()
    assert not duty.overdue and duty.sent_late and "sent late" in duty.state_badge


def test_closing_needs_every_duty_sent(owner_actor):
    incident = make_incident(owner_actor, ai_system=make_system(owner_actor), serious_categories=["health"])
    with pytest.raises(ValidationError) as err:
        services.incident_update(actor=owner_actor, incident=incident, status="closed", containment="Stopped.")
    assert "status" in err.value.message_dict and "unsent" in err.value.message_dict["status"][0]
    assert Incident.objects.get(pk=incident.pk).status == "open"
    duty = _rules(incident)["eu_ai_act_art73"]
    services.notification_duty_mark_sent(actor=owner_actor, notification_duty=duty)
    closed = services.incident_update(actor=owner_actor, incident=incident, status="closed", containment="Stopped.")
    assert closed.status == "closed"
    assert TrailEvent.objects.filter(object_id=str(incident.pk), action="transition").count() == 1
    assert "Open → Closed" in " ".join(incident.timeline.values_list("what", flat=True))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"serious_categories": ["weather"]}, "serious_categories"),
        ({"serious_categories": ["health", "health"]}, "serious_categories"),
        ({"involves_death": True}, "involves_death"),
        ({"status": "contained"}, "containment"),
        ({"detected_at": timezone.now() + dt.timedelta(days=2)}, "detected_at"),
        (
            {
                "occurred_at": timezone.now() - dt.timedelta(hours=1),
                "detected_at": timezone.now() - dt.timedelta(days=1),
            },
            "occurred_at",
        ),
        ({"number": 7}, "number"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(owner_actor, fields, field):
    before = (Incident.objects.count(), TrailEvent.objects.count())
    with pytest.raises(ValidationError) as err:
        make_incident(owner_actor, **fields)
    assert field in err.value.message_dict
    assert (Incident.objects.count(), TrailEvent.objects.count()) == before


def test_open_nonconformity_from_incident(actor_of):
    contributor = actor_of(Role.CONTRIBUTOR)
    incident = make_incident(contributor, ai_system=make_system(contributor), serious_categories=["health"])
    nc = services.incident_open_nonconformity(actor=contributor, incident=incident)
    assert nc.source == "incident" and nc.severity == "major" and nc.ai_system_id == incident.ai_system_id
    assert incident.reference in nc.title and list(incident.nonconformities.all()) == [nc]
    assert Nonconformity.objects.get(pk=nc.pk).incidents.get() == incident
    with pytest.raises(PermissionDenied):
        services.incident_open_nonconformity(actor=actor_of(Role.VIEWER), incident=incident)


def test_timeline_is_append_only(owner_actor, actor_of):
    incident = make_incident(owner_actor)
    entry = services.incident_timeline_entry_create(actor=owner_actor, incident=incident, what="Paused the model.")
    assert entry.by == owner_actor.label and entry.by_user == owner_actor.user
    assert not hasattr(services, "incident_timeline_entry_update")
    assert not hasattr(services, "incident_timeline_entry_delete")
    with pytest.raises(ValidationError) as err:
        services.incident_timeline_entry_create(actor=owner_actor, incident=incident, what="  ")
    assert "what" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.incident_timeline_entry_create(
            actor=owner_actor, incident=incident, what="x", at=timezone.now() + dt.timedelta(days=1)
        )
    assert "at" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        services.incident_timeline_entry_create(actor=actor_of(Role.AUDITOR), incident=incident, what="x")


def test_duty_rules(owner_actor, other_actor):
    incident = make_incident(owner_actor, ai_system=make_system(owner_actor), serious_categories=["health"])
    computed = _rules(incident)["eu_ai_act_art73"]
    with pytest.raises(ValidationError) as err:
        services.notification_duty_update(
            actor=owner_actor, notification_duty=computed, deadline=computed.deadline + dt.timedelta(days=30)
        )
    assert "deadline" in err.value.message_dict
    named = services.notification_duty_update(
        actor=owner_actor, notification_duty=computed, recipient="Bundesnetzagentur"
    )
    assert named.recipient == "Bundesnetzagentur"
    with pytest.raises(ValidationError) as err:
        services.notification_duty_delete(actor=owner_actor, notification_duty=computed)
    assert "rule" in err.value.message_dict
    manual = make_duty(owner_actor, incident=incident)
    services.notification_duty_mark_sent(actor=owner_actor, notification_duty=manual)
    with pytest.raises(ValidationError) as err:
        services.notification_duty_mark_sent(actor=owner_actor, notification_duty=manual)
    assert "sent_at" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.notification_duty_delete(actor=owner_actor, notification_duty=manual)
    with pytest.raises(ValidationError) as err:
        services.notification_duty_update(actor=owner_actor, notification_duty=manual, recipient="Someone else")
    assert "recipient" in err.value.message_dict
    services.notification_duty_update(actor=owner_actor, notification_duty=manual, reference="R-9")
    with pytest.raises(ValidationError) as err:
        make_duty(other_actor, incident=incident)
    assert "incident" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.incident_delete(actor=owner_actor, incident=incident)
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_delete_removes_timeline_and_unsent_duties_with_trail(owner_actor):
    incident = make_incident(owner_actor, ai_system=make_system(owner_actor), serious_categories=["health"])
    ids = [str(e.pk) for e in incident.timeline.all()] + [str(d.pk) for d in incident.duties.all()]
    services.incident_delete(actor=owner_actor, incident=incident)
    assert not IncidentTimelineEntry.objects.filter(incident_id=incident.pk).exists()
    assert set(
        TrailEvent.objects.filter(action="delete", object_id__in=ids).values_list("object_id", flat=True)
    ) == set(ids)
