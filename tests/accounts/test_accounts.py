"""Sign-in, rate limit, API tokens, the trail's readers."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client, override_settings
from typer.testing import CliRunner

from openaims.accounts.choices import Role, role_allows
from openaims.accounts.models import ApiToken
from openaims.accounts.services import token_create
from openaims.base.models import TrailEvent
from openaims.cli.main import app
from tests.conftest import PASSWORD


def test_login_and_logout(members):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/")
    csrf = page.cookies["csrftoken"].value
    response = client.post(
        "/login/", {"username": members[Role.VIEWER].username, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    csrf = client.cookies["csrftoken"].value
    assert client.post("/logout/", {"csrfmiddlewaretoken": csrf}).status_code == 302
    assert client.get("/").status_code == 302


def test_login_without_csrf_is_refused(members):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": members[Role.VIEWER].username, "password": PASSWORD})
    assert response.status_code == 403


def test_login_rejects_open_redirect(members):
    response = Client().post(
        "/login/", {"username": members[Role.VIEWER].username, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@override_settings(AIMS_LOGIN_MAX_FAILURES=3)
def test_login_attempts_are_rate_limited(members):
    username = members[Role.VIEWER].username
    client = Client()
    for _ in range(3):
        assert client.post("/login/", {"username": username, "password": "wrong-password"}).status_code == 401
    blocked = client.post("/login/", {"username": username, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_token_is_stored_hashed_and_shown_once(owner_actor):
    token, raw = token_create(actor=owner_actor, user=owner_actor.user, name="ci")
    assert raw.startswith("aims_") and raw not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    event = TrailEvent.objects.filter(object_id=str(token.pk)).get()
    assert raw not in event.changes and token.token_hash not in event.changes


def test_token_last_used_and_revocation(owner_actor):
    token, raw = token_create(actor=owner_actor, user=owner_actor.user, name="ci")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/me").json()["role"] == "owner"
    token.refresh_from_db()
    assert token.last_used_at is not None
    revoked = client.post(f"/api/v1/tokens/{token.pk}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/api/v1/me").status_code == 401
    assert TrailEvent.objects.filter(object_id=str(token.pk), action="transition").exists()


def test_tokens_page_creates_and_revokes(ui_as):
    client = ui_as(Role.CONTRIBUTOR)
    page = client.post("/tokens/", {"name": "my laptop"})
    assert page.status_code == 200
    raw = page.context["created"]
    assert raw.startswith("aims_") and raw in page.content.decode()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").json()["role"] == "contributor"
    token = ApiToken.objects.get(name="my laptop")
    assert raw not in client.get("/tokens/").content.decode()
    client.post(f"/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_cannot_revoke_someone_elses_token(api_as, actor_of):
    theirs, _ = token_create(actor=actor_of(Role.MANAGER), user=actor_of(Role.MANAGER).user, name="theirs")
    assert api_as(Role.CONTRIBUTOR).post(f"/api/v1/tokens/{theirs.pk}/revoke").status_code == 404


def test_bad_tokens_are_401(org):
    for header in ("Bearer nope", "Bearer aims_wrong", "Basic abc", "Bearer " + "a" * 500):
        response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")
        assert response.status_code == 401 and response.json()["detail"]


def test_session_api_calls_need_csrf(members):
    client = Client(enforce_csrf_checks=True)
    client.force_login(members[Role.OWNER])
    assert client.get("/api/v1/me").status_code == 200
    refused = client.post("/api/v1/datasets", {"name": "x"}, content_type="application/json")
    assert refused.status_code in (401, 403)


@pytest.mark.parametrize("role", list(Role.values))
def test_trail_readers(role, api_as, ui_as):
    allowed = role_allows(role, "trail")
    assert api_as(role).get("/api/v1/trail").status_code == (200 if allowed else 403)
    assert api_as(role).get("/api/v1/trail/verify").status_code == (200 if allowed else 403)
    assert ui_as(role).get("/trail/").status_code == (200 if allowed else 403)


def test_trail_filters(api_as, owner_actor):
    from openaims.inventory.services import dataset_create

    dataset_create(actor=owner_actor, name="Filtered")
    body = api_as(Role.AUDITOR).get("/api/v1/trail", {"object_type": "inventory.dataset", "action": "create"}).json()
    assert [e["object_label"] for e in body["items"]] == ["Filtered"]
    assert api_as(Role.AUDITOR).get("/api/v1/trail/verify").json()["ok"] is True
    page = Client()
    page.force_login(owner_actor.user)
    assert "Filtered" in page.get("/trail/", {"object_type": "inventory.dataset"}).content.decode()


def test_auditor_writes_nothing(api_as):
    client = api_as(Role.AUDITOR)
    assert client.post("/api/v1/datasets", {"name": "x"}, content_type="application/json").status_code == 403


def test_switch_organization(members, other_org):
    from openaims.accounts.models import User
    from openaims.accounts.selectors import actor_for
    from openaims.accounts.services import membership_add

    owner_globex = User.objects.get(username="owner-globex@example.org")
    membership_add(actor=actor_for(owner_globex, other_org), user=members[Role.VIEWER], role=Role.AUDITOR)
    client = Client()
    client.force_login(members[Role.VIEWER])
    client.post("/organization/switch/", {"organization_id": str(other_org.pk)})
    assert client.get("/").context["current_organization"] == other_org
    assert client.get("/trail/").status_code == 200


def test_cli_user_add_and_token_create(org):
    runner = CliRunner()
    added = runner.invoke(
        app, ["user", "add", "newbie@example.org", "--role", "auditor", "--password", "long-enough-pw", "--org", "acme"]
    )
    assert added.exit_code == 0, added.output
    created = runner.invoke(app, ["token", "create", "newbie@example.org", "--name", "script", "--org", "acme"])
    assert created.exit_code == 0, created.output
    raw = created.stdout.strip().splitlines()[-1]
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").json()["role"] == "auditor"
    bad = runner.invoke(app, ["user", "add", "x@example.org", "--role", "king", "--org", "acme"])
    assert bad.exit_code != 0 and "--role" in bad.output


def test_healthz_needs_no_login(db):
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_security_headers(db):
    response = Client().get("/login/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"]
