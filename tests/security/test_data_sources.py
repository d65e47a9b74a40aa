"""Issue 11, attacks 1-3: a member of another organization tries to read what is not theirs through a data source.

Each attack goes through the API as a contributor of a second organization and asserts the 4xx, the field
named, that nothing was created, and that the answer shows no path, environment value or foreign id. The
PostgreSQL attacks run against a declared connection whose role is the least-privilege role README describes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection as django_connection

from openaims.accounts.choices import Role
from openaims.accounts.selectors import actor_for
from openaims.monitoring.models import DataSource
from openaims.monitoring.runner import run_monitor
from openaims.monitoring.store import store_parts, store_root
from openaims.policy.connections import Connection, declaration_problems
from tests.conftest import bearer_client, make_member
from tests.monitoring.helpers import START, ingest, make_monitor, make_store, make_system, prediction_rows
from tests.monitoring.test_postgres_source import POSTGRES_URL, reader_url

pg_only = pytest.mark.skipif(
    django_connection.vendor != "postgresql", reason="the application's own database is PostgreSQL only there"
)


@pytest.fixture
def attacker(other_org):
    """A contributor of the second organization (globex), with an AI system of its own."""
    user = make_member(other_org, Role.CONTRIBUTOR)
    actor = actor_for(user, other_org)
    system = make_system(actor_for(user.__class__.objects.get(username="owner-globex@example.org"), other_org))
    return actor, bearer_client(actor), system


@pytest.fixture
def victim_store(owner_actor):
    """Acme's store data source holding predictions (the data the attacker wants)."""
    monitor = make_monitor(owner_actor)
    ingest(owner_actor, monitor.data_source, prediction_rows(weeks=1, per_week=50))
    return monitor.data_source


@pytest.fixture
def acme_connection(settings):
    settings.AIMS_CONNECTIONS = [
        {"name": "acme-logs", "kind": "postgres", "dsn_env": "AIMS_TEST_ACME_DSN", "organizations": ["acme"]}
    ]
    return "acme-logs"


def _post(client, system, **fields) -> dict:
    payload = {"ai_system_id": str(system.pk), "name": f"attack {uuid.uuid4().hex[:6]}", **fields}
    return client.post("/api/v1/data-sources", payload, content_type="application/json")


def _assert_refused(response, field: str, *, leaks: tuple[str, ...] = ()) -> dict:
    """A 422 naming ``field``, nothing created, and no server path, environment value or foreign id shown."""
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in {error["field"] for error in body["errors"]}, body
    text = response.content.decode()
    hidden = [str(django_settings.AIMS_DATA_DIR), "/etc/", "/tmp/", os.environ.get("DATABASE_URL", "") or "\x00"]
    hidden += [str(django_connection.settings_dict.get("NAME") or "\x00"), *leaks]
    for secret in hidden:
        assert secret not in text, f"the answer shows {secret!r}"
    assert DataSource.objects.filter(name__startswith="attack").count() == 0
    return body


# ---------------------------------------------------------------- attack 1: the application's database


def test_naming_an_environment_variable_is_impossible(attacker, monkeypatch):
    monkeypatch.setenv("AIMS_TEST_SECRET_DSN", "postgresql://app:hunter2@db.internal/openaims")
    _, client, system = attacker
    response = _post(
        client,
        system,
        kind="postgres",
        query="SELECT username AS ts, password AS y_true FROM accounts_user",
        dsn_env="AIMS_TEST_SECRET_DSN",  # the field is gone: ignored, and the source has no connection
    )
    _assert_refused(response, "connection", leaks=("hunter2", "db.internal"))


@pytest.mark.parametrize("name", ["DATABASE_URL", "AIMS_SECRET_KEY", "default", "../connections"])
def test_an_undeclared_connection_is_refused(attacker, name):
    _, client, system = attacker
    body = _assert_refused(
        _post(client, system, kind="postgres", location="accounts_user", connection=name), "connection"
    )
    assert "No connection named" in json.dumps(body)


def test_a_connection_of_another_organization_is_refused_like_an_unknown_one(attacker, acme_connection):
    _, client, system = attacker
    foreign = _assert_refused(
        _post(client, system, kind="postgres", location="logs", connection=acme_connection), "connection"
    )
    unknown = _assert_refused(
        _post(client, system, kind="postgres", location="logs", connection="no-such"), "connection"
    )
    message = {e["field"]: e["message"] for e in foreign["errors"]}["connection"]
    assert message == {e["field"]: e["message"] for e in unknown["errors"]}["connection"].replace(
        "no-such", acme_connection
    )
    assert "available to this organization" in message


