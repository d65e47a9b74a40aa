"""Passwords pass Django's full validator set, with the user's own name and e-mail address, in the CLI, the UI and
the API alike; the demo and test passwords pass it."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.test import Client
from typer.testing import CliRunner

from openaims.accounts.choices import Role
from openaims.accounts.models import User
from openaims.cli.main import app
from openaims.demo import DEMO_PASSWORD, DEMO_USERS
from tests.conftest import PASSWORD

NEW_USER = "margaret.hamilton@example.org"
#: Each refused by a different validator: like the e-mail address, too short, too common, only digits.
WEAK = {
    "margaret.hamilton": "too similar",
    "x7#kq": "too short",
    "password123": "too common",
    "83920571946": "entirely numeric",
}


@pytest.mark.parametrize("password", WEAK)
def test_cli_user_add_refuses_a_weak_password(org, password):
    result = CliRunner().invoke(
        app, ["user", "add", NEW_USER, "--role", "viewer", "--password", password, "--org", "acme"]
    )
    assert result.exit_code != 0
    assert WEAK[password] in result.output
    assert password not in result.output
    assert not User.objects.filter(username=NEW_USER).exists()


@pytest.mark.parametrize("password", WEAK)
def test_api_member_invite_refuses_a_weak_password(api_as, password):
    response = api_as(Role.OWNER).post(
        "/api/v1/members",
        {"username": NEW_USER, "role": "viewer", "password": password},
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert any(e["field"] == "password" and WEAK[password] in e["message"] for e in errors), errors
    assert not User.objects.filter(username=NEW_USER).exists()


@pytest.mark.parametrize("password", WEAK)
def test_ui_member_invite_refuses_a_weak_password(ui_as, password):
    response = ui_as(Role.OWNER).post("/members/new/", {"username": NEW_USER, "role": "viewer", "password": password})
    assert response.status_code in (200, 422)
    assert WEAK[password] in response.content.decode()
    assert not User.objects.filter(username=NEW_USER).exists()


def test_a_strong_password_is_accepted_everywhere(api_as):
    response = api_as(Role.OWNER).post(
        "/api/v1/members",
        {"username": NEW_USER, "role": "viewer", "password": "violet-harbour-lantern"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert User.objects.get(username=NEW_USER).check_password("violet-harbour-lantern")


def test_demo_and_test_passwords_pass_the_validators():
    for username, _ in DEMO_USERS:
        user = User(username=username, email=username, first_name=username.split("@")[0].split(".")[0].capitalize())
        validate_password(DEMO_PASSWORD, user)
    for username in ("owner-acme@example.org", "viewer-acme@example.org", "owner@example.org"):
        validate_password(PASSWORD, User(username=username, email=username))


def test_demo_owner_is_created_and_signs_in_with_the_demo_password(db):
    from openaims.accounts.services import user_create

    user_create(username=DEMO_USERS[0][0], password=DEMO_PASSWORD, first_name="Demo")
    response = Client().post("/login/", {"username": DEMO_USERS[0][0], "password": DEMO_PASSWORD})
    assert response.status_code == 302
