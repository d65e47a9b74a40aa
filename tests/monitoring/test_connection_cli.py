"""``aims connection``: the administrator declares, lists, checks and removes connections; tenants only pick them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from openaims.accounts.choices import Role
from openaims.cli.main import app
from openaims.policy.connections import connections_for, declared_connections
from tests.monitoring.test_postgres_source import POSTGRES_URL, logs_table, reader_role, reader_url  # noqa: F401

runner = CliRunner()


def aims(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(autouse=True)
def declarations(settings, tmp_path):
    """A declarations file of this test only."""
    settings.AIMS_CONNECTIONS = []
    settings.AIMS_CONNECTIONS_FILE = str(tmp_path / "connections.json")
    return tmp_path / "connections.json"


def test_add_list_and_remove(org, other_org, declarations, monkeypatch):
    monkeypatch.setenv("AIMS_TEST_LOGS_DSN", "postgresql://reader:pw-in-env@logs.example/logs")
    added = aims("connection", "add", "logs", "--kind", "postgres", "--dsn-env", "AIMS_TEST_LOGS_DSN", "--org", "acme")
    assert added.exit_code == 0, added.output
    stored = declarations.read_text()
    assert "AIMS_TEST_LOGS_DSN" in stored and "pw-in-env" not in stored  # the name of the variable, never its value
    assert [c.name for c in connections_for(org)] == ["logs"]
    assert connections_for(other_org) == []
    listed = json.loads(aims("connection", "list", "--json").output)
    assert listed[0]["name"] == "logs" and listed[0]["organizations"] == ["acme"]
    assert "pw-in-env" not in aims("connection", "list").output
    again = aims("connection", "add", "logs", "--kind", "postgres", "--dsn-env", "AIMS_TEST_LOGS_DSN", "--org", "*")
    assert again.exit_code == 1 and "--replace" in again.output
    replaced = aims(
        "connection", "add", "logs", "--kind", "postgres", "--dsn-env", "AIMS_TEST_LOGS_DSN", "--org", "*", "--replace"
    )
    assert replaced.exit_code == 0 and [c.name for c in connections_for(other_org)] == ["logs"]
    assert aims("connection", "remove", "logs").exit_code == 0
    assert declared_connections() == []
    assert aims("connection", "remove", "logs").exit_code == 1


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--kind", "postgres", "--dsn-env", "DATABASE_URL", "--org", "acme"], "--dsn-env"),
        (["--kind", "postgres", "--dsn-env", "AIMS_SECRET_KEY", "--org", "acme"], "--dsn-env"),
        (["--kind", "postgres", "--org", "acme"], "--dsn-env"),
        (["--kind", "postgres", "--dsn-file", "relative.dsn", "--org", "acme"], "--dsn-file"),
        (["--kind", "mysql", "--dsn-env", "AIMS_X", "--org", "acme"], "--kind"),
        (["--kind", "postgres", "--dsn-env", "AIMS_X", "--org", "nobody"], "--org"),
    ],
)
def test_bad_declarations_are_refused_with_one_line(org, args, option):
    result = aims("connection", "add", "logs", *args)
    assert result.exit_code == 1 and option in result.output
    assert declared_connections() == []


def test_a_dsn_pointing_to_the_application_database_is_refused(org, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://openaims@localhost:5432/openaims")
    dsn_file = tmp_path / "app.dsn"
    dsn_file.write_text("postgresql://other_user@127.0.0.1:5432/openaims")  # another spelling of the same database
    result = aims("connection", "add", "app", "--kind", "postgres", "--dsn-file", str(dsn_file), "--org", "acme")
    assert result.exit_code == 1 and "application's own database" in result.output
    assert declared_connections() == []


def test_check_reports_what_the_role_may_do(org, monkeypatch):
    monkeypatch.setenv("AIMS_TEST_SUPER_DSN", POSTGRES_URL)
    aims("connection", "add", "super", "--kind", "postgres", "--dsn-env", "AIMS_TEST_SUPER_DSN", "--org", "acme")
    report = aims("connection", "check", "super", "--json")
    assert report.exit_code == 2  # the machine's postgres role is a superuser: not fit for a connection
    assert json.loads(report.output)["superuser"] is True
    monkeypatch.delenv("AIMS_TEST_SUPER_DSN")
    unset = aims("connection", "check", "super")
    assert unset.exit_code == 1 and "not set up on this server" in unset.output


def test_check_passes_the_least_privilege_role(org, monkeypatch, reader_role):  # noqa: F811 - the fixture
    monkeypatch.setenv("AIMS_TEST_READER_DSN", reader_url(reader_role))
    aims("connection", "add", "reader", "--kind", "postgres", "--dsn-env", "AIMS_TEST_READER_DSN", "--org", "acme")
    result = aims("connection", "check", "reader", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["superuser"] is False and report["default_read_only"] is True and report["can_create"] is False
    assert "read-only role, no superuser" in aims("connection", "check", "reader").output


def test_the_form_offers_only_the_organizations_connections(ui_as, settings, other_org):
    settings.AIMS_CONNECTIONS = [
        {"name": "acme-logs", "kind": "postgres", "dsn_env": "AIMS_X", "organizations": ["acme"]},
        {"name": "globex-logs", "kind": "postgres", "dsn_env": "AIMS_Y", "organizations": ["globex"]},
    ]
    page = ui_as(Role.MANAGER).get("/data-sources/new/").content.decode()
    assert 'value="acme-logs"' in page and "globex-logs" not in page and "AIMS_X" not in page


def test_the_form_refuses_a_location_outside_the_area(ui_as, owner_actor):
    from tests.monitoring.helpers import make_system

    system = make_system(owner_actor)
    data = {
        "ai_system": str(system.pk),
        "name": "escape",
        "kind": "parquet",
        "location": "/etc/passwd",
        "timestamp_column": "ts",
        "y_true_column": "y",
        "y_pred_column": "p",
    }
    response = ui_as(Role.MANAGER).post("/data-sources/new/", data)
    assert response.status_code == 422  # the form again, with the error
    page = response.content.decode()
    assert "Resolves outside this organization" in page
    assert not system.data_sources.exists()