def test_the_organizations_own_list_of_connections_leaves_out_the_others(attacker, acme_connection, api_as):
    _, client, _ = attacker
    assert client.get("/api/v1/connections").json() == []
    assert [c["name"] for c in api_as(Role.VIEWER).get("/api/v1/connections").json()] == [acme_connection]
    assert "dsn" not in json.dumps(api_as(Role.VIEWER).get("/api/v1/connections").json()).lower()


@pg_only
def test_a_connection_to_the_application_database_is_refused_when_declared_and_when_used(
    owner_actor, settings, monkeypatch
):
    info = django_connection.settings_dict
    app_dsn = psycopg.conninfo.make_conninfo(
        host=info["HOST"] or "127.0.0.1", port=str(info["PORT"] or 5432), dbname=info["NAME"], user=info["USER"]
    )
    monkeypatch.setenv("AIMS_TEST_APP_DSN", app_dsn)
    declared = Connection(name="sneaky", kind="postgres", organizations=("acme",), dsn_env="AIMS_TEST_APP_DSN")
    assert "application's own database" in declaration_problems(declared)["dsn-env"]
    # Declared anyway (settings bypass the command's check): refused again at every use.
    settings.AIMS_CONNECTIONS = [declared.as_dict()]
    source = make_store(owner_actor, kind="postgres", location="accounts_user", connection="sneaky")
    run = run_monitor(actor=owner_actor, monitor=make_monitor(owner_actor, source=source), window_start=START)
    assert run.status == "error" and "application's own database" in run.error
    assert info["NAME"] not in run.error and "AIMS_TEST_APP_DSN" not in run.error


# ---------------------------------------------------------------- attack 2: files outside the organization's area


def _import_area(slug: str) -> Path:
    folder = Path(django_settings.AIMS_DATA_DIR) / "imports" / slug
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_another_organizations_store_is_unreachable(attacker, victim_store):
    _, client, system = attacker
    part = store_parts(victim_store)[0]
    root = store_root(victim_store)
    ids = (str(victim_store.organization_id), str(victim_store.ai_system_id))
    for location in (
        str(root),
        str(part),
        f"../../predictions/{ids[0]}/{ids[1]}",
        f"../acme/../../predictions/{ids[0]}",
    ):
        _assert_refused(_post(client, system, kind="parquet", location=location), "location", leaks=ids)


@pytest.mark.parametrize(
    "location",
    [
        "/etc/passwd",
        "/etc",
        "../../secret_key",
        "../acme/logs.parquet",
        "logs/../../../connections.json",
        "logs/*.parquet",
        "file:///etc/passwd",
        "~/logs.parquet",
    ],
)
def test_paths_outside_the_data_area_are_refused(attacker, location):
    _, client, system = attacker
    _assert_refused(_post(client, system, kind="parquet", location=location), "location")


def test_the_secret_key_file_is_refused(attacker):
    _, client, system = attacker
    key = Path(django_settings.AIMS_DATA_DIR) / "secret_key"
    key.write_text("not-the-real-key")
    try:
        _assert_refused(_post(client, system, kind="parquet", location=str(key)), "location", leaks=("not-the-real",))
    finally:
        key.unlink()


def test_a_symlink_leading_out_is_refused(attacker, victim_store):
    _, client, system = attacker
    area = _import_area("globex")
    (area / "innocent.parquet").symlink_to(store_parts(victim_store)[0])
    (area / "folder").mkdir()
    (area / "folder" / "part.parquet").symlink_to(store_parts(victim_store)[0])
    (area / "etc").symlink_to("/etc", target_is_directory=True)
    for location in ("innocent.parquet", "folder", "etc/passwd", "etc"):
        _assert_refused(_post(client, system, kind="parquet", location=location), "location")


def test_a_file_in_the_organizations_own_area_is_accepted(attacker):
    _, client, system = attacker
    response = _post(client, system, kind="parquet", location="2026/decisions.parquet")
    assert response.status_code == 201, response.content
    DataSource.objects.filter(pk=response.json()["id"]).delete()


