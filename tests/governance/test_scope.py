"""Scope statements: approval needs the approve right, is a transition in the trail, and supersedes the old one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from openaims.accounts.choices import Role
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.governance import services
from openaims.governance.models import ScopeStatement


def last_event(obj) -> TrailEvent:
    return TrailEvent.objects.filter(object_id=str(obj.pk)).order_by("-sequence").first()


@pytest.fixture
def draft(owner_actor):
    return services.scope_statement_create(actor=owner_actor, version="1", statement="All credit decisioning AI.")


def test_contributor_is_refused_with_403_and_nothing_changes(draft, api_as):
    client = api_as(Role.CONTRIBUTOR)
    before = TrailEvent.objects.count()
    response = client.post(f"/api/v1/scope-statements/{draft.pk}/approve")
    assert response.status_code == 403
    assert "approve" in response.json()["detail"]
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.approved_by is None
    assert TrailEvent.objects.count() == before


def test_manager_approves_recording_who_and_when_as_a_transition(draft, api_as, members):
    response = api_as(Role.MANAGER).post(f"/api/v1/scope-statements/{draft.pk}/approve")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved"
    assert body["approved_by_id"] == str(members[Role.MANAGER].pk)
    assert body["approved_at"]
    event = last_event(draft)
    assert event.action == "transition"
    assert event.changes_dict["status"] == ["draft", "approved"]
    assert event.changes_dict["approved_by"] == [None, str(members[Role.MANAGER].pk)]
    assert event.actor_type == "token"


def test_approving_a_new_version_supersedes_the_one_in_force(draft, actor_of):
    manager = actor_of(Role.MANAGER)
    services.scope_statement_approve(actor=manager, scope_statement=draft)
    second = services.scope_statement_create(actor=manager, version="2", statement="Credit and fraud AI.")
    services.scope_statement_approve(actor=manager, scope_statement=second)
    draft.refresh_from_db()
    second.refresh_from_db()
    assert (draft.status, second.status) == ("superseded", "approved")
    assert ScopeStatement.objects.filter(organization=manager.organization, status="approved").count() == 1
    event = last_event(draft)
    assert event.action == "transition"
    assert event.changes_dict["status"] == ["approved", "superseded"]
    assert event.changes_dict["superseded_by"] == [None, "Scope statement v2"]
    assert last_event(second).changes_dict["supersedes"] == [None, "Scope statement v1"]


def test_only_drafts_are_approved_or_changed(draft, actor_of, api_as):
    manager = actor_of(Role.MANAGER)
    services.scope_statement_approve(actor=manager, scope_statement=draft)
    with pytest.raises(ValidationError) as error:
        services.scope_statement_approve(actor=manager, scope_statement=draft)
    assert "status" in error.value.message_dict
    changed = api_as(Role.MANAGER).patch(
        f"/api/v1/scope-statements/{draft.pk}", {"statement": "Rewritten."}, content_type="application/json"
    )
    assert changed.status_code == 422
    draft.refresh_from_db()
    assert draft.statement == "All credit decisioning AI."


def test_scopes_of_two_organizations_are_independent(draft, owner_actor, other_actor):
    services.scope_statement_approve(actor=owner_actor, scope_statement=draft)
    theirs = services.scope_statement_create(actor=other_actor, version="1", statement="Their scope.")
    services.scope_statement_approve(actor=other_actor, scope_statement=theirs)
    draft.refresh_from_db()
    assert draft.status == "approved"


def test_service_refuses_approval_without_the_right(draft, actor_of):
    with pytest.raises(PermissionDenied):
        services.scope_statement_approve(actor=actor_of(Role.CONTRIBUTOR), scope_statement=draft)


def test_approve_button(draft, ui_as):
    url = f"/scope-statements/{draft.pk}/approve/"
    page = ui_as(Role.MANAGER).get(f"/scope-statements/{draft.pk}/").content.decode()
    assert url in page
    assert url not in ui_as(Role.CONTRIBUTOR).get(f"/scope-statements/{draft.pk}/").content.decode()
    assert ui_as(Role.CONTRIBUTOR).post(url).status_code == 403
    assert ui_as(Role.MANAGER).post(url).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "approved"


def test_an_instance_loaded_before_approval_cannot_undo_it(draft, actor_of):
    stale = ScopeStatement.objects.get(pk=draft.pk)
    services.scope_statement_approve(actor=actor_of(Role.MANAGER), scope_statement=draft)
    with pytest.raises(ValidationError):
        services.scope_statement_update(actor=actor_of(Role.MANAGER), scope_statement=stale, statement="Changed.")
    services.scope_statement_update(actor=actor_of(Role.MANAGER), scope_statement=stale, sites="")
    draft.refresh_from_db()
    assert draft.status == "approved" and draft.approved_by is not None
