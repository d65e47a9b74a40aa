"""Reporting obligations (A.8.5): next due dates, marking sent, overdue ones, validation, the readiness rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from openaims.governance.services import interested_party_create
from openaims.oversight.transparency import selectors, services
from openaims.oversight.transparency.models import ReportingObligation, add_months, next_due_date
from openaims.oversight.transparency.readiness import RULES, reporting_rule
from tests.oversight.transparency.helpers import make_obligation, make_record, make_system


@pytest.mark.parametrize(
    ("frequency", "sent", "expected"),
    [
        ("quarterly", 0, dt.date(2026, 1, 31)),
        ("quarterly", 1, dt.date(2026, 4, 30)),
        ("quarterly", 4, dt.date(2027, 1, 31)),
        ("monthly", 1, dt.date(2026, 2, 28)),  # the month's last day, not 3 March
        ("monthly", 2, dt.date(2026, 3, 31)),  # counted from the first date, so the 31st comes back
        ("yearly", 3, dt.date(2029, 1, 31)),
        ("once", 0, dt.date(2026, 1, 31)),
        ("once", 1, None),
        ("event", 0, None),
    ],
)
def test_next_due_date(frequency, sent, expected):
    assert next_due_date(frequency, dt.date(2026, 1, 31), sent) == expected


def test_add_months_over_a_leap_year():
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2023, 11, 30), 3) == dt.date(2024, 2, 29)


def test_marking_sent_moves_the_due_date_and_deleting_moves_it_back(owner_actor):
    obligation = make_obligation(owner_actor, frequency="quarterly", first_due_date=dt.date(2030, 1, 31))
    assert obligation.next_due_date == dt.date(2030, 1, 31)
    record = make_record(owner_actor, obligation, sent_on=dt.date(2026, 1, 20))
    obligation.refresh_from_db()
    assert obligation.next_due_date == dt.date(2030, 4, 30)
    event = TrailEvent.objects.filter(object_id=str(obligation.pk)).order_by("sequence").last()
    assert event.action == "transition" and event.changes_dict["next_due_date"] == ["2030-01-31", "2030-04-30"]
    services.reporting_record_delete(actor=owner_actor, reporting_record=record)
    obligation.refresh_from_db()
    assert obligation.next_due_date == dt.date(2030, 1, 31)


def test_changing_the_frequency_recomputes_the_due_date(owner_actor):
    obligation = make_obligation(owner_actor, frequency="quarterly", first_due_date=dt.date(2030, 1, 31))
    make_record(owner_actor, obligation)
    services.reporting_obligation_update(actor=owner_actor, reporting_obligation=obligation, frequency="yearly")
    obligation.refresh_from_db()
    assert obligation.next_due_date == dt.date(2031, 1, 31)
    services.reporting_obligation_update(actor=owner_actor, reporting_obligation=obligation, frequency="once")
    obligation.refresh_from_db()
    assert obligation.next_due_date is None  # sent once: done


def test_overdue_obligations(owner_actor, api_as):
    today = timezone.localdate()
    late = make_obligation(owner_actor, title="Late report", first_due_date=today - dt.timedelta(days=3))
    on_time = make_obligation(owner_actor, title="Future report", first_due_date=today + dt.timedelta(days=3))
    assert late.overdue and not on_time.overdue
    assert [o.pk for o in selectors.overdue_obligations(owner_actor)] == [late.pk]
    listed = api_as(Role.VIEWER).get("/api/v1/reporting-obligations", {"overdue": "true"}).json()
    assert [item["id"] for item in listed["items"]] == [str(late.pk)] and listed["items"][0]["overdue"]
    # Sending the late one once makes it due three months later: no longer overdue.
    make_record(owner_actor, late, sent_on=today)
    assert not selectors.overdue_obligations(owner_actor).exists()


def test_obligation_needs_a_recipient_and_a_due_date(owner_actor):
    system = make_system(owner_actor)
    with pytest.raises(ValidationError) as error:
        services.reporting_obligation_create(
            actor=owner_actor, ai_system=system, title="Report", recipient=" ", frequency="monthly"
        )
    assert set(error.value.message_dict) == {"recipient", "first_due_date"}
    party = interested_party_create(actor=owner_actor, name="Works council", kind="employee")
    obligation = services.reporting_obligation_create(
        actor=owner_actor, ai_system=system, title="Notice of change", interested_party=party, frequency="event"
    )
    assert obligation.to_whom == "Works council" and obligation.next_due_date is None
    assert ReportingObligation.objects.count() == 1


def test_api_refuses_another_organizations_party_and_future_records(owner_actor, other_actor, api_as):
    system = make_system(owner_actor)
    theirs = interested_party_create(actor=other_actor, name="Their regulator", kind="regulator")
    payload = {
        "ai_system_id": str(system.pk),
        "title": "Report",
        "interested_party_id": str(theirs.pk),
        "frequency": "event",
    }
    response = api_as(Role.MANAGER).post("/api/v1/reporting-obligations", payload, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "interested_party"
    obligation = make_obligation(owner_actor, system)
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    record = {"obligation_id": str(obligation.pk), "summary": "Sent", "sent_on": future}
    refused = api_as(Role.MANAGER).post("/api/v1/reporting-records", record, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "sent_on"
    obligation.refresh_from_db()
    assert obligation.next_due_date == dt.date(2030, 1, 31) and not obligation.records.exists()


def test_obligation_page_lists_records_and_offers_mark_sent(owner_actor, ui_as):
    obligation = make_obligation(owner_actor)
    make_record(owner_actor, obligation, summary="Sent by registered mail")
    page = ui_as(Role.CONTRIBUTOR).get(reverse("reporting-obligations-detail", args=[obligation.pk]))
    html = page.content.decode()
    assert "Sent by registered mail" in html
    assert f"{reverse('reporting-records-create')}?obligation={obligation.pk}" in html
    form = ui_as(Role.CONTRIBUTOR).get(reverse("reporting-records-create"), {"obligation": obligation.pk})
    assert f'<option value="{obligation.pk}" selected>' in form.content.decode()


def test_readiness_rule(owner_actor):
    from openaims.controls.selectors.readiness import collect_rules
    from openaims.inventory.services import ai_system_transition

    org = owner_actor.organization
    assert collect_rules()["A.8.5"] is RULES["A.8.5"]
    assert reporting_rule(org).status == "not_met"
    system = make_system(owner_actor, name="Live scorer")
    for stage in ("design", "development", "verification", "deployed"):
        ai_system_transition(actor=owner_actor, ai_system=system, to_stage=stage)
    derived = reporting_rule(org)
    assert derived.status == "not_met" and reverse(derived.url_name)
    obligation = make_obligation(owner_actor, system, first_due_date=timezone.localdate() - dt.timedelta(days=1))
    derived = reporting_rule(org)
    assert derived.status == "partial" and obligation.title in derived.explanation
    make_record(owner_actor, obligation)
    derived = reporting_rule(org)
    assert derived.status == "met" and "1 reporting obligation covers" in derived.explanation
