"""Fixtures shared by the whole suite: organizations, members of every role, API clients."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from openaims.accounts.choices import Role
from openaims.accounts.models import User
from openaims.accounts.selectors import actor_for
from openaims.accounts.services import membership_add, organization_create, token_create, user_create

PASSWORD = "correct-horse-battery"


def pytest_configure(config):
    if os.environ.get("AIMS_REQUIRE_POSTGRES") == "1" or os.environ.get("CI") == "true":
        url = os.environ.get("DATABASE_URL", "")
        if os.environ.get("AIMS_REQUIRE_POSTGRES") == "1" and not url.startswith("postgres"):
            raise pytest.UsageError("AIMS_REQUIRE_POSTGRES=1 but DATABASE_URL is not a PostgreSQL URL")


def make_member(organization, role: str, username: str | None = None) -> User:
    """A user with ``role`` in ``organization`` (added by the organization's owner)."""
    username = username or f"{role}-{organization.slug}@example.org"
    user = User.objects.filter(username=username).first() or user_create(username=username, password=PASSWORD)
    if role != Role.OWNER:
        owner = User.objects.get(username=f"owner-{organization.slug}@example.org")
        membership_add(actor=actor_for(owner, organization), user=user, role=role)
    return user


def make_organization(name: str, slug: str):
    owner = user_create(username=f"owner-{slug}@example.org", password=PASSWORD)
    return organization_create(name=name, slug=slug, owner=owner)


@pytest.fixture
def org(db):
    return make_organization("Acme AI", "acme")


@pytest.fixture
def other_org(db):
    return make_organization("Globex", "globex")


@pytest.fixture
def members(org):
    """``{role: user}`` for every role in ``org``."""
    users = {Role.OWNER: User.objects.get(username="owner-acme@example.org")}
    for role in Role.values:
        if role != Role.OWNER:
            users[role] = make_member(org, role)
    return users


@pytest.fixture
def actor_of(members, org):
    """``actor_of(role)``: the actor of that role's member in ``org``."""
    return lambda role: actor_for(members[role], org)


@pytest.fixture
def owner_actor(actor_of):
    return actor_of(Role.OWNER)


@pytest.fixture
def other_actor(other_org):
    return actor_for(User.objects.get(username="owner-globex@example.org"), other_org)


def bearer_client(actor) -> Client:
    _, raw = token_create(actor=actor, user=actor.user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def api_as(actor_of):
    """``api_as(role)``: a test client sending an API token of that role's member."""
    cache: dict[str, Client] = {}

    def make(role: str) -> Client:
        if role not in cache:
            cache[role] = bearer_client(actor_of(role))
        return cache[role]

    return make


@pytest.fixture
def ui_as(members):
    """``ui_as(role)``: a test client signed in to the web UI as that role's member."""

    def make(role: str) -> Client:
        client = Client()
        client.force_login(members[role])
        return client

    return make
