"""The life of a management review: plan, hold (inputs compiled and frozen), decide, give actions, issue the minutes;
actions carried into the next review; bad input names the field and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.governance import services as governance
from openaims.management_review import services
from openaims.management_review.inputs import INPUT_SECTIONS, compile_inputs, months
from openaims.management_review.models import ManagementReview, ReviewAction, add_months, inputs_digest
from openaims.management_review.present import present_inputs
from openaims.management_review.selectors import review_inputs
from tests.audits.helpers import make_monitor, make_nc, make_run
from tests.audits.internal_helpers import make_improvement
from tests.management_review.helpers import make_action, make_decision, make_held_review, make_review
from tests.risk.helpers import make_risk

TODAY = dt.date.today


def _events(obj) -> list[str]:
    return [e.action for e in TrailEvent.objects.filter(object_id=str(obj.pk)).order_by("sequence")]


def test_numbers_and_add_months(owner_actor, other_actor):
    first, second = make_review(owner_actor), make_review(owner_actor)
    theirs = make_review(other_actor)
    assert (first.reference, second.reference, theirs.reference) == ("MR-0001", "MR-0002", "MR-0001")
    assert add_months(dt.date(2030, 1, 31), 1) == dt.date(2030, 2, 28)
    assert add_months(dt.date(2030, 11, 15), 14) == dt.date(2032, 1, 15)
    assert months(dt.date(2030, 3, 20), dt.date(2030, 5, 2)) == ["2030-03", "2030-04", "2030-05"]
    assert len(months(None, dt.date(2030, 5, 2))) == 12


def test_hold_compiles_and_freezes_the_inputs(owner_actor):
    make_nc(owner_actor, title="Skewed approvals", source="monitoring")
    make_improvement(owner_actor, title="Automate the drift review", owner=owner_actor.user)
    review = make_review(owner_actor, title="Annual review")
    preview = review_inputs(review)
    assert set(INPUT_SECTIONS) <= set(preview) and preview["nonconformities"]["opened"] == 1
    assert review.inputs == {} and review.inputs_sha256 == ""

    held = services.management_review_hold(actor=owner_actor, management_review=review)
    assert held.status == "held" and held.held_on == timezone.localdate() and held.inputs_intact
    assert held.inputs_sha256 == inputs_digest(held.inputs) and len(held.inputs_sha256) == 64
    assert held.inputs["nonconformities"]["opened"] == 1
    assert held.inputs["improvements"]["open"] == 1
    assert held.next_due == add_months(held.held_on, 12)
    event = TrailEvent.objects.filter(object_id=str(review.pk)).order_by("sequence").last()
    assert event.action == "transition" and "inputs_sha256" in event.changes_dict
    assert "inputs" not in event.changes_dict  # the snapshot is recorded by its digest

    # Later records never change a held review's inputs.
    frozen = dict(held.inputs)
    make_nc(owner_actor, title="Another one")
    make_improvement(owner_actor, title="Second improvement")
    again = ManagementReview.objects.get(pk=review.pk)
    assert again.inputs == frozen and again.inputs_intact
    assert review_inputs(again)["nonconformities"]["opened"] == 1
    # ... while a live compile sees them.
    assert compile_inputs(owner_actor.organization, None, timezone.localdate())["nonconformities"]["opened"] == 2


def test_monitoring_breaches_reach_the_inputs(owner_actor):
    monitor = make_monitor(owner_actor)
    make_run(owner_actor, monitor, 0, passed=True)
    make_run(owner_actor, monitor, 1, passed=False)
    inputs = compile_inputs(owner_actor.organization, None, timezone.localdate())
    assert inputs["monitoring"]["runs"] == 2 and inputs["monitoring"]["breaches"] == 1
    assert sum(inputs["monitoring"]["breaches_by_month"]["breaches"]) == 1
    assert inputs["monitoring"]["breached_monitors"][0]["monitor"] == monitor.name


def test_actions_are_carried_into_the_next_review(owner_actor):
    first = make_held_review(owner_actor)
    make_decision(owner_actor, first)
    done = make_action(owner_actor, first, title="Write the runbook")
    open_one = make_action(owner_actor, first, title="Hire a reviewer")
    services.review_action_close(actor=owner_actor, review_action=done, note="Runbook published.")
    services.management_review_issue_minutes(actor=owner_actor, management_review=first)

    second = make_review(owner_actor)
    carried = review_inputs(second)["previous_actions"]
    assert (carried["total"], carried["open"], carried["done"]) == (2, 1, 1)
    assert [a["title"] for a in carried["items"]] == ["Hire a reviewer", "Write the runbook"]
    assert carried["items"][1]["closing_note"] == "Runbook published."
    held = services.management_review_hold(actor=owner_actor, management_review=second)
    assert held.inputs["previous_actions"]["open"] == 1
    assert held.inputs["period"]["since"] == first.held_on.isoformat()
    # Progress after the minutes: an issued review's action may still be closed.
    services.review_action_cancel(actor=owner_actor, review_action=open_one, note="Budget moved to 2031.")
    assert ReviewAction.objects.get(pk=open_one.pk).status == "cancelled"
    assert ManagementReview.objects.get(pk=second.pk).inputs["previous_actions"]["open"] == 1  # still frozen


def test_issued_review_is_read_only(owner_actor, actor_of):
    review = make_held_review(owner_actor)
    decision = make_decision(owner_actor, review)
    action = make_action(owner_actor, review)
    with pytest.raises(PermissionDenied):
        services.management_review_issue_minutes(actor=actor_of(Role.CONTRIBUTOR), management_review=review)
    issued = services.management_review_issue_minutes(actor=owner_actor, management_review=review)
    assert issued.status == "minutes_issued" and issued.issued_by == owner_actor.user and issued.minutes_issued_at
    for call in (
        lambda: services.management_review_update(actor=owner_actor, management_review=review, summary="Later."),
        lambda: services.review_decision_update(actor=owner_actor, review_decision=decision, text="Changed."),
        lambda: services.review_decision_create(actor=owner_actor, review=review, text="New."),
        lambda: services.review_action_update(actor=owner_actor, review_action=action, title="Changed"),
        lambda: services.review_action_delete(actor=owner_actor, review_action=action),
        lambda: services.management_review_delete(actor=owner_actor, management_review=review),
    ):
        with pytest.raises(ValidationError) as refused:
            call()
        assert "status" in refused.value.message_dict
    done = services.review_action_close(actor=owner_actor, review_action=action, note="Done.")
    assert done.status == "done" and done.closed_on == timezone.localdate()


def test_held_review_keeps_its_plan(owner_actor):
    review = make_held_review(owner_actor)
    same = services.management_review_update(
        actor=owner_actor, management_review=review, planned_for=review.planned_for, summary="We met."
    )
    assert same.summary == "We met."
    with pytest.raises(ValidationError) as refused:
        services.management_review_update(
            actor=owner_actor, management_review=review, planned_for=review.planned_for + dt.timedelta(days=1)
        )
    assert list(refused.value.message_dict) == ["planned_for"]
    with pytest.raises(ValidationError) as again:
        services.management_review_hold(actor=owner_actor, management_review=review)
    assert "status" in again.value.message_dict
    with pytest.raises(ValidationError) as out_of_order:
        services.management_review_hold(
            actor=owner_actor, management_review=make_review(owner_actor), held_on=review.held_on - dt.timedelta(days=1)
        )
    assert list(out_of_order.value.message_dict) == ["held_on"]


def test_service_refusals_name_the_field(owner_actor, other_actor):
    bare = make_review(owner_actor, chair=None, attendees=[])
    before = TrailEvent.objects.count()
    with pytest.raises(ValidationError) as no_people:
        services.management_review_hold(actor=owner_actor, management_review=bare)
    assert set(no_people.value.message_dict) == {"chair", "attendees"}
    with pytest.raises(ValidationError) as future:
        services.management_review_hold(
            actor=owner_actor, management_review=bare, held_on=timezone.localdate() + dt.timedelta(days=2)
        )
    assert list(future.value.message_dict) == ["held_on"]
    with pytest.raises(ValidationError) as stranger:
        make_review(owner_actor, attendees=[other_actor.user])
    assert list(stranger.value.message_dict) == ["attendees"]
    with pytest.raises(ValidationError) as planned:
        make_decision(owner_actor, bare)
    assert "status" in planned.value.message_dict
    held = make_held_review(owner_actor)
    before = TrailEvent.objects.count()
    with pytest.raises(ValidationError) as early:
        make_action(owner_actor, held, due_date=held.held_on - dt.timedelta(days=1))
    assert list(early.value.message_dict) == ["due_date"]
    with pytest.raises(ValidationError) as no_owner:
        make_action(owner_actor, held, owner=None)
    assert list(no_owner.value.message_dict) == ["owner"]
    with pytest.raises(ValidationError) as no_decision:
        services.management_review_issue_minutes(actor=owner_actor, management_review=held)
    assert list(no_decision.value.message_dict) == ["decisions"]
    action = make_action(owner_actor, held)
    before = TrailEvent.objects.count()
    with pytest.raises(ValidationError) as no_note:
        services.review_action_close(actor=owner_actor, review_action=action, note="  ")
    assert list(no_note.value.message_dict) == ["note"]
    assert TrailEvent.objects.count() == before and ReviewAction.objects.get(pk=action.pk).status == "open"


def _post(client, url, payload):
    return client.post(url, payload, content_type="application/json")


def test_api_life_and_bad_input(api_as, owner_actor, other_actor, members):
    client = api_as(Role.MANAGER)
    manager = members[Role.MANAGER]
    created = _post(
        client,
        "/api/v1/management-reviews",
        {"title": "Q4 review", "planned_for": str(TODAY()), "chair_id": str(manager.pk), "attendees": []},
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    before = TrailEvent.objects.count()

    no_attendees = _post(client, f"/api/v1/management-reviews/{pk}/hold", {})
    assert no_attendees.status_code == 422
    assert "attendees" in {e["field"] for e in no_attendees.json()["errors"]}
    stranger = client.patch(
        f"/api/v1/management-reviews/{pk}", {"attendees": [str(other_actor.user.pk)]}, content_type="application/json"
    )
    assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "attendees"
    assert TrailEvent.objects.count() == before and ManagementReview.objects.get(pk=pk).status == "planned"

    client.patch(f"/api/v1/management-reviews/{pk}", {"attendees": [str(manager.pk)]}, content_type="application/json")
    preview = client.get(f"/api/v1/management-reviews/{pk}/inputs").json()
    assert preview["frozen"] is False and set(INPUT_SECTIONS) <= set(preview["inputs"])
    held = _post(client, f"/api/v1/management-reviews/{pk}/hold", {})
    assert held.status_code == 200 and held.json()["status"] == "held" and held.json()["inputs_sha256"]
    frozen = client.get(f"/api/v1/management-reviews/{pk}/inputs").json()
    assert frozen["frozen"] is True and frozen["inputs_sha256"] == held.json()["inputs_sha256"]

    before = TrailEvent.objects.count()
    early = _post(
        client,
        "/api/v1/management-review-actions",
        {"title": "Too early", "review_id": pk, "owner_id": str(manager.pk), "due_date": "2000-01-01"},
    )
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "due_date"
    foreign_owner = _post(
        client,
        "/api/v1/management-review-actions",
        {"title": "Theirs", "review_id": pk, "owner_id": str(other_actor.user.pk), "due_date": str(TODAY())},
    )
    assert foreign_owner.status_code == 422 and foreign_owner.json()["errors"][0]["field"] == "owner"
    not_yet = _post(client, f"/api/v1/management-reviews/{pk}/issue", {})
    assert not_yet.status_code == 422 and not_yet.json()["errors"][0]["field"] == "decisions"
    assert TrailEvent.objects.count() == before

    decision = _post(client, "/api/v1/management-review-decisions", {"text": "Add a reviewer.", "review_id": pk})
    assert decision.status_code == 201
    action = _post(
        client,
        "/api/v1/management-review-actions",
        {
            "title": "Hire",
            "review_id": pk,
            "decision_id": decision.json()["id"],
            "owner_id": str(manager.pk),
            "due_date": str(TODAY() + dt.timedelta(days=30)),
        },
    )
    assert action.status_code == 201, action.content
    refused = _post(api_as(Role.CONTRIBUTOR), f"/api/v1/management-reviews/{pk}/issue", {})
    assert refused.status_code == 403
    issued = _post(client, f"/api/v1/management-reviews/{pk}/issue", {})
    assert issued.status_code == 200 and issued.json()["status"] == "minutes_issued"
    closed = _post(client, f"/api/v1/management-review-actions/{action.json()['id']}/close", {"note": "Hired."})
    assert closed.status_code == 200 and closed.json()["status"] == "done" and closed.json()["closing_note"] == "Hired."
    twice = _post(client, f"/api/v1/management-review-actions/{action.json()['id']}/cancel", {"note": "No."})
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "status"
    listed = client.get("/api/v1/management-reviews", {"status": "minutes_issued"}).json()
    assert [item["id"] for item in listed["items"]] == [pk]
    theirs = make_held_review(other_actor)
    assert client.get(f"/api/v1/management-reviews/{theirs.pk}/inputs").status_code == 404
    assert _post(client, f"/api/v1/management-reviews/{theirs.pk}/hold", {}).status_code == 404


def test_every_section_reads_its_records(owner_actor):
    today = timezone.localdate()
    governance.context_issue_create(actor=owner_actor, title="New AI regulation", origin="external", category="legal")
    gone = governance.context_issue_create(actor=owner_actor, title="Old vendor", origin="internal", category="legal")
    governance.context_issue_delete(actor=owner_actor, context_issue=gone)
    governance.interested_party_create(actor=owner_actor, name="Supervisor", kind="regulator")
    governance.ai_objective_create(
        actor=owner_actor, objective="Parity ratio above 0.8", status="at_risk", due_date=today - dt.timedelta(days=1)
    )
    make_risk(owner_actor, title="Unfair refusals")
    make_improvement(owner_actor, title="Self-service model cards")
    inputs = compile_inputs(owner_actor.organization, None, today)
    issues = inputs["context_changes"]["issues"]
    assert (issues["total"], issues["added"], issues["removed"]) == (1, 1, 1)
    assert {"name": "Old vendor", "change": "removed"} in issues["items"]
    assert inputs["context_changes"]["interested_parties"]["added"] == 1
    objectives = inputs["objectives"]
    assert objectives["past_due"] == 1 and objectives["by_status"]["At risk"] == 1
    risks = inputs["risks"]
    assert (
        risks["open"] == 1
        and risks["highest"][0]["title"] == "Unfair refusals"
        and sum(risks["by_level"].values()) == 1
    )
    assert risks["opportunities"] == ["Self-service model cards"]
    assert inputs["improvements"]["without_owner"] == 1
    assert inputs["audits"]["reported"] == 0 and inputs["oversight"]["items"] == 0
    sections = present_inputs(inputs)
    assert [s.key for s in sections] == list(INPUT_SECTIONS) and not any(s.missing for s in sections)
    assert any(t.caption == "Highest open risks" for s in sections for t in s.tables)
