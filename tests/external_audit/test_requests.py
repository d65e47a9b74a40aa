"""Evidence requests: the guest asks, the owner answers with evidence, both comment, the guest reopens and accepts;
bad input names the field and changes nothing; overdue requests are flagged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from openaims.catalog import builtin_frameworks
from openaims.external_audit import services
from openaims.external_audit.models import EvidenceRequest, EvidenceRequestComment
from tests.audits.helpers import make_evidence, make_system
from tests.conftest import bearer_client
from tests.external_audit.helpers import guest, make_request, request_due, signed_in


def _writes() -> int:
    return TrailEvent.objects.exclude(action="access").count()


def test_request_answer_comment_reopen_accept(owner_actor, members, api_as, actor_of):
    system = make_system(owner_actor, name="Loan scorer")
    _, guest_actor = guest(owner_actor, systems=[system])
    auditor = bearer_client(guest_actor)
    owner = members[Role.MANAGER]
    created = auditor.post(
        "/api/v1/evidence-requests",
        {
            "title": "Fairness monitoring results",
            "control_id": "a.6.2.6",
            "ai_system_id": str(system.pk),
            "owner_id": str(owner.pk),
            "due_date": request_due().isoformat(),
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["reference"] == "ER-0001" and body["status"] == "open" and body["control_id"] == "A.6.2.6"
    assert body["requested_by_id"] == str(guest_actor.user.pk)
    pk = body["id"]

    # The guest cannot answer (no change right); the owner answers with the organization's evidence.
    evidence = make_evidence(owner_actor, title="Fairness dashboard export")
    refused = auditor.post(
        f"/api/v1/evidence-requests/{pk}/answer", {"evidence": [str(evidence.pk)]}, content_type="application/json"
    )
    assert refused.status_code == 403
    manager = api_as(Role.MANAGER)
    answered = manager.post(
        f"/api/v1/evidence-requests/{pk}/answer",
        {"evidence": [str(evidence.pk)], "note": "Monthly export attached."},
        content_type="application/json",
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "answered" and answered.json()["evidence"] == [str(evidence.pk)]

    # Both sides talk in the thread.
    asked = auditor.post(
        f"/api/v1/evidence-requests/{pk}/comments", {"body": "Which months?"}, content_type="application/json"
    )
    assert asked.status_code == 201
    told = manager.post(
        f"/api/v1/evidence-requests/{pk}/comments", {"body": "All of 2026."}, content_type="application/json"
    )
    assert told.status_code == 201
    viewer = api_as(Role.VIEWER).post(
        f"/api/v1/evidence-requests/{pk}/comments", {"body": "Hi"}, content_type="application/json"
    )
    assert viewer.status_code == 403

    reopened = auditor.post(
        f"/api/v1/evidence-requests/{pk}/reopen", {"reason": "March is missing."}, content_type="application/json"
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == "reopened"
    thread = auditor.get(f"/api/v1/evidence-requests/{pk}/comments").json()
    assert [c["body"] for c in thread] == ["Which months?", "All of 2026.", "March is missing."]
    assert guest_actor.user.username in thread[0]["author_label"]

    march = make_evidence(owner_actor, title="March export")
    services.evidence_request_answer(
        actor=actor_of(Role.MANAGER), evidence_request=EvidenceRequest.objects.get(pk=pk), evidence=[march]
    )
    accepted = auditor.post(f"/api/v1/evidence-requests/{pk}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert sorted(accepted.json()["evidence"]) == sorted([str(evidence.pk), str(march.pk)])
    again = auditor.post(f"/api/v1/evidence-requests/{pk}/accept")
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "status"
    actions = list(TrailEvent.objects.filter(object_id=pk).order_by("sequence").values_list("action", flat=True))
    assert actions == ["create", "transition", "transition", "transition", "transition"]


def test_the_detail_page_shows_thread_and_evidence_and_takes_posts(owner_actor, members, ui_as):
    user, guest_actor = guest(owner_actor)
    request = make_request(guest_actor, owner=members[Role.MANAGER], clause_id="9.2")
    evidence = make_evidence(owner_actor, title="Audit programme 2026")
    manager = ui_as(Role.MANAGER)
    step = f"/evidence-requests/{request.pk}/"
    assert manager.post(step + "answer/", {"evidence": [str(evidence.pk)], "note": "Here."}).status_code == 302
    browser = signed_in(user)
    assert browser.post(step + "comment/", {"body": "Thanks, reading it."}).status_code == 302
    page = browser.get(step).content.decode()
    assert "Audit programme 2026" in page and "Thanks, reading it." in page and "Accept the evidence" in page
    assert browser.post(step + "accept/").status_code == 302
    request.refresh_from_db()
    assert request.status == "accepted"
    assert EvidenceRequestComment.objects.filter(request=request).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"clause_id": "99.9"}, "clause_id"),
        ({"control_id": "A.99"}, "control_id"),
        ({"due_date": "2020-01-01"}, "due_date"),
        ({"ai_system_id": "b"}, "ai_system"),
        ({"owner_id": "guest"}, "owner"),
    ],
)
def test_bad_requests_name_the_field_and_change_nothing(change, field, owner_actor, members):
    a = make_system(owner_actor, name="A")
    b = make_system(owner_actor, name="B")
    guest_user, guest_actor = guest(owner_actor, systems=[a])
    if change.get("ai_system_id") == "b":
        change = {"ai_system_id": str(b.pk)}  # outside the guest's scope: as if it did not exist
    if change.get("owner_id") == "guest":
        change = {"owner_id": str(guest_user.pk)}  # guests ask, they do not answer
    client = bearer_client(guest_actor)
    before = _writes()
    response = client.post(
        "/api/v1/evidence-requests",
        {"title": "Records", "due_date": request_due().isoformat(), **change},
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert _writes() == before and not EvidenceRequest.objects.exists()


def test_evidence_of_another_organization_is_refused(owner_actor, other_actor, actor_of):
    request = make_request(owner_actor)
    theirs = make_evidence(other_actor)
    before = _writes()
    with pytest.raises(ValidationError) as caught:
        services.evidence_request_answer(actor=actor_of(Role.MANAGER), evidence_request=request, evidence=[theirs])
    assert "evidence" in caught.value.message_dict
    request.refresh_from_db()
    assert request.status == "open" and _writes() == before


def test_iso42001_outside_the_frameworks_of_the_invitation(owner_actor):
    _, guest_actor = guest(owner_actor)
    assert guest_actor.framework_scope is None
    other = next(f for f in builtin_frameworks() if f != "iso42001")
    _, limited = guest(owner_actor, frameworks=[other])
    with pytest.raises(ValidationError) as caught:
        make_request(limited, clause_id="9.2")
    assert "clause_id" in caught.value.message_dict
    assert make_request(limited).clause_id == ""


def test_overdue_is_flagged_and_filtered(owner_actor, api_as, ui_as):
    late = make_request(owner_actor, title="Late one")
    on_time = make_request(owner_actor, title="On time")
    EvidenceRequest.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    overdue = api_as(Role.VIEWER).get("/api/v1/evidence-requests", {"overdue": True}).json()
    assert [item["id"] for item in overdue["items"]] == [str(late.pk)] and overdue["items"][0]["overdue"] is True
    not_overdue = api_as(Role.VIEWER).get("/api/v1/evidence-requests", {"overdue": False}).json()
    assert [item["id"] for item in not_overdue["items"]] == [str(on_time.pk)]
    page = ui_as(Role.VIEWER).get("/evidence-requests/", {"overdue": "true"}).content.decode()
    assert "Late one" in page and "On time" not in page and "overdue" in page


def test_withdraw_and_delete(owner_actor, actor_of):
    kept = make_request(owner_actor)
    services.evidence_request_comment(actor=actor_of(Role.MANAGER), evidence_request=kept, body="Working on it.")
    with pytest.raises(ValidationError):
        services.evidence_request_delete(actor=owner_actor, evidence_request=kept)
    withdrawn = services.evidence_request_withdraw(actor=actor_of(Role.AUDITOR), evidence_request=kept)
    assert withdrawn.status == "withdrawn" and not withdrawn.overdue
    with pytest.raises(ValidationError):
        services.evidence_request_update(actor=owner_actor, evidence_request=withdrawn, title="Changed")
