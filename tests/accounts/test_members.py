"""Members run the generic cases; only owners and admins manage them, and an organization keeps an owner."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError

from openaims.accounts import services
from openaims.accounts.choices import Permission, Role
from openaims.accounts.models import Membership
from openaims.base.errors import PermissionDenied
from tests.conftest import PASSWORD
from tests.generic.cases import CRUDCases

_numbers = itertools.count(1)


class TestMembers(CRUDCases):
    api_path = "members"
    ui_prefix = "members"
    model = Membership
    filter_param = ("role", "reviewer")
    writer_role = Role.ADMIN
    create_permission = change_permission = delete_permission = Permission.MANAGE_MEMBERS

    def make(self, actor, **overrides):
        return services.membership_invite(
            actor=actor, username=f"made-{next(_numbers)}@example.org", role=Role.REVIEWER, password=PASSWORD
        )

    def create_payload(self, actor):
        return {"username": f"new-{next(_numbers)}@example.org", "role": "viewer", "password": PASSWORD}

    def update_payload(self):
        return {"role": "auditor"}


def test_last_owner_stays(owner_actor):
    membership = Membership.objects.get(organization=owner_actor.organization, role=Role.OWNER)
    with pytest.raises(ValidationError):
        services.membership_set_role(actor=owner_actor, membership=membership, role=Role.ADMIN)
    with pytest.raises(ValidationError):
        services.membership_remove(actor=owner_actor, membership=membership)


def test_only_owners_grant_ownership(actor_of, members):
    admin = actor_of(Role.ADMIN)
    viewer = Membership.objects.get(user=members[Role.VIEWER])
    with pytest.raises(PermissionDenied):
        services.membership_set_role(actor=admin, membership=viewer, role=Role.OWNER)
    services.membership_set_role(actor=actor_of(Role.OWNER), membership=viewer, role=Role.OWNER)


def test_removed_members_tokens_stop_working(api_as, actor_of, members):
    client = api_as(Role.VIEWER)
    assert client.get("/api/v1/me").status_code == 200
    services.membership_remove(actor=actor_of(Role.OWNER), membership=Membership.objects.get(user=members[Role.VIEWER]))
    assert client.get("/api/v1/me").status_code == 401


def test_new_user_needs_a_password(owner_actor):
    with pytest.raises(ValidationError) as error:
        services.membership_invite(actor=owner_actor, username="nopw@example.org", role=Role.VIEWER)
    assert "password" in error.value.message_dict