def test_a_file_made_unsafe_after_saving_is_refused_when_read(owner_actor, other_actor):
    """Saved while inside the area, swapped for a link to another organization's store: the run refuses it."""
    area = _import_area("acme")
    rows = prediction_rows(weeks=1, per_week=60)
    import pandas as pd

    frame = pd.DataFrame(rows).assign(ts=lambda f: pd.to_datetime(f["ts"], utc=True))
    frame.to_parquet(area / "decisions.parquet", index=False)
    source = make_store(owner_actor, kind="parquet", location="decisions.parquet")
    monitor = make_monitor(owner_actor, source=source)
    assert run_monitor(actor=owner_actor, monitor=monitor, window_start=START).error == ""

    foreign = make_monitor(other_actor)
    ingest(other_actor, foreign.data_source, rows)
    (area / "decisions.parquet").unlink()
    (area / "decisions.parquet").symlink_to(store_parts(foreign.data_source)[0])
    run = run_monitor(actor=owner_actor, monitor=monitor, window_start=START)
    assert run.status == "error"
    assert run.error == "location: resolves outside this organization's data area"
    assert str(foreign.organization_id) not in run.error


def test_a_missing_file_is_an_error_run_without_its_path(owner_actor):
    source = make_store(owner_actor, kind="parquet", location="later/decisions.parquet")
    run = run_monitor(actor=owner_actor, monitor=make_monitor(owner_actor, source=source), window_start=START)
    assert run.status == "error" and "no such file or folder" in run.error
    assert str(django_settings.AIMS_DATA_DIR) not in run.error


# ---------------------------------------------------------------- a declared connection with a least-privilege role


@pytest.fixture
def logs_db():
    """Two tables on the logs server: the one the role may read, and one it may not."""
    suffix = uuid.uuid4().hex[:10]
    logs, other, role = f"aims_logs_{suffix}", f"aims_private_{suffix}", f"aims_reader_{suffix}"
    rows = prediction_rows(weeks=1, per_week=80)
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f"CREATE TABLE {logs} (ts timestamptz, label integer, approved integer, sex text)")
        with admin.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {logs} VALUES (%s, %s, %s, %s)",
                [(dt.datetime.fromisoformat(r["ts"]), r["label"], r["approved"], r["sex"]) for r in rows],
            )
        admin.execute(f"CREATE TABLE {other} (secret text)")
        admin.execute(f"INSERT INTO {other} VALUES ('do-not-read')")
        admin.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT")
        admin.execute(f"ALTER ROLE {role} SET default_transaction_read_only = on")
        admin.execute(f"ALTER ROLE {role} SET statement_timeout = '60s'")
        admin.execute(f"GRANT SELECT ON {logs} TO {role}")
        try:
            yield {"logs": logs, "other": other, "role": role, "admin": admin}
        finally:
            admin.execute(f"DROP TABLE IF EXISTS {logs}, {other}")
            admin.execute(f"DROP TABLE IF EXISTS pwned_{suffix}")
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")


@pytest.fixture
def declared(settings, monkeypatch, logs_db):
    """``declared(**limits)``: the least-privilege connection 'logs', for acme, with these limits."""
    monkeypatch.setenv("AIMS_TEST_READER_DSN", reader_url(logs_db["role"]))

    def declare(**limits) -> str:
        settings.AIMS_CONNECTIONS = [
            {"name": "logs", "kind": "postgres", "dsn_env": "AIMS_TEST_READER_DSN", "organizations": ["acme"], **limits}
        ]
        return "logs"

    return declare


def _run_query(actor, query: str, *, saved_as: str | None = None):
    """Run a fairness monitor over ``query``; ``saved_as`` is written past validation (as an old row could be)."""
    source = make_store(actor, kind="postgres", query=query, connection="logs")
    if saved_as is not None:
        DataSource.objects.filter(pk=source.pk).update(query=saved_as)
        source.refresh_from_db()
    return run_monitor(actor=actor, monitor=make_monitor(actor, source=source), window_start=START)


def test_the_least_privilege_connection_reads_its_table(owner_actor, declared, logs_db):
    declared()
    run = _run_query(owner_actor, f"SELECT * FROM {logs_db['logs']}")
    assert run.error == "" and run.rows == 80


def test_pg_read_file_and_other_tables_are_refused_by_the_role(owner_actor, declared, logs_db):
    declared()
    logs = logs_db["logs"]
    read_file = _run_query(owner_actor, f"SELECT l.*, pg_read_file('/etc/hostname') AS leak FROM {logs} l")
    assert read_file.status == "error" and "permission denied for function pg_read_file" in read_file.error
    other = _run_query(owner_actor, f"SELECT l.*, (SELECT secret FROM {logs_db['other']}) AS leak FROM {logs} l")
    assert other.status == "error" and "permission denied for table" in other.error
    assert "do-not-read" not in json.dumps([read_file.results, other.results, other.error])


