"""Accepting a risk: the owner within the threshold; above it an admin or owner with a rationale; lapses."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from openaims.risk import services
from openaims.risk.choices import RiskStatus
from tests.risk.helpers import make_risk


def test_owner_accepts_a_risk_within_the_threshold(actor_of, members, owner_actor):
    risk = make_risk(owner_actor, likelihood=2, consequence=2, owner=members[Role.CONTRIBUTOR])  # low
    services.risk_accept(actor=actor_of(Role.CONTRIBUTOR), risk=risk)
    risk.refresh_from_db()
    assert risk.status == RiskStatus.ACCEPTED and risk.accepted_by == members[Role.CONTRIBUTOR]
    event = TrailEvent.objects.filter(object_id=str(risk.pk)).order_by("sequence").last()
    assert event.action == "transition" and event.changes_dict["status"] == ["identified", "accepted"]
    assert event.changes_dict["accepted_level"] == [None, "low"]


def test_a_member_who_is_not_the_owner_may_not_accept(actor_of, members, owner_actor):
    risk = make_risk(owner_actor, likelihood=2, consequence=2, owner=members[Role.MANAGER])
    with pytest.raises(ValidationError, match="Only the risk's owner"):
        services.risk_accept(actor=actor_of(Role.CONTRIBUTOR), risk=risk)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CONTRIBUTOR])
def test_above_the_threshold_the_owner_alone_may_not_accept(actor_of, members, owner_actor, role):
    risk = make_risk(owner_actor, likelihood=4, consequence=4, owner=members[role])  # high > medium
    before = TrailEvent.objects.count()
    with pytest.raises(ValidationError, match="only an admin or owner"):
        services.risk_accept(actor=actor_of(role), risk=risk, rationale="Fine by me.")
    risk.refresh_from_db()
    assert risk.status == RiskStatus.IDENTIFIED and TrailEvent.objects.count() == before


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_above_the_threshold_an_admin_or_owner_accepts_with_a_rationale(actor_of, owner_actor, role):
    risk = make_risk(owner_actor, likelihood=4, consequence=4)
    with pytest.raises(ValidationError) as exc:
        services.risk_accept(actor=actor_of(role), risk=risk, rationale="  ")
    assert "acceptance_rationale" in exc.value.message_dict
    services.risk_accept(actor=actor_of(role), risk=risk, rationale="Board decision 2026-11: benefits outweigh.")
    risk.refresh_from_db()
    assert risk.status == RiskStatus.ACCEPTED and risk.acceptance_rationale.startswith("Board decision")


def test_acceptance_lapses_when_the_level_changes(owner_actor):
    risk = make_risk(owner_actor, likelihood=2, consequence=2, treatment_option="retain")
    services.risk_accept(actor=owner_actor, risk=risk)
    services.risk_update(actor=owner_actor, risk=risk, description="Reworded")  # same level: stays accepted
    risk.refresh_from_db()
    assert risk.status == RiskStatus.ACCEPTED
    services.risk_update(actor=owner_actor, risk=risk, likelihood=5)
    risk.refresh_from_db()
    assert risk.status == RiskStatus.TREATING and risk.accepted_by is None and risk.accepted_at is None
    event = TrailEvent.objects.filter(object_id=str(risk.pk)).order_by("sequence").last()
    assert "withdrawn" in event.changes_dict["acceptance"][1]


def test_acceptance_lapses_when_new_criteria_move_the_level(owner_actor):
    risk = make_risk(owner_actor, likelihood=2, consequence=2)
    services.risk_accept(actor=owner_actor, risk=risk)
    result = services.risk_criteria_update(actor=owner_actor, matrix=[["medium"] * 5 for _ in range(5)])
    assert [c.acceptance_withdrawn for c in result.changes] == [True]
    risk.refresh_from_db()
    assert risk.status == RiskStatus.ASSESSED and risk.level == "medium"


def test_accepted_status_only_through_accept(owner_actor):
    risk = make_risk(owner_actor)
    with pytest.raises(ValidationError) as exc:
        services.risk_update(actor=owner_actor, risk=risk, status="accepted")
    assert "status" in exc.value.message_dict


def test_api_accept(api_as, owner_actor, members):
    risk = make_risk(owner_actor, likelihood=5, consequence=5, owner=members[Role.MANAGER])
    url = f"/api/v1/risks/{risk.pk}/accept"
    refused = api_as(Role.MANAGER).post(url, {"rationale": "ok"}, content_type="application/json")
    assert refused.status_code == 422 and "admin or owner" in refused.json()["errors"][0]["message"]
    missing = api_as(Role.ADMIN).post(url, {}, content_type="application/json")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "acceptance_rationale"
    ok = api_as(Role.ADMIN).post(url, {"rationale": "Risk appetite statement §3."}, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "accepted" and ok.json()["above_threshold"] is True
    assert api_as(Role.VIEWER).post(url, {}, content_type="application/json").status_code == 403


def test_a_significant_change_of_a_system_brings_its_risks_review_forward(owner_actor):
    import datetime as dt

    from django.utils import timezone

    from openaims.inventory.services import ai_system_transition
    from tests.risk.helpers import make_system

    system = make_system(owner_actor)
    other = make_system(owner_actor)
    mine = make_risk(owner_actor, ai_systems=[system], review_date="2099-01-01")
    closed = make_risk(owner_actor, ai_systems=[system], review_date="2099-01-01", status="closed")
    theirs = make_risk(owner_actor, ai_systems=[other], review_date="2099-01-01")
    ai_system_transition(actor=owner_actor, ai_system=system, to_stage="design")
    for risk in (mine, closed, theirs):
        risk.refresh_from_db()
    assert mine.review_date == timezone.localdate()
    assert closed.review_date == theirs.review_date == dt.date(2099, 1, 1)
    event = TrailEvent.objects.filter(object_id=str(mine.pk)).order_by("sequence").last()
    assert event.changes_dict["review_date"][1] == timezone.localdate().isoformat()
    assert "review due" in event.changes_dict["reason"][1] and "significant change" in event.actor_label
