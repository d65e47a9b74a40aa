"""Rules of the inventory beyond plain CRUD: life cycle, deployment approval, scope, owners, links."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from openaims.accounts.choices import Role
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.inventory import services
from openaims.inventory.models import AISystem
from openaims.inventory.services import lifecycle_transition_problem


@pytest.fixture
def system(owner_actor):
    return services.ai_system_create(actor=owner_actor, name="Ranker", purpose="Ranks CVs.")


@pytest.mark.parametrize(
    ("current", "target", "reason", "allowed"),
    [
        ("idea", "design", "", True),
        ("design", "idea", "", True),
        ("idea", "retired", "", False),
        ("idea", "retired", "Project cancelled before design.", True),
        ("design", "deployed", "", False),
        ("deployed", "retired", "", True),
        ("operating", "retired", "", True),
        ("development", "development", "whatever reason", False),
        ("idea", "unknown", "", False),
    ],
)
def test_lifecycle_rules(current, target, reason, allowed):
    assert (lifecycle_transition_problem(current, target, reason) is None) is allowed


def test_jump_without_reason_is_refused_with_the_field_named(system, owner_actor):
    with pytest.raises(ValidationError) as error:
        services.ai_system_transition(actor=owner_actor, ai_system=system, to_stage="retired")
    assert "to_stage" in error.value.message_dict
    system.refresh_from_db()
    assert system.lifecycle_stage == "idea"


def test_transition_is_a_trail_event_with_reason(system, owner_actor):
    services.ai_system_transition(
        actor=owner_actor, ai_system=system, to_stage="retired", reason="Cancelled after the pilot."
    )
    event = TrailEvent.objects.filter(object_id=str(system.pk)).order_by("-sequence").first()
    assert event.action == "transition"
    assert event.changes_dict["lifecycle_stage"] == ["idea", "retired"]
    assert event.changes_dict["reason"] == [None, "Cancelled after the pilot."]


def test_deployment_needs_approval_right_and_records_the_approver(system, actor_of):
    contributor, manager = actor_of(Role.CONTRIBUTOR), actor_of(Role.MANAGER)
    for stage in ("design", "development", "verification"):
        services.ai_system_transition(actor=contributor, ai_system=system, to_stage=stage)
    with pytest.raises(PermissionDenied):
        services.ai_system_transition(actor=contributor, ai_system=system, to_stage="deployed")
    services.ai_system_transition(actor=manager, ai_system=system, to_stage="deployed")
    system.refresh_from_db()
    assert system.deployment_approved_by == manager.user and system.deployment_approved_at is not None
    event = TrailEvent.objects.filter(object_id=str(system.pk)).order_by("-sequence").first()
    assert event.changes_dict["deployment_approved_by"][1] == str(manager.user.pk)


def test_creating_a_live_system_needs_approval(actor_of):
    with pytest.raises(PermissionDenied):
        services.ai_system_create(
            actor=actor_of(Role.CONTRIBUTOR), name="Live", purpose="p", lifecycle_stage="deployed"
        )
    created = services.ai_system_create(
        actor=actor_of(Role.ADMIN), name="Live", purpose="p", lifecycle_stage="deployed"
    )
    assert created.deployment_approved_by == actor_of(Role.ADMIN).user


def test_stage_cannot_change_by_edit(system, owner_actor):
    with pytest.raises(ValidationError) as error:
        services.ai_system_update(actor=owner_actor, ai_system=system, lifecycle_stage="deployed")
    assert "lifecycle_stage" in error.value.message_dict


def test_api_transition(api_as, system):
    client = api_as(Role.MANAGER)
    url = f"/api/v1/systems/{system.pk}/transition"
    refused = client.post(url, {"to_stage": "deployed"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "to_stage"
    moved = client.post(url, {"to_stage": "design"}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["lifecycle_stage"] == "design"
    viewer = api_as(Role.VIEWER).post(url, {"to_stage": "development"}, content_type="application/json")
    assert viewer.status_code == 403


def test_out_of_scope_needs_a_reason(owner_actor):
    with pytest.raises(ValidationError) as error:
        services.ai_system_create(actor=owner_actor, name="Rules", purpose="p", in_scope=False)
    assert "scope_reason" in error.value.message_dict


def test_personal_data_needs_categories(owner_actor):
    with pytest.raises(ValidationError) as error:
        services.ai_system_create(actor=owner_actor, name="PD", purpose="p", uses_personal_data=True)
    assert "personal_data_categories" in error.value.message_dict


def test_owner_must_be_a_member(owner_actor, other_actor):
    with pytest.raises(ValidationError) as error:
        services.ai_system_create(actor=owner_actor, name="X", purpose="p", owner=other_actor.user)
    assert "owner" in error.value.message_dict


def test_links_to_another_organizations_records_are_refused(api_as, owner_actor, other_actor):
    theirs = services.dataset_create(actor=other_actor, name="Their data")
    response = api_as(Role.OWNER).post(
        "/api/v1/systems",
        {"name": "Linker", "purpose": "p", "datasets": [str(theirs.pk)]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "datasets"
    assert not AISystem.objects.filter(name="Linker").exists()


def test_name_is_unique_per_organization_only(owner_actor, other_actor):
    services.ai_system_create(actor=owner_actor, name="Twin", purpose="p")
    services.ai_system_create(actor=other_actor, name="Twin", purpose="p")
    with pytest.raises(ValidationError):
        services.ai_system_create(actor=owner_actor, name="Twin", purpose="p")


def test_filters(api_as, owner_actor):
    services.ai_system_create(
        actor=owner_actor, name="Tagged", purpose="p", tags=["Credit", "eu"], ai_roles=["provider"]
    )
    services.ai_system_create(actor=owner_actor, name="Plain", purpose="p", tags=["credit-risk"])
    client = api_as(Role.VIEWER)

    def names(**params):
        return sorted(i["name"] for i in client.get("/api/v1/systems", params).json()["items"])

    assert names(tag="credit") == ["Tagged"]
    assert names(ai_role="provider") == ["Tagged"]
    assert names(q="plai") == ["Plain"]
    assert names(lifecycle_stage="idea") == ["Plain", "Tagged"]
    assert client.get("/api/v1/systems", {"lifecycle_stage": "nope"}).status_code == 422


def test_ui_form_shows_field_errors(ui_as):
    response = ui_as(Role.MANAGER).post("/systems/new/", {"name": "", "purpose": ""})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


def test_ui_service_errors_come_back_to_the_form(ui_as, owner_actor):
    response = ui_as(Role.MANAGER).post(
        "/systems/new/",
        {
            "name": "No reason",
            "purpose": "p",
            "lifecycle_stage": "idea",
            "human_oversight": "none",
            "automation_level": "advisory",
        },
    )
    assert response.status_code == 422
    assert "Say why the system is outside the AIMS scope." in response.content.decode()


def test_ui_transition(ui_as, system):
    client = ui_as(Role.MANAGER)
    client.post(f"/systems/{system.pk}/transition/", {"to_stage": "retired", "reason": ""})
    system.refresh_from_db()
    assert system.lifecycle_stage == "idea"
    client.post(f"/systems/{system.pk}/transition/", {"to_stage": "design"})
    system.refresh_from_db()
    assert system.lifecycle_stage == "design"
