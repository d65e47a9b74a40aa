"""Every answer under /api/ is JSON: unknown paths, wrong methods, server errors, the database down, no credentials."""

from __future__ import annotations

import json

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client, override_settings
from django.urls import include, path

from openaims.accounts.choices import Role
from openaims.accounts.services import token_create, token_revoke


def _boom(request):
    raise RuntimeError("/srv/secret/path failed")


def _database_down(request):
    raise OperationalError("connection to server at 10.0.0.5 failed: Connection refused")


# A URLconf with plain Django views under /api/, outside the API's own error handlers.
urlpatterns = [
    path("api/v1/boom", _boom),
    path("api/v1/database-down", _database_down),
    path("", include("openaims.web.urls")),
]


def _assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["errors"] == []
    return body


@pytest.fixture
def quiet_client(api_as):
    """An API client that answers server errors instead of raising them in the test."""
    client = api_as(Role.OWNER)
    client.raise_request_exception = False
    return client


def test_unknown_api_path_is_a_json_404(api_as):
    _assert_problem(api_as(Role.OWNER).get("/api/v1/no-such-thing"), 404)
    _assert_problem(Client().post("/api/v1/no/such/thing", "{}", content_type="application/json"), 404)


def test_wrong_method_is_a_json_405_naming_the_allowed_ones(api_as):
    response = api_as(Role.OWNER).put("/api/v1/systems", "{}", content_type="application/json")
    _assert_problem(response, 405)
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_server_error_inside_the_api_is_a_json_500_without_details(quiet_client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("/srv/secret/path failed")

    monkeypatch.setattr("openaims.base.api.paginate", broken)
    response = quiet_client.get("/api/v1/systems")
    _assert_problem(response, 500)
    assert "secret" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert any("Internal Server Error: /api/v1/systems" in r.getMessage() and r.exc_info for r in caplog.records)


def test_server_error_raises_in_the_test_client_like_any_server_error(api_as, monkeypatch):
    """The failure still reaches Django's got_request_exception (error reporters, the test client)."""

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("openaims.base.api.paginate", broken)
    with pytest.raises(RuntimeError, match="boom"):
        api_as(Role.OWNER).get("/api/v1/systems")


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_database_unavailable_inside_the_api_is_a_json_503(quiet_client, monkeypatch, error):
    def broken(*args, **kwargs):
        raise error("connection to server at 10.0.0.5 failed: Connection refused")

    monkeypatch.setattr("openaims.base.api.paginate", broken)
    response = quiet_client.get("/api/v1/systems")
    body = _assert_problem(response, 503)
    assert "database" in body["detail"] and "10.0.0.5" not in response.content.decode()
    assert int(response["Retry-After"]) > 0


@override_settings(ROOT_URLCONF=__name__)
def test_server_error_outside_the_api_handlers_is_a_json_500(db):
    response = Client(raise_request_exception=False).get("/api/v1/boom")
    _assert_problem(response, 500)
    assert "secret" not in response.content.decode()
    assert response["X-Request-ID"] and response["X-Content-Type-Options"] == "nosniff"


@override_settings(ROOT_URLCONF=__name__)
def test_database_down_outside_the_api_handlers_is_a_json_503(db):
    response = Client(raise_request_exception=False).get("/api/v1/database-down")
    _assert_problem(response, 503)
    assert int(response["Retry-After"]) > 0 and "10.0.0.5" not in response.content.decode()


def test_pages_outside_the_api_keep_their_html_errors(ui_as):
    response = ui_as(Role.OWNER).get("/no-such-page/")
    assert response.status_code == 404 and not response["Content-Type"].startswith("application/json")


# --- No credentials: 401 whatever the method; CSRF only for signed-in browsers ---------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/systems"),
        ("post", "/api/v1/systems"),
        ("patch", "/api/v1/systems/00000000-0000-0000-0000-000000000000"),
        ("delete", "/api/v1/systems/00000000-0000-0000-0000-000000000000"),
        ("post", "/api/v1/tokens"),
    ],
)
def test_no_credentials_is_401_with_bearer_challenge(db, method, url):
    client = Client(enforce_csrf_checks=True)
    body = {} if method == "get" else {"data": json.dumps({"name": "x"}), "content_type": "application/json"}
    response = getattr(client, method)(url, **body)
    _assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("method", ["post", "patch"])
def test_revoked_or_unknown_token_is_401_not_a_csrf_refusal(owner_actor, method):
    token, raw = token_create(actor=owner_actor, user=owner_actor.user, name="ci")
    token_revoke(actor=owner_actor, token=token)
    for header in (f"Bearer {raw}", "Bearer aims_not-a-token", "Basic dXNlcjpwYXNz"):
        client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=header)
        url = "/api/v1/systems" if method == "post" else "/api/v1/systems/00000000-0000-0000-0000-000000000000"
        response = getattr(client, method)(url, json.dumps({"name": "x"}), content_type="application/json")
        body = _assert_problem(response, 401)
        assert "CSRF" not in body["detail"]
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_signed_in_browser_still_needs_the_csrf_token(members):
    client = Client(enforce_csrf_checks=True)
    client.force_login(members[Role.OWNER])
    body = {"name": "Scoring", "purpose": "Scores."}
    refused = client.post("/api/v1/systems", json.dumps(body), content_type="application/json")
    assert _assert_problem(refused, 403)["detail"] == "CSRF check Failed"
    client.get("/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post("/api/v1/systems", json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content


# --- The database really unreachable (PostgreSQL: the connection pointed at a closed port) ----------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="points the connection at a closed port (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_api_answers_a_json_503_while_the_database_is_unreachable(actor_of):
    from tests.base.test_outage import _database_unreachable

    actor = actor_of(Role.VIEWER)
    _, raw = token_create(actor=actor, user=actor.user, name="outage")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", raise_request_exception=False)
    with _database_unreachable():
        response = client.get("/api/v1/systems")
        anonymous = Client(raise_request_exception=False).post("/api/v1/systems", "{}", content_type="application/json")
    body = _assert_problem(response, 503)
    assert "database" in body["detail"] and "5432" not in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert anonymous.status_code in (401, 503) and anonymous["Content-Type"].startswith("application/json")
    assert client.get("/api/v1/systems").status_code == 200