def test_a_writing_query_is_refused_when_saved_and_when_run(owner_actor, declared, logs_db, api_as):
    declared()
    logs = logs_db["logs"]
    insert = f"INSERT INTO {logs} VALUES (now(), 1, 1, 'x')"
    response = api_as(Role.CONTRIBUTOR).post(
        "/api/v1/data-sources",
        {
            "ai_system_id": str(make_system(owner_actor).pk),
            "name": "w",
            "kind": "postgres",
            "query": insert,
            "connection": "logs",
        },
        content_type="application/json",
    )
    assert response.status_code == 422 and {e["field"] for e in response.json()["errors"]} == {"query"}
    written = f"WITH w AS (INSERT INTO {logs} VALUES (now(), 1, 1, 'x') RETURNING *) SELECT * FROM w"
    run = _run_query(owner_actor, f"SELECT * FROM {logs}", saved_as=written)
    assert run.status == "error"
    count = logs_db["admin"].execute(f"SELECT count(*) FROM {logs}").fetchone()[0]
    assert count == 80


def test_a_stacked_statement_is_refused_when_saved_and_when_run(owner_actor, declared, logs_db, api_as):
    declared()
    logs, suffix = logs_db["logs"], logs_db["logs"].removeprefix("aims_logs_")
    stacked = f"SELECT * FROM {logs}) AS q; COMMIT; CREATE TABLE pwned_{suffix} (); SELECT * FROM ({logs}"
    response = api_as(Role.CONTRIBUTOR).post(
        "/api/v1/data-sources",
        {
            "ai_system_id": str(make_system(owner_actor).pk),
            "name": "s",
            "kind": "postgres",
            "query": stacked,
            "connection": "logs",
        },
        content_type="application/json",
    )
    assert response.status_code == 422 and {e["field"] for e in response.json()["errors"]} == {"query"}
    run = _run_query(owner_actor, f"SELECT * FROM {logs}", saved_as=stacked)
    assert run.status == "error"
    exists = logs_db["admin"].execute("SELECT to_regclass(%s)", [f"pwned_{suffix}"]).fetchone()[0]
    assert exists is None


def test_the_statement_timeout_stops_a_long_query(owner_actor, declared, logs_db):
    declared(statement_timeout_ms=200)
    run = _run_query(owner_actor, f"SELECT * FROM {logs_db['logs']} WHERE pg_sleep(0.05) IS NOT NULL")
    assert run.status == "error" and "statement timeout" in run.error


def test_the_row_cap_refuses_a_large_result(owner_actor, declared, logs_db):
    declared(max_rows=1)  # the fairness query returns a row per group: two groups are too many
    run = _run_query(owner_actor, f"SELECT * FROM {logs_db['logs']}")
    assert run.status == "error" and "more than 1 rows" in run.error


def test_the_byte_cap_refuses_a_large_result(owner_actor, declared, logs_db):
    declared(max_bytes=8)
    run = _run_query(owner_actor, f"SELECT * FROM {logs_db['logs']}")
    assert run.status == "error" and "more than 8 bytes" in run.error


def test_even_the_organizations_own_stores_are_not_a_parquet_location(owner_actor, victim_store):
    """A store is read only as the store data source it is, never as a Parquet location (not even by its owner)."""
    from django.core.exceptions import ValidationError

    root = store_root(victim_store)
    for location in (str(root), f"../../predictions/{victim_store.organization_id}/{victim_store.ai_system_id}"):
        with pytest.raises(ValidationError) as refused:
            make_store(owner_actor, kind="parquet", location=location)
        assert refused.value.message_dict == {"location": ["Resolves outside this organization's data area."]}


def test_errors_of_runs_kept_before_the_fix_are_redacted(owner_actor):
    import importlib

    from django.apps import apps

    from openaims.monitoring.models import MetricRun

    migration = importlib.import_module("openaims.monitoring.migrations.0005_redact_run_errors")
    monitor = make_monitor(owner_actor)
    run = run_monitor(actor=owner_actor, monitor=monitor, window_start=START)  # an error run: nothing ingested
    old = (
        "cannot connect to PostgreSQL at db.internal:5432/openaims: refused; the environment variable DATABASE_URL "
        "is not set; cannot read /srv/aims/predictions/1b2c/part.parquet"
    )
    MetricRun.objects.filter(pk=run.pk).update(error=old)
    migration.redact_errors(apps, None)
    run.refresh_from_db()
    for secret in ("db.internal", "DATABASE_URL", "/srv/aims", "1b2c"):
        assert secret not in run.error
    assert run.error.startswith("cannot connect to PostgreSQL: refused")
