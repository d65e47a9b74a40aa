"""Database outages: /healthz says what is down (503), a dropped connection is replaced before the next request
uses it, and pages answer a plain 503 while the database cannot be reached."""

from __future__ import annotations

import io
import socket
from contextlib import contextmanager
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test import Client

from openaims.accounts.choices import Role
from openaims.accounts.services import token_create

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="drops and refuses server connections (PostgreSQL)"
)


def test_healthz_answers_ok_with_its_checks(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "data_dir": "ok"}}
    assert response["Cache-Control"] == "no-store"


def test_healthz_answers_503_when_the_data_directory_is_gone(db, settings, tmp_path):
    settings.AIMS_DATA_DIR = tmp_path / "removed"
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "data_dir": "down"}}
    assert str(tmp_path) not in response.content.decode()


def _wsgi_get(path: str, **headers) -> tuple[str, bytes]:
    """A request the way a server makes it: through the WSGI handler, with the request signals that close or check
    kept connections (the test client leaves them out)."""
    environ: dict = {"PATH_INFO": path, "wsgi.input": io.BytesIO(b""), **headers}
    setup_testing_defaults(environ)
    answer: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = status

    response = WSGIHandler()(environ, start_response)
    try:
        body = b"".join(response)
    finally:
        response.close()
    return answer["status"], body


def _terminate_backend_of_default_connection() -> None:
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0] is True
    finally:
        other.close()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_terminated_connection_is_replaced_before_the_next_request_uses_it(actor_of):
    actor = actor_of(Role.VIEWER)
    _, raw = token_create(actor=actor, user=actor.user, name="outage")
    status, _ = _wsgi_get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert status.startswith("200")
    for path, headers in (("/api/v1/me", {"HTTP_AUTHORIZATION": f"Bearer {raw}"}), ("/healthz", {})):
        _terminate_backend_of_default_connection()
        status, body = _wsgi_get(path, **headers)
        assert status.startswith("200"), (path, status, body[:300])


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _database_unreachable():
    """Point the default connection at a port where nothing listens, then back."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_json_when_the_database_is_unreachable():
    with _database_unreachable():
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "down", "data_dir": "ok"}}
    body = response.content.decode()
    assert "5432" not in body and "postgres" not in body.lower()
    assert Client().get("/healthz").status_code == 200


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_pages_answer_a_plain_503_when_the_database_is_unreachable(ui_as):
    client = ui_as(Role.VIEWER)
    client.raise_request_exception = False
    with _database_unreachable():
        response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "cannot reach its database" in response.content.decode()
    assert client.get("/").status_code == 200
