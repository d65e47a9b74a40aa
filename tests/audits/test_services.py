"""Numbering, the status a nonconformity takes from its actions, and the rules for closing it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.audits import services
from openaims.audits.models import CorrectiveAction, Nonconformity
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from tests.audits.helpers import make_action, make_evidence, make_nc


def _errors(exc_info) -> dict:
    return exc_info.value.message_dict


def test_numbers_are_sequential_per_organization(owner_actor, other_actor):
    first, second = make_nc(owner_actor), make_nc(owner_actor)
    theirs = make_nc(other_actor)
    assert (first.reference, second.reference) == ("NC-0001", "NC-0002")
    assert theirs.reference == "NC-0001"
    services.nonconformity_delete(actor=owner_actor, nonconformity=second)
    assert make_nc(owner_actor).reference == "NC-0002"  # the highest number in use, plus one


def test_number_is_not_set_by_hand(owner_actor):
    with pytest.raises(ValidationError) as exc:
        services.nonconformity_create(actor=owner_actor, title="X", number=7)
    assert "number" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.nonconformity_create(actor=owner_actor, title="X", status="closed_effective")
    assert "status" in _errors(exc)


def test_requirement_ids_are_checked_against_the_catalog(owner_actor):
    nc = make_nc(owner_actor, requirement_ids=["10.2", "a.6.2.6"])
    assert nc.requirement_ids == ["10.2", "A.6.2.6"]
    with pytest.raises(ValidationError) as exc:
        make_nc(owner_actor, requirement_ids=["9.1", "A.99"])
    assert "A.99" in _errors(exc)["requirement_ids"][0]
    with pytest.raises(ValidationError) as exc:
        make_nc(owner_actor, requirement_ids=["C.2.5"])  # an Annex C objective is not a requirement
    assert "requirement_ids" in _errors(exc)


def test_owner_must_be_a_member(owner_actor, other_actor):
    with pytest.raises(ValidationError) as exc:
        make_nc(owner_actor, owner=other_actor.user)
    assert "owner" in _errors(exc)


def test_status_follows_the_corrective_actions(owner_actor):
    nc = make_nc(owner_actor)
    assert nc.status == "open"
    first = make_action(owner_actor, nc)
    nc.refresh_from_db()
    assert nc.status == "action_planned"
    second = make_action(owner_actor, nc, status="in_progress")
    services.corrective_action_update(actor=owner_actor, corrective_action=first, status="done")
    nc.refresh_from_db()
    assert nc.status == "action_planned"
    first.refresh_from_db()
    assert first.completed_on == timezone.localdate()
    services.corrective_action_update(actor=owner_actor, corrective_action=second, status="done")
    nc.refresh_from_db()
    assert nc.status == "awaiting_verification"
    transitions = TrailEvent.objects.filter(object_id=str(nc.pk), action="transition")
    assert [e.changes_dict["status"][1] for e in transitions] == ["action_planned", "awaiting_verification"]
    assert "corrective action done" in transitions.last().changes_dict["reason"][1]
    services.corrective_action_update(actor=owner_actor, corrective_action=second, status="in_progress")
    second.refresh_from_db()
    nc.refresh_from_db()
    assert (nc.status, second.completed_on) == ("action_planned", None)
    services.corrective_action_delete(actor=owner_actor, corrective_action=second)
    nc.refresh_from_db()
    assert nc.status == "awaiting_verification"


def test_action_overdue_and_nonconformity_overdue(owner_actor):
    past = timezone.localdate() - dt.timedelta(days=1)
    nc = make_nc(owner_actor, detected_on=past - dt.timedelta(days=10), due_date=past)
    action = make_action(owner_actor, nc, due_date=past)
    assert nc.overdue and action.overdue
    services.corrective_action_update(actor=owner_actor, corrective_action=action, status="done")
    action.refresh_from_db()
    assert not action.overdue


def _ready(actor, **fields) -> Nonconformity:
    nc = make_nc(actor, **fields)
    make_action(actor, nc, status="done")
    nc.refresh_from_db()
    return nc


def test_close_effective_needs_a_done_action(owner_actor):
    nc = make_nc(owner_actor)
    evidence = make_evidence(owner_actor)
    with pytest.raises(ValidationError) as exc:
        services.nonconformity_close(
            actor=owner_actor, nonconformity=nc, effective=True, note="ok", evidence=[evidence]
        )
    assert "actions" in _errors(exc)
    make_action(owner_actor, nc, status="done")
    make_action(owner_actor, nc, status="planned")
    with pytest.raises(ValidationError) as exc:
        services.nonconformity_close(
            actor=owner_actor, nonconformity=nc, effective=True, note="ok", evidence=[evidence]
        )
    assert "not done yet" in _errors(exc)["actions"][0]


def test_close_effective_by_a_person_needs_a_note_and_valid_evidence(owner_actor):
    nc = _ready(owner_actor)
    with pytest.raises(ValidationError) as exc:
        services.nonconformity_close(actor=owner_actor, nonconformity=nc, effective=True, note="  ")
    assert "note" in _errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.nonconformity_close(actor=owner_actor, nonconformity=nc, effective=True, note="Checked.")
    assert "evidence" in _errors(exc)
    expired = make_evidence(
        owner_actor,
        collected_on=timezone.localdate() - dt.timedelta(days=30),
        valid_until=timezone.localdate() - dt.timedelta(days=1),
    )
    before = TrailEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.nonconformity_close(
            actor=owner_actor, nonconformity=nc, effective=True, note="Checked.", evidence=[expired]
        )
    assert "Expired" in _errors(exc)["evidence"][0]
    assert TrailEvent.objects.count() - before == 0
    nc.refresh_from_db()
    assert nc.status == "awaiting_verification"

    evidence = make_evidence(owner_actor)
    closed = services.nonconformity_close(
        actor=owner_actor,
        nonconformity=nc,
        effective=True,
        note="Re-audit found the gate working.",
        evidence=[evidence],
    )
    assert closed.status == "closed_effective" and closed.closed_at is not None
    assert closed.closed_by == owner_actor.user and closed.closure_note == "Re-audit found the gate working."
    assert list(closed.verification_evidence.all()) == [evidence]
    assert evidence in closed.evidence.all()
    event = TrailEvent.objects.filter(object_id=str(nc.pk)).last()
    assert event.action == "transition"
    assert "verified by" in event.changes_dict["verification"][1]


def test_closed_nonconformity_is_frozen(owner_actor):
    nc = _ready(owner_actor)
    action = nc.actions.get()
    services.nonconformity_close(
        actor=owner_actor, nonconformity=nc, effective=True, note="ok", evidence=[make_evidence(owner_actor)]
    )
    for call in (
        lambda: services.nonconformity_update(actor=owner_actor, nonconformity=nc, title="changed"),
        lambda: services.nonconformity_delete(actor=owner_actor, nonconformity=nc),
        lambda: services.nonconformity_close(actor=owner_actor, nonconformity=nc, effective=False, note="again"),
        lambda: make_action(owner_actor, nc),
        lambda: services.corrective_action_update(actor=owner_actor, corrective_action=action, description="x"),
        lambda: services.corrective_action_delete(actor=owner_actor, corrective_action=action),
    ):
        with pytest.raises(ValidationError) as exc:
            call()
        assert "status" in _errors(exc)
    assert Nonconformity.objects.filter(pk=nc.pk).exists() and CorrectiveAction.objects.filter(pk=action.pk).exists()


def test_close_not_effective_opens_a_follow_up(owner_actor, members):
    nc = _ready(owner_actor, requirement_ids=["10.2"], owner=members[Role.MANAGER], severity="major")
    with pytest.raises(ValidationError) as exc:
        services.nonconformity_close(actor=owner_actor, nonconformity=nc, effective=False, note="")
    assert "note" in _errors(exc)
    closed = services.nonconformity_close(
        actor=owner_actor, nonconformity=nc, effective=False, note="The gate was bypassed again."
    )
    assert closed.status == "closed_not_effective"
    follow_up = closed.follow_ups.get()
    assert follow_up.reference == "NC-0002" and follow_up.previous == closed
    assert follow_up.status == "open"
    assert (follow_up.title, follow_up.requirement_ids, follow_up.owner, follow_up.severity) == (
        nc.title,
        ["10.2"],
        members[Role.MANAGER],
        "major",
    )
    assert "NC-0001" in follow_up.description and "bypassed" in follow_up.description


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.REVIEWER, Role.AUDITOR, Role.VIEWER])
def test_closing_needs_the_approve_right(role, actor_of, owner_actor):
    nc = _ready(owner_actor)
    with pytest.raises(PermissionDenied):
        services.nonconformity_close(
            actor=actor_of(role), nonconformity=nc, effective=True, note="ok", evidence=[make_evidence(owner_actor)]
        )
    nc.refresh_from_db()
    assert nc.status == "awaiting_verification"


def test_manager_may_close(actor_of, owner_actor):
    nc = _ready(owner_actor)
    closed = services.nonconformity_close(
        actor=actor_of(Role.MANAGER), nonconformity=nc, effective=True, note="ok", evidence=[make_evidence(owner_actor)]
    )
    assert closed.status == "closed_effective"


def test_evidence_of_another_organization_is_refused(owner_actor, other_actor):
    nc = _ready(owner_actor)
    theirs = make_evidence(other_actor)
    with pytest.raises(ValidationError) as exc:
        services.nonconformity_close(actor=owner_actor, nonconformity=nc, effective=True, note="ok", evidence=[theirs])
    assert "evidence" in _errors(exc)


def test_action_of_another_organizations_nonconformity_is_refused(owner_actor, other_actor):
    theirs = make_nc(other_actor)
    with pytest.raises(ValidationError) as exc:
        make_action(owner_actor, theirs)
    assert "nonconformity" in _errors(exc)
