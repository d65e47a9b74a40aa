"""The reviews API: submitting, polling, the queue, decisions, oversight metrics."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from openaims.oversight.reviews import services
from openaims.oversight.reviews.models import ReviewItem
from tests.oversight.reviews.helpers import make_item, make_rule, make_settings, make_system

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "decision_id": "loan-0001",
    "idempotency_key": "loan-0001-try",
    "input_summary": {"income": 32000, "amount": 15000},
    "ai_output": "reject",
    "confidence": 0.58,
    "explanation": {"income": -0.41, "amount": -0.12},
    "subject_groups": {"sex": "female", "age_band": "25-34"},
}


def _post(client, system, payload):
    return client.post(f"/api/v1/systems/{system.pk}/reviews", payload, content_type="application/json")


def test_submit_creates_then_a_retry_answers_200_with_the_same_item(api_as, owner_actor):
    system = make_system(owner_actor)
    make_rule(owner_actor, system, kind="low_confidence", threshold=0.7)
    client = api_as(Role.CONTRIBUTOR)
    created = _post(client, system, PAYLOAD)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["routed"] is True and body["created"] is True
    review = body["review"]
    assert review["status"] == "pending" and review["routed_by_kind"] == "low_confidence"
    assert review["subject_groups"] == PAYLOAD["subject_groups"]
    retried = _post(client, system, PAYLOAD)
    assert retried.status_code == 200 and retried.json()["review"]["id"] == review["id"]
    assert retried.json()["created"] is False
    assert ReviewItem.objects.count() == 1


def test_an_unrouted_submission_answers_routed_false(api_as, owner_actor):
    system = make_system(owner_actor)
    make_rule(owner_actor, system, kind="low_confidence", threshold=0.5)
    response = _post(api_as(Role.CONTRIBUTOR), system, PAYLOAD)
    assert response.status_code == 200
    assert response.json() == {"routed": False, "created": False, "review": None}


def test_submit_refuses_bad_input_naming_the_field(api_as, owner_actor):
    system = make_system(owner_actor)
    make_rule(owner_actor, system)
    client = api_as(Role.OWNER)
    before = TrailEvent.objects.count()
    for field, value in (("confidence", "high"), ("ai_output", ""), ("decision_id", "a\x00b"), ("subject_groups", [])):
        response = _post(client, system, {**PAYLOAD, field: value})
        assert response.status_code == 422, (field, response.content)
        assert field in {e["field"].split(".")[0] for e in response.json()["errors"]}
    nan = client.post(
        f"/api/v1/systems/{system.pk}/reviews",
        json.dumps({**PAYLOAD, "explanation": {"income": float("nan")}}),
        content_type="application/json",
    )
    assert nan.status_code == 422 and nan.json()["errors"][0]["field"] == "explanation"
    huge = _post(client, system, {**PAYLOAD, "input_summary": "x" * 30000})
    assert huge.status_code == 422 and huge.json()["errors"][0]["field"] == "input_summary"
    assert ReviewItem.objects.count() == 0 and TrailEvent.objects.count() == before


def test_submit_needs_the_create_right_and_the_organizations_system(api_as, owner_actor, other_actor):
    system = make_system(owner_actor)
    make_rule(owner_actor, system)
    assert _post(api_as(Role.REVIEWER), system, PAYLOAD).status_code == 403
    theirs = make_system(other_actor)
    make_rule(other_actor, theirs)
    assert _post(api_as(Role.OWNER), theirs, PAYLOAD).status_code == 404
    assert ReviewItem.objects.count() == 0


def test_poll_decide_and_read_the_final_outcome(api_as, owner_actor):
    item = make_item(owner_actor)
    reviewer = api_as(Role.REVIEWER)
    url = f"/api/v1/reviews/{item.pk}"
    assert reviewer.get(url).json()["status"] == "pending"
    missing = reviewer.post(url + "/decision", {"action": "override"}, content_type="application/json")
    assert missing.status_code == 422
    assert {"outcome", "reason"} <= {e["field"] for e in missing.json()["errors"]}
    decided = reviewer.post(
        url + "/decision",
        {"action": "override", "outcome": "approve", "reason": "Income is documented."},
        content_type="application/json",
    )
    assert decided.status_code == 200, decided.content
    body = api_as(Role.CONTRIBUTOR).get(url).json()
    assert body["status"] == "decided" and body["final_outcome"] == "approve"
    assert [d["action"] for d in body["decisions"]] == ["override"]
    again = api_as(Role.MANAGER).post(url + "/decision", {"action": "approve"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "status"
    history = reviewer.get(url + "/history").json()
    assert [e["action"] for e in history] == ["transition", "create"]


def test_decision_rights_and_other_organization(api_as, owner_actor, other_actor):
    item = make_item(owner_actor)
    url = f"/api/v1/reviews/{item.pk}/decision"
    assert api_as(Role.CONTRIBUTOR).post(url, {"action": "approve"}, content_type="application/json").status_code == 403
    theirs = make_item(other_actor)
    client = api_as(Role.OWNER)
    assert client.get(f"/api/v1/reviews/{theirs.pk}").status_code == 404
    response = client.post(
        f"/api/v1/reviews/{theirs.pk}/decision", {"action": "approve"}, content_type="application/json"
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "pending"


def test_blind_items_hide_the_ai_output_until_decided(api_as, owner_actor, actor_of):
    system = make_system(owner_actor)
    make_rule(owner_actor, system)
    make_settings(owner_actor, system, blind_share=1.0)
    item = make_item(owner_actor, system)
    open_body = api_as(Role.REVIEWER).get(f"/api/v1/reviews/{item.pk}").json()
    assert open_body["blind"] is True
    assert open_body["ai_output"] is None and open_body["confidence"] is None and open_body["explanation"] is None
    assert open_body["input_summary"]
    history = api_as(Role.REVIEWER).get(f"/api/v1/reviews/{item.pk}/history").json()
    assert "reject" not in str(history) and "ai_output" not in history[0]["changes"]
    services.review_item_decide(actor=actor_of(Role.REVIEWER), item=item, action="approve", outcome="x", reason="y")
    decided = api_as(Role.REVIEWER).get(f"/api/v1/reviews/{item.pk}").json()
    assert decided["ai_output"] == "reject" and decided["confidence"] == 0.62


def test_the_queue_is_oldest_first_filtered_and_paginated(api_as, owner_actor, actor_of, other_actor):
    system, other_system = make_system(owner_actor), make_system(owner_actor)
    start = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    items = [make_item(owner_actor, system, submitted_at=start + dt.timedelta(hours=h)) for h in (5, 1, 3)]
    old = make_item(owner_actor, other_system, submitted_at=start - dt.timedelta(days=30))
    fresh = make_item(owner_actor, other_system, submitted_at=dt.datetime.now(dt.UTC))
    services.review_item_decide(actor=actor_of(Role.REVIEWER), item=items[0], action="approve")
    make_item(other_actor)
    client = api_as(Role.VIEWER)
    page = client.get("/api/v1/reviews", {"limit": 2}).json()
    assert page["count"] == 5 and len(page["items"]) == 2
    assert [i["id"] for i in page["items"]] == [str(old.pk), str(items[1].pk)]
    by_system = client.get("/api/v1/reviews", {"ai_system_id": str(system.pk)}).json()
    assert [i["id"] for i in by_system["items"]] == [str(items[1].pk), str(items[2].pk), str(items[0].pk)]
    pending = client.get("/api/v1/reviews", {"status": "pending", "ai_system_id": str(system.pk)}).json()
    assert {i["id"] for i in pending["items"]} == {str(items[1].pk), str(items[2].pk)}
    overdue = client.get("/api/v1/reviews", {"overdue": "true"}).json()
    assert str(fresh.pk) not in {i["id"] for i in overdue["items"]} and overdue["count"] == 3
    assert all(i["overdue"] for i in overdue["items"])
    decided = client.get("/api/v1/reviews", {"open": "false"}).json()
    assert [i["id"] for i in decided["items"]] == [str(items[0].pk)]
    assert client.get("/api/v1/reviews", {"blind": "true"}).json()["count"] == 0
    assert client.get("/api/v1/reviews", {"status": "nonsense"}).status_code == 422


def test_oversight_metrics_endpoint(api_as, owner_actor, actor_of, other_actor):
    system = make_system(owner_actor)
    first = make_item(owner_actor, system)
    make_item(owner_actor, system)
    services.review_item_decide(
        actor=actor_of(Role.REVIEWER), item=first, action="override", outcome="approve", reason="Documented."
    )
    response = api_as(Role.VIEWER).get(f"/api/v1/systems/{system.pk}/oversight-metrics")
    assert response.status_code == 200, response.content
    body = response.json()
    overall = body["overall"]
    assert overall["items"] == 2 and overall["decided"] == 1 and overall["override_rate"] == 1.0
    assert overall["queue_length"] == 1 and overall["override_rate_ci"][1] == 1.0
    assert set(body["by_reviewer"]) == {"reviewer-acme@example.org"}
    assert body["by_group"]["sex=female"]["items"] == 2
    later = (
        api_as(Role.VIEWER)
        .get(f"/api/v1/systems/{system.pk}/oversight-metrics", {"start": "2099-01-01T00:00:00"})
        .json()
    )
    assert later["start"].startswith("2099-01-01T00:00:00") and later["start"].endswith(("Z", "+00:00"))
    assert later["overall"]["items"] == 0 and later["overall"]["override_rate"] is None
    bad = api_as(Role.VIEWER).get(
        f"/api/v1/systems/{system.pk}/oversight-metrics",
        {"start": "2026-02-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "end"
    assert api_as(Role.OWNER).get(f"/api/v1/systems/{make_system(other_actor).pk}/oversight-metrics").status_code == 404


def test_claim_and_release(api_as, owner_actor):
    item = make_item(owner_actor)
    url = f"/api/v1/reviews/{item.pk}"
    claimed = api_as(Role.REVIEWER).post(url + "/claim")
    assert claimed.status_code == 200 and claimed.json()["assigned_to_id"]
    taken = api_as(Role.MANAGER).post(url + "/decision", {"action": "approve"}, content_type="application/json")
    assert taken.status_code == 422 and taken.json()["errors"][0]["field"] == "assigned_to"
    assert api_as(Role.REVIEWER).post(url + "/release").json()["assigned_to_id"] is None
