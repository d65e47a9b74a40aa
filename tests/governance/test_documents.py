"""Document versions (draft → in review → approved), the current version, document control and the AI policy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.governance import selectors, services
from openaims.governance.models import Document, DocumentVersion

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def events(obj) -> list[TrailEvent]:
    return list(TrailEvent.objects.filter(object_id=str(obj.pk)).order_by("sequence"))


def approve(actor, version, **kwargs):
    services.document_version_transition(actor=actor, document_version=version, to_status="in_review")
    services.document_version_transition(actor=actor, document_version=version, to_status="approved", **kwargs)
    version.refresh_from_db()
    return version


@pytest.fixture
def policy(owner_actor):
    return services.document_create(
        actor=owner_actor, title="AI policy", document_type="ai_policy", next_review_date=TODAY + 300 * DAY
    )


def test_first_version_is_current_until_one_is_approved(policy, actor_of):
    contributor = actor_of(Role.CONTRIBUTOR)
    first = services.document_version_create(actor=contributor, document=policy, number="1.0", content="v1 text")
    policy.refresh_from_db()
    assert policy.current_version == first and policy.status == "draft"
    second = services.document_version_create(actor=contributor, document=policy, number="1.1")
    policy.refresh_from_db()
    assert policy.current_version == second
    assert events(policy)[-1].action == "transition"


def test_approval_needs_the_right_records_who_and_when_and_supersedes(policy, actor_of, members):
    contributor, manager = actor_of(Role.CONTRIBUTOR), actor_of(Role.MANAGER)
    first = services.document_version_create(actor=contributor, document=policy, number="1.0")
    services.document_version_transition(actor=contributor, document_version=first, to_status="in_review")
    with pytest.raises(PermissionDenied):
        services.document_version_transition(actor=contributor, document_version=first, to_status="approved")
    services.document_version_transition(actor=manager, document_version=first, to_status="approved", note="Board ok")
    first.refresh_from_db()
    assert first.status == "approved"
    assert first.approved_by == members[Role.MANAGER] and first.approved_at is not None
    assert first.effective_date == TODAY
    event = events(first)[-1]
    assert event.action == "transition"
    assert event.changes_dict["status"] == ["in_review", "approved"]
    assert event.changes_dict["note"] == [None, "Board ok"]

    second = services.document_version_create(actor=contributor, document=policy, number="2.0")
    policy.refresh_from_db()
    assert policy.current_version == first, "a draft does not replace the approved version in force"
    approve(manager, second)
    first.refresh_from_db()
    policy.refresh_from_db()
    assert (first.status, second.status, policy.current_version) == ("superseded", "approved", second)
    assert events(first)[-1].changes_dict["superseded_by"] == [None, "2.0"]


def test_versions_move_only_along_the_workflow(policy, owner_actor):
    version = services.document_version_create(actor=owner_actor, document=policy, number="1.0")
    with pytest.raises(ValidationError) as error:
        services.document_version_transition(actor=owner_actor, document_version=version, to_status="approved")
    assert "to_status" in error.value.message_dict
    services.document_version_transition(actor=owner_actor, document_version=version, to_status="in_review")
    with pytest.raises(ValidationError):
        services.document_version_update(actor=owner_actor, document_version=version, content="changed in review")
    services.document_version_transition(actor=owner_actor, document_version=version, to_status="draft")
    services.document_version_update(actor=owner_actor, document_version=version, content="fixed")
    approve(owner_actor, version)
    with pytest.raises(ValidationError):
        services.document_version_update(actor=owner_actor, document_version=version, content="after approval")
    with pytest.raises(ValidationError):
        services.document_version_delete(actor=owner_actor, document_version=version)
    assert DocumentVersion.objects.filter(pk=version.pk).exists()


def test_deleting_the_current_draft_falls_back_to_the_previous_version(policy, owner_actor):
    first = services.document_version_create(actor=owner_actor, document=policy, number="1")
    second = services.document_version_create(actor=owner_actor, document=policy, number="2")
    services.document_version_delete(actor=owner_actor, document_version=second)
    policy.refresh_from_db()
    assert policy.current_version == first
    services.document_version_delete(actor=owner_actor, document_version=first)
    policy.refresh_from_db()
    assert policy.current_version is None and policy.status is None


def test_transition_endpoint(policy, owner_actor, api_as):
    version = services.document_version_create(actor=owner_actor, document=policy, number="1.0")
    url = f"/api/v1/document-versions/{version.pk}/transition"
    submitted = api_as(Role.CONTRIBUTOR).post(url, {"to_status": "in_review"}, content_type="application/json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "in_review"
    refused = api_as(Role.CONTRIBUTOR).post(url, {"to_status": "approved"}, content_type="application/json")
    assert refused.status_code == 403
    approved = api_as(Role.MANAGER).post(url, {"to_status": "approved"}, content_type="application/json")
    assert approved.status_code == 200 and approved.json()["approved_by_id"]
    again = api_as(Role.MANAGER).post(url, {"to_status": "draft"}, content_type="application/json")
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "to_status"


def test_document_control_list_shows_current_version_status_and_overdue_flag(policy, owner_actor, api_as, ui_as):
    approve(owner_actor, services.document_version_create(actor=owner_actor, document=policy, number="3.1"))
    stale = services.document_create(actor=owner_actor, title="Model card procedure", next_review_date=TODAY - DAY)
    client = api_as(Role.VIEWER)
    rows = {row["title"]: row for row in client.get("/api/v1/documents").json()["items"]}
    assert rows["AI policy"]["current_version_number"] == "3.1"
    assert rows["AI policy"]["status"] == "approved"
    assert rows["AI policy"]["review_overdue"] is False and rows["AI policy"]["in_force"] is True
    assert rows["Model card procedure"]["review_overdue"] is True
    assert rows["Model card procedure"]["status"] is None
    overdue = client.get("/api/v1/documents", {"review_overdue": "true"}).json()["items"]
    assert [row["id"] for row in overdue] == [str(stale.pk)]
    not_overdue = client.get("/api/v1/documents", {"review_overdue": "false"}).json()["items"]
    assert [row["id"] for row in not_overdue] == [str(policy.pk)]

    page = ui_as(Role.VIEWER).get("/documents/?review_overdue=true").content.decode()
    assert f"/documents/{stale.pk}/" in page and f"/documents/{policy.pk}/" not in page
    page = ui_as(Role.VIEWER).get("/documents/").content.decode()
    assert "3.1" in page and "Approved" in page


@pytest.mark.parametrize(
    ("document_type", "effective", "review", "in_force"),
    [
        ("ai_policy", 0, 30, True),
        ("ai_policy", 0, None, True),
        ("ai_policy", 5, 30, False),  # not yet effective
        ("ai_policy", -60, -1, False),  # past its review date
        ("procedure", 0, 30, False),  # not an AI policy
    ],
)
def test_ai_policy_in_force(owner_actor, document_type, effective, review, in_force):
    document = services.document_create(
        actor=owner_actor,
        title="Policy",
        document_type=document_type,
        next_review_date=None if review is None else TODAY + review * DAY,
    )
    version = services.document_version_create(
        actor=owner_actor, document=document, number="1", effective_date=TODAY + effective * DAY
    )
    assert not selectors.ai_policies_in_force(owner_actor.organization).exists()
    approve(owner_actor, version)
    assert selectors.ai_policies_in_force(owner_actor.organization).exists() is in_force
    document = Document.objects.select_related("current_version").get(pk=document.pk)
    assert document.in_force is (in_force or document_type != "ai_policy")


def test_an_unapproved_policy_is_not_in_force(owner_actor):
    document = services.document_create(actor=owner_actor, title="Policy", document_type="ai_policy")
    services.document_version_create(actor=owner_actor, document=document, number="1", effective_date=TODAY)
    assert not selectors.ai_policies_in_force(owner_actor.organization).exists()


def test_transition_buttons(policy, owner_actor, ui_as):
    version = services.document_version_create(actor=owner_actor, document=policy, number="1.0")
    url = f"/document-versions/{version.pk}/transition/"
    assert url in ui_as(Role.CONTRIBUTOR).get(f"/document-versions/{version.pk}/").content.decode()
    assert ui_as(Role.CONTRIBUTOR).post(url, {"to_status": "in_review"}).status_code == 302
    page = ui_as(Role.CONTRIBUTOR).get(f"/document-versions/{version.pk}/").content.decode()
    assert 'value="approved"' not in page
    assert ui_as(Role.CONTRIBUTOR).post(url, {"to_status": "approved"}).status_code == 403
    assert 'value="approved"' in ui_as(Role.MANAGER).get(f"/document-versions/{version.pk}/").content.decode()
    assert ui_as(Role.MANAGER).post(url, {"to_status": "approved", "note": "ok"}).status_code == 302
    version.refresh_from_db()
    assert version.status == "approved"
    document_page = ui_as(Role.VIEWER).get(f"/documents/{policy.pk}/").content.decode()
    assert "1.0" in document_page and "Approved" in document_page
