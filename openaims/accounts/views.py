"""The members pages: who belongs to the organization, with which role."""

from __future__ import annotations

from openaims.accounts import forms, services
from openaims.accounts.api import filter_members
from openaims.accounts.choices import Permission
from openaims.accounts.models import Membership
from openaims.base.selectors import scoped
from openaims.base.views import Column, Resource

members = Resource(
    model=Membership,
    url_prefix="members",
    form_class=forms.MemberRoleForm,
    create_form_class=forms.MemberInviteForm,
    filter_form_class=forms.MemberFilterForm,
    columns=[
        Column("Member", "user", link=True),
        Column("Role", "role"),
        Column("Since", "created_at"),
        Column("Until", "expires_at"),
    ],
    queryset=lambda actor: scoped(Membership, actor).select_related("user").order_by("user__username"),
    filter_queryset=filter_members,
    create=services.membership_invite,
    update=services.membership_set_role,
    delete=services.membership_remove,
    instance_kwarg="membership",
    detail_fields=[
        "user",
        "role",
        "created_at",
        "expires_at",
        "scope_all_systems",
        "scope_systems",
        "scope_frameworks",
    ],
    title_plural="Members",
    create_permission=Permission.MANAGE_MEMBERS,
    change_permission=Permission.MANAGE_MEMBERS,
    delete_permission=Permission.MANAGE_MEMBERS,
)
