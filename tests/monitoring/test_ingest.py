"""Prediction ingest: JSON lines, JSON arrays and Parquet; schema checked with line numbers; size-limited;
all or nothing (a refused ingest leaves no file); a trail event per ingest."""

from __future__ import annotations

import datetime as dt
import io
import json

import duckdb
import pytest

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from openaims.monitoring.store import store_dir, store_parts, store_root
from tests.monitoring.helpers import make_store, prediction_rows


def url(source) -> str:
    return f"/api/v1/systems/{source.ai_system_id}/predictions"


def ndjson(rows) -> str:
    return "\n".join(json.dumps(r) for r in rows) + "\n"


def parquet_bytes(rows) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{**r, "ts": dt.datetime.fromisoformat(r["ts"])} if "ts" in r else r for r in rows]
    table = pa.Table.from_pylist(rows)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


@pytest.fixture
def source(owner_actor):
    return make_store(owner_actor)


def stored_rows(source) -> int:
    parts = store_parts(source)
    if not parts:
        return 0
    with duckdb.connect() as con:
        return con.execute("SELECT COUNT(*) FROM read_parquet(?)", [[str(p) for p in parts]]).fetchone()[0]


def test_ndjson_is_appended_as_a_content_addressed_part_with_a_trail_event(api_as, source):
    rows = prediction_rows(weeks=1, per_week=50)
    response = api_as(Role.CONTRIBUTOR).post(url(source), ndjson(rows), content_type="application/x-ndjson")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rows"] == 50 and body["part"] == f"{body['sha256']}.parquet"
    assert body["columns"] == {"ts": "TIMESTAMP", "label": "BIGINT", "approved": "BIGINT", "sex": "VARCHAR"}
    assert [p.name for p in store_parts(source)] == [body["part"]]
    assert store_root(source).parts[-2:] == (str(source.organization_id), str(source.ai_system_id))
    assert store_dir(source).parent == store_root(source)  # the current generation
    event = TrailEvent.objects.filter(object_id=str(source.pk)).order_by("-sequence").first()
    assert event.changes_dict["predictions_ingested"][1] == {"rows": 50, "sha256": body["sha256"], "part": body["part"]}

    again = api_as(Role.CONTRIBUTOR).post(url(source), json.dumps(rows[:10]), content_type="application/json")
    assert again.status_code == 201 and again.json()["rows"] == 10
    assert len(store_parts(source)) == 2 and stored_rows(source) == 60


def test_parquet_upload_raw_and_multipart(api_as, source):
    rows = prediction_rows(weeks=1, per_week=20)
    client = api_as(Role.CONTRIBUTOR)
    raw = client.post(url(source), parquet_bytes(rows), content_type="application/vnd.apache.parquet")
    assert raw.status_code == 201, raw.content
    upload = io.BytesIO(parquet_bytes(rows[:5]))
    upload.name = "more.parquet"
    multipart = client.post(url(source), {"file": upload})
    assert multipart.status_code == 201, multipart.content
    assert stored_rows(source) == 25


def test_bad_rows_are_named_by_column_and_line_and_nothing_is_stored(api_as, source):
    rows = prediction_rows(weeks=1, per_week=6)
    rows[1].pop("sex")
    rows[2]["extra"] = 1
    rows[3]["label"] = "yes"
    rows[4]["ts"] = "last tuesday"
    response = api_as(Role.OWNER).post(url(source), ndjson(rows), content_type="application/x-ndjson")
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors["line 2: sex"] == "missing column"
    assert errors["line 3: extra"].startswith("unknown column")
    assert "must be an integer" in errors["line 4: label"]
    assert "ISO 8601" in errors["line 5: ts"]
    assert store_parts(source) == [] and not any(store_dir(source).glob("*")) if store_dir(source).exists() else True


def test_types_must_match_what_the_store_holds(api_as, source):
    client = api_as(Role.OWNER)
    assert client.post(url(source), ndjson(prediction_rows(weeks=1, per_week=3)), content_type="application/x-ndjson")
    rows = prediction_rows(weeks=1, per_week=2)
    rows[1]["sex"] = 1
    response = client.post(url(source), ndjson(rows), content_type="application/x-ndjson")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "line 2: sex", "message": "must be a string like the other rows, not an integer"}
    ]
    assert len(store_parts(source)) == 1


def test_invalid_json_line_and_wrong_parquet_columns(api_as, source):
    client = api_as(Role.OWNER)
    bad = client.post(url(source), '{"ts": "2026-01-05T00:00:00"}\n{oops', content_type="application/x-ndjson")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "line 2"
    wrong = [{"ts": "2026-01-05T00:00:00", "label": 1, "approved": 1, "gender": "F"}]
    response = client.post(url(source), parquet_bytes(wrong), content_type="application/vnd.apache.parquet")
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert fields == {"gender": "unknown column", "sex": "missing column"}
    not_parquet = client.post(url(source), b"PAR1 nonsense", content_type="application/vnd.apache.parquet")
    assert not_parquet.status_code == 422 and not_parquet.json()["errors"][0]["field"] == "file"
    assert store_parts(source) == []


def test_oversize_is_refused_with_413_and_leaves_no_file(api_as, source, settings):
    settings.AIMS_PREDICTIONS_MAX_BYTES = 500
    body = ndjson(prediction_rows(weeks=1, per_week=50))
    response = api_as(Role.OWNER).post(url(source), body, content_type="application/x-ndjson")
    assert response.status_code == 413
    assert "AIMS_PREDICTIONS_MAX_BYTES" in response.json()["detail"]
    folder = store_dir(source)
    assert not folder.exists() or not any(folder.iterdir())


def test_failure_while_writing_leaves_no_file(api_as, source, monkeypatch):
    from openaims.monitoring import store

    def broken(*args, **kwargs):
        raise RuntimeError("trail is down")

    monkeypatch.setattr(store, "record_event", broken)
    with pytest.raises(RuntimeError):
        api_as(Role.OWNER).post(
            url(source), ndjson(prediction_rows(weeks=1, per_week=5)), content_type="application/x-ndjson"
        )
    assert not any(store_dir(source).iterdir())


def test_content_type_store_roles_and_tenancy(api_as, owner_actor, other_actor, source):
    body = ndjson(prediction_rows(weeks=1, per_week=2))
    assert api_as(Role.OWNER).post(url(source), "a,b", content_type="text/csv").status_code == 415
    assert api_as(Role.VIEWER).post(url(source), body, content_type="application/x-ndjson").status_code == 403
    theirs = make_store(other_actor)
    assert api_as(Role.OWNER).post(url(theirs), body, content_type="application/x-ndjson").status_code == 404
    from tests.monitoring.helpers import make_system

    no_store = make_system(owner_actor)
    response = api_as(Role.OWNER).post(
        f"/api/v1/systems/{no_store.pk}/predictions", body, content_type="application/x-ndjson"
    )
    assert response.status_code == 422 and "store data source" in response.json()["errors"][0]["message"]
    assert store_parts(source) == [] and store_parts(theirs) == []


def test_one_store_per_system(owner_actor, source):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="one per system"):
        make_store(owner_actor, system=source.ai_system)
