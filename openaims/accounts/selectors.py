"""Reads of accounts: who is a member of what, and the actor for a request."""

from __future__ import annotations

from openaims.accounts.models import Membership, Organization, User
from openaims.base.context import Actor
from openaims.base.errors import NotFound


def memberships_of(user: User):
    return Membership.objects.filter(user=user).select_related("organization").order_by("organization__name")


def actor_for(user: User, organization: Organization | None = None) -> Actor:
    """The actor of ``user`` in ``organization`` (default: the first one they belong to)."""
    qs = memberships_of(user)
    if organization is not None:
        qs = qs.filter(organization=organization)
    membership = qs.first()
    if membership is None:
        raise NotFound("Not a member of this organization.")
    return Actor(organization=membership.organization, role=membership.role, user=user)


def organization_by_slug(slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise NotFound(f"No organization {slug!r}.")
    return organization
