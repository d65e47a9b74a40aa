"""Evidence files: upload and download through API and UI, dedup, limits, refused types, tampering, tenancy."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from openaims.evidence import services, storage
from openaims.evidence.models import Evidence
from openaims.inventory.services import ai_system_create

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CSV = b"metric,group,value\nselection_rate,a,0.41\nselection_rate,b,0.39\n"
UPLOAD = "/api/v1/evidence/upload"


def upload(client: Client, name: str, content: bytes, **fields):
    data = {"title": fields.pop("title", f"Upload {name}"), **fields}
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content), **data})


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def evidence_events() -> int:
    """Trail events about evidence (making an API token writes events of its own)."""
    return TrailEvent.objects.filter(object_type="evidence.evidence").count()


def assert_nothing_kept(stored_files, before_events: int):
    assert stored_files() == []
    assert not Evidence.objects.exists()
    assert evidence_events() == before_events


# --- round trips ---------------------------------------------------------------------------------------


def test_api_upload_then_download_round_trip(api_as, owner_actor, members, stored_files, data_dir):
    system = ai_system_create(actor=owner_actor, name="Scorer", purpose="Scores loans.")
    client = api_as(Role.CONTRIBUTOR)
    response = upload(
        client,
        "fairness-report.pdf",
        PDF,
        title="Fairness report Q3",
        valid_until="2099-01-01",
        owner_id=str(members[Role.MANAGER].pk),
        ai_systems=[str(system.pk)],
    )
    assert response.status_code == 201, response.content
    item = response.json()
    sha = hashlib.sha256(PDF).hexdigest()
    assert item["kind"] == "file" and item["file_sha256"] == sha and item["file_size"] == len(PDF)
    assert item["file_name"] == "fairness-report.pdf" and item["content_type"] == "application/pdf"
    assert item["ai_systems"] == [str(system.pk)] and item["is_expired"] is False
    assert item["download_url"] == f"/api/v1/evidence/{item['id']}/download"
    assert stored_files() == [f"{sha[:2]}/{sha[2:4]}/{sha}"]
    assert (data_dir / "evidence" / sha[:2] / sha[2:4] / sha).read_bytes() == PDF
    [event] = TrailEvent.objects.filter(object_id=item["id"])
    assert event.action == "create" and event.changes_dict["file_sha256"] == [None, sha]

    download = api_as(Role.VIEWER).get(item["download_url"])
    assert download.status_code == 200
    assert body_of(download) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"] == 'attachment; filename="fairness-report.pdf"'


def test_ui_upload_then_download_round_trip(ui_as, stored_files):
    client = ui_as(Role.CONTRIBUTOR)
    assert 'enctype="multipart/form-data"' in client.get("/evidence/new/").content.decode()
    response = client.post(
        "/evidence/new/",
        {"title": "Drift metrics", "kind": "file", "file": SimpleUploadedFile("drift.csv", CSV)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Evidence.objects.get()
    assert response["Location"] == f"/evidence/{item.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert f"/evidence/{item.pk}/download/" in detail and item.file_sha256 in detail
    download = client.get(f"/evidence/{item.pk}/download/")
    assert download.status_code == 200 and body_of(download) == CSV
    assert download["Content-Disposition"] == 'attachment; filename="drift.csv"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert len(stored_files()) == 1


def test_the_users_file_name_is_never_a_path(api_as, stored_files, data_dir):
    response = upload(api_as(Role.OWNER), "../../../etc/cron.d/evil\u202e.txt", b"just text\n")
    assert response.status_code == 201, response.content
    assert response.json()["file_name"] == "evil.txt"
    sha = hashlib.sha256(b"just text\n").hexdigest()
    assert stored_files() == [f"{sha[:2]}/{sha[2:4]}/{sha}"]
    assert not (data_dir.parent / "etc").exists()


def test_non_ascii_file_name_is_offered_for_download(api_as):
    item = upload(api_as(Role.OWNER), "Bewertung-Übersicht.txt", b"ok\n").json()
    download = api_as(Role.OWNER).get(item["download_url"])
    assert "attachment" in download["Content-Disposition"]
    assert "filename*=utf-8''Bewertung-%C3%9Cbersicht.txt" in download["Content-Disposition"]
    body_of(download)


# --- dedup and deletion --------------------------------------------------------------------------------


def test_identical_content_is_stored_once_and_kept_while_referenced(
    api_as, other_actor, stored_files, django_capture_on_commit_callbacks
):
    client = api_as(Role.OWNER)
    first = upload(client, "a.csv", CSV).json()
    second = upload(client, "copy-of-a.csv", CSV).json()
    theirs = services.evidence_upload(actor=other_actor, content=[CSV], file_name="b.csv", title="Theirs")
    assert first["file_sha256"] == second["file_sha256"] == theirs.file_sha256
    assert len(stored_files()) == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/evidence/{first['id']}").status_code == 204
    assert len(stored_files()) == 1  # still referenced by the second item (and another organization's)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/evidence/{second['id']}").status_code == 204
    assert len(stored_files()) == 1
    download = api_as(Role.OWNER).get(f"/api/v1/evidence/{second['id']}/download")
    assert download.status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(actor=other_actor, evidence=theirs)
    assert stored_files() == []


def test_deleting_through_the_ui_removes_an_unreferenced_file(
    ui_as, owner_actor, stored_files, django_capture_on_commit_callbacks
):
    item = services.evidence_upload(actor=owner_actor, content=[PDF], file_name="x.pdf", title="Only copy")
    assert len(stored_files()) == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = ui_as(Role.MANAGER).post(f"/evidence/{item.pk}/delete/")
    assert response.status_code == 302 and len(callbacks) == 1
    assert stored_files() == []


def test_a_refused_delete_keeps_the_file(api_as, owner_actor, stored_files, django_capture_on_commit_callbacks):
    item = services.evidence_upload(actor=owner_actor, content=[PDF], file_name="x.pdf", title="Kept")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert api_as(Role.CONTRIBUTOR).delete(f"/api/v1/evidence/{item.pk}").status_code == 403
    assert callbacks == [] and len(stored_files()) == 1


# --- limits and refused types --------------------------------------------------------------------------


def test_api_upload_over_the_size_limit_is_413_and_leaves_nothing(api_as, settings, stored_files):
    settings.AIMS_EVIDENCE_MAX_BYTES = 1000
    client = api_as(Role.OWNER)
    before = evidence_events()
    response = upload(client, "big.csv", b"a,b\n" * 2000)
    assert response.status_code == 413, response.content
    assert "1000 bytes" in response.json()["detail"]
    assert_nothing_kept(stored_files, before)
    assert upload(client, "small.csv", b"a,b\n" * 250).status_code == 201  # exactly 1000 bytes


def test_size_limit_holds_when_uploads_spill_to_temporary_files(api_as, settings, stored_files, tmp_path):
    settings.AIMS_EVIDENCE_MAX_BYTES = 50_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spill")
    (tmp_path / "spill").mkdir()
    client = api_as(Role.OWNER)
    before = evidence_events()
    assert upload(client, "big.csv", b"x,y\n" * 20_000).status_code == 413
    assert_nothing_kept(stored_files, before)
    ok = upload(client, "medium.csv", b"x,y\n" * 10_000)
    assert ok.status_code == 201 and ok.json()["file_size"] == 40_000


def test_size_limit_comes_from_the_environment_without_a_setting(settings, monkeypatch):
    del settings.AIMS_EVIDENCE_MAX_BYTES  # may not exist; pytest-django restores it
    monkeypatch.setenv("AIMS_EVIDENCE_MAX_BYTES", "1234")
    assert storage.max_upload_bytes() == 1234
    monkeypatch.delenv("AIMS_EVIDENCE_MAX_BYTES")
    assert storage.max_upload_bytes() == 50 * 1024 * 1024


def test_ui_upload_over_the_size_limit_shows_the_form_again(ui_as, settings, stored_files):
    settings.AIMS_EVIDENCE_MAX_BYTES = 100
    before = evidence_events()
    response = ui_as(Role.OWNER).post(
        "/evidence/new/", {"title": "Too big", "kind": "file", "file": SimpleUploadedFile("big.txt", b"x" * 500)}
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "larger than the limit of 100 bytes" in page and 'value="Too big"' in page
    assert_nothing_kept(stored_files, before)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("setup.exe", b"MZ\x90\x00\x03" + b"\x00" * 100, "programs"),
        ("report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "programs"),
        ("run.sh", b"#!/bin/sh\nrm -rf /\n", "programs"),
        ("notes.txt", b"#!/usr/bin/env python\nprint(1)\n", "programs"),
        ("page.html", b"<!doctype html><p>hi</p>", "not accepted"),
        ("notes.txt", b"  <html><script>alert(1)</script></html>", "HTML"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "not accepted"),
        ("data.csv", b"\xef\xbb\xbf<svg onload=alert(1)>", "HTML"),
        ("photo.png", b"GIF89a....", "not a PNG image"),
        ("archive", b"plain", "no extension"),
        ("model.pkl", b"\x80\x04\x95", "not accepted"),
        ("binary.txt", b"abc\x00def", "not a plain text"),
    ],
)
def test_refused_types_are_415_naming_the_file_and_leave_nothing(api_as, stored_files, name, content, reason):
    before = evidence_events()
    response = upload(api_as(Role.OWNER), name, content)
    assert response.status_code == 415, response.content
    body = response.json()
    assert body["errors"][0]["field"] == "file" and reason in body["detail"]
    assert_nothing_kept(stored_files, before)


def test_empty_file_and_bad_fields_are_422_and_leave_nothing(api_as, owner_actor, other_actor, stored_files):
    client = api_as(Role.OWNER)
    before = evidence_events()
    empty = upload(client, "empty.txt", b"")
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "file"
    foreign = ai_system_create(actor=other_actor, name="Theirs", purpose="Not ours.")
    linked = upload(client, "ok.txt", b"fine\n", ai_systems=[str(foreign.pk)])
    assert linked.status_code == 422 and linked.json()["errors"][0]["field"] == "ai_systems"
    dates = upload(client, "ok.txt", b"fine\n", collected_on="2025-05-01", valid_until="2025-01-01")
    assert dates.status_code == 422 and dates.json()["errors"][0]["field"] == "valid_until"
    missing = client.post(UPLOAD, {"title": "No file"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"].startswith("file")
    assert_nothing_kept(stored_files, before)


def test_ui_refused_type_is_a_field_error(ui_as, stored_files):
    response = ui_as(Role.OWNER).post(
        "/evidence/new/", {"title": "Script", "kind": "file", "file": SimpleUploadedFile("x.js", b"alert(1)")}
    )
    assert response.status_code == 422
    assert "Files of type .js are not accepted" in response.content.decode()
    assert stored_files() == [] and not Evidence.objects.exists()


# --- integrity -----------------------------------------------------------------------------------------


def test_a_tampered_file_is_refused_not_served(api_as, ui_as, owner_actor, data_dir):
    item = services.evidence_upload(actor=owner_actor, content=[CSV], file_name="m.csv", title="Metrics")
    path = storage.blob_path(item.file_sha256)
    path.write_bytes(CSV.replace(b"0.41", b"0.99"))
    response = api_as(Role.AUDITOR).get(f"/api/v1/evidence/{item.pk}/download")
    assert response.status_code == 409
    assert "no longer matches its SHA-256" in response.json()["detail"]
    assert b"0.99" not in response.content
    page = ui_as(Role.AUDITOR).get(f"/evidence/{item.pk}/download/")
    assert page.status_code == 409 and b"0.99" not in page.content
    assert storage.check(item.file_sha256) is not None

    path.unlink()
    assert api_as(Role.AUDITOR).get(f"/api/v1/evidence/{item.pk}/download").json()["detail"] == (
        "The stored file is missing."
    )
    # Uploading the same content again restores the stored copy.
    services.evidence_upload(actor=owner_actor, content=[CSV], file_name="again.csv", title="Again")
    download = api_as(Role.AUDITOR).get(f"/api/v1/evidence/{item.pk}/download")
    assert download.status_code == 200 and body_of(download) == CSV


# --- tenancy and roles ---------------------------------------------------------------------------------


def test_another_organizations_file_is_404_everywhere(api_as, ui_as, other_actor):
    theirs = services.evidence_upload(actor=other_actor, content=[PDF], file_name="secret.pdf", title="Theirs")
    assert api_as(Role.OWNER).get(f"/api/v1/evidence/{theirs.pk}/download").status_code == 404
    assert ui_as(Role.OWNER).get(f"/evidence/{theirs.pk}/download/").status_code == 404
    assert api_as(Role.OWNER).get("/api/v1/evidence", {"q": theirs.file_sha256}).json()["count"] == 0


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AUDITOR, Role.REVIEWER])
def test_read_only_roles_cannot_upload(role, api_as, ui_as, stored_files):
    before = evidence_events()
    response = upload(api_as(role), "r.pdf", PDF)
    assert response.status_code == 403
    page = ui_as(role).post("/evidence/new/", {"title": "x", "kind": "file", "file": SimpleUploadedFile("r.pdf", PDF)})
    assert page.status_code == 403
    assert ui_as(role).get("/evidence/new/").status_code == 403
    assert_nothing_kept(stored_files, before)


def test_ui_upload_checks_csrf(members, stored_files):
    client = Client(enforce_csrf_checks=True)
    client.force_login(members[Role.OWNER])
    response = client.post("/evidence/new/", {"title": "x", "kind": "file", "file": SimpleUploadedFile("r.pdf", PDF)})
    assert response.status_code == 403
    assert stored_files() == [] and not Evidence.objects.exists()


def test_openapi_documents_upload_and_download_errors(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {"201", "401", "403", "413", "415", "422"} <= set(paths["/api/v1/evidence/upload"]["post"]["responses"])
    assert {"200", "404", "409"} <= set(paths["/api/v1/evidence/{id}/download"]["get"]["responses"])
