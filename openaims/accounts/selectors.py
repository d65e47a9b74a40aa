"""Reads of accounts: who is a member of what, and the actor for a request.

:func:`actor_for_membership` is the one place an :class:`Actor` is built from a membership (web UI, API tokens,
API sessions, CLI): it refuses a lapsed membership and carries a guest auditor's scope.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.accounts.models import ApiToken, Membership, Organization, User
from openaims.base.context import Actor
from openaims.base.errors import NotFound


class MembershipLapsed(NotFound):
    """The membership's expiry has passed (a guest auditor's invitation lapsed): no longer a member."""


def active_q(prefix: str = "") -> Q:
    """Memberships that have not lapsed (no expiry, or an expiry still ahead)."""
    return Q(**{f"{prefix}expires_at__isnull": True}) | Q(**{f"{prefix}expires_at__gt": timezone.now()})


def memberships_of(user: User) -> QuerySet[Membership]:
    """The user's memberships that have not lapsed, by organization name."""
    return (
        Membership.objects.filter(user=user)
        .filter(active_q())
        .select_related("organization", "user")
        .order_by("organization__name")
    )


def lapsed_memberships_of(user: User) -> QuerySet[Membership]:
    """The user's memberships whose expiry has passed (to tell a guest auditor why they see nothing)."""
    return Membership.objects.filter(user=user, expires_at__lte=timezone.now()).select_related("organization")


def actor_for_membership(membership: Membership, *, token: ApiToken | None = None) -> Actor:
    """The actor of ``membership`` (through ``token`` when given): the one place every interface builds it.

    A lapsed membership raises :class:`MembershipLapsed`. A guest auditor's actor carries the invitation's scope:
    the AI systems (None: the whole organization) and frameworks (None: all) they see.
    """
    if membership.lapsed:
        lapsed_on = f"{membership.expires_at:%Y-%m-%d}"
        raise MembershipLapsed(f"Your membership of {membership.organization} lapsed on {lapsed_on}.")
    system_scope = None
    framework_scope = None
    if membership.role == Role.GUEST_AUDITOR:
        if not membership.scope_all_systems:  # the systems left in scope (none once all were deleted: none)
            system_scope = frozenset(membership.scope_systems.values_list("pk", flat=True))
        framework_scope = frozenset(membership.scope_frameworks or ()) or None
    return Actor(
        organization=membership.organization,
        role=membership.role,
        user=membership.user,
        token=token,
        system_scope=system_scope,
        framework_scope=framework_scope,
    )


def actor_for(user: User, organization: Organization | None = None) -> Actor:
    """The actor of ``user`` in ``organization`` (default: the first one they belong to)."""
    qs = Membership.objects.filter(user=user).select_related("organization", "user").order_by("organization__name")
    qs = qs.filter(organization=organization) if organization is not None else qs.filter(active_q())
    membership = qs.first()
    if membership is None:
        raise NotFound("Not a member of this organization.")
    return actor_for_membership(membership)


def organization_by_slug(slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise NotFound(f"No organization {slug!r}.")
    return organization
