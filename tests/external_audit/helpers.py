"""Records the external audit tests build on, made through the services."""

from __future__ import annotations

import datetime as dt
import itertools

from django.test import Client
from django.utils import timezone

from openaims.accounts.models import User
from openaims.accounts.selectors import actor_for
from openaims.external_audit import services

_numbers = itertools.count(1)
GUEST_PASSWORD = "quiet-orchard-lantern-42"


def invite(actor, *, systems=(), frameworks=(), days: int = 30, email: str | None = None):
    """``(invitation, token)``: an invitation of ``actor``'s organization, ``days`` ahead."""
    return services.guest_invitation_create(
        actor=actor,
        email=email or f"auditor{next(_numbers)}@certbody.example",
        name="Ada Auditor",
        firm="Cert Body Ltd",
        expires_at=timezone.now() + dt.timedelta(days=days),
        scope_systems=list(systems),
        scope_frameworks=list(frameworks),
    )


def guest(actor, *, systems=(), frameworks=(), username: str | None = None):
    """A guest auditor of ``actor``'s organization (invited and accepted): ``(user, guest actor)``."""
    _, raw = invite(actor, systems=systems, frameworks=frameworks)
    username = username or f"guest{next(_numbers)}@certbody.example"
    membership = services.guest_invitation_accept(token=raw, username=username, password=GUEST_PASSWORD)
    user = User.objects.get(pk=membership.user_id)
    return user, actor_for(user, actor.organization)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def request_due(days: int = 14) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def make_request(actor, **overrides):
    fields = {"title": f"Risk assessment records {next(_numbers)}", "due_date": request_due(), **overrides}
    return services.evidence_request_create(actor=actor, **fields)
