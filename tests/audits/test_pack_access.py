"""The evidence pack from the command line, the audit page and the API: exit codes and one-line errors, the
download streamed from a staging file that is gone afterwards, and another organization's audit answering 404."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse
from typer.testing import CliRunner

from openaims.accounts.choices import Role
from openaims.base.staging import staging_dir
from openaims.cli.main import app
from tests.audits.internal_helpers import make_audit
from tests.audits.test_pack import records_of, trail_files  # noqa: F401 - a fixture

pytestmark = pytest.mark.filterwarnings("ignore:HarfBuzz-Subset will be required:DeprecationWarning")


@pytest.fixture
def audit(owner_actor, trail_files):  # noqa: F811
    return records_of(owner_actor)["audit"]


def invoke(*args: str):
    return CliRunner().invoke(app, ["audit", "pack", *args])


def test_cli_writes_the_pack_and_prints_its_summary(audit, tmp_path):
    out = tmp_path / "pack.zip"
    result = invoke("--audit", "IA-0001", "--out", str(out), "--org", "acme")
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert "Evidence pack of internal audit IA-0001 written:" in result.output
    assert f"sha256 {digest}" in result.output.replace("\n", "")
    with zipfile.ZipFile(out) as archive:
        assert "audits/IA-0001-report.pdf" in archive.namelist()
        files = len(archive.namelist())
    assert f"{files} files" in result.output
    result = invoke("--out", str(tmp_path / "all.zip"), "--org", "acme", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (
        summary["audit"] is None
        and summary["sha256"] == hashlib.sha256((tmp_path / "all.zip").read_bytes()).hexdigest()
    )
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staged file left


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--audit", "IA-0099"], "--audit: no internal audit 'IA-0099' in acme"),
        (["--audit", "not-an-id"], "--audit: no internal audit 'not-an-id' in acme"),
        (["--framework", "nist"], "--framework: unknown framework 'nist' (use iso42001)"),
    ],
)
def test_cli_refuses_bad_options_naming_the_flag(audit, tmp_path, args, message):
    out = tmp_path / "pack.zip"
    result = invoke(*args, "--out", str(out), "--org", "acme")
    assert result.exit_code == 1
    assert message in result.output
    assert not out.exists()


def test_cli_refuses_an_unwritable_out(audit, tmp_path):
    result = invoke("--out", str(tmp_path / "no-such-folder" / "pack.zip"), "--org", "acme")
    assert result.exit_code == 1 and "--out: cannot write that file" in result.output


def test_cli_refuses_another_organizations_audit(audit, other_actor, tmp_path):
    theirs = make_audit(other_actor, title="Globex audit")
    result = invoke("--audit", str(theirs.pk), "--out", str(tmp_path / "pack.zip"), "--org", "acme")
    assert result.exit_code == 1 and "--audit: no internal audit" in result.output


def _staged() -> set[str]:
    return {p.name for p in staging_dir().iterdir()}


def test_audit_page_has_the_button_and_the_download_streams_from_a_staging_file(audit, ui_as):
    client = ui_as(Role.AUDITOR)
    page = client.get(reverse("internal-audits-detail", args=[audit.pk]))
    url = reverse("internal-audits-pack", args=[audit.pk])
    assert (
        page.status_code == 200
        and f'href="{url}"' in page.content.decode()
        and "Evidence pack" in page.content.decode()
    )
    before = _staged()
    response = client.get(url)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert 'filename="evidence-pack-acme-IA-0001.zip"' in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "index.html" in archive.namelist() and "audits/IA-0001-report.pdf" in archive.namelist()
    assert _staged() == before  # nothing left in the data directory
    whole = client.get(reverse("evidence-pack"))
    assert whole.status_code == 200 and 'filename="evidence-pack-acme-aims.zip"' in whole["Content-Disposition"]


def test_the_page_refuses_a_viewer_and_another_organizations_audit(audit, ui_as, other_actor):
    assert ui_as(Role.VIEWER).get(reverse("internal-audits-pack", args=[audit.pk])).status_code == 403
    theirs = make_audit(other_actor, title="Globex audit")
    assert ui_as(Role.OWNER).get(reverse("internal-audits-pack", args=[theirs.pk])).status_code == 404


def test_api_answers_the_zip_and_404_for_another_organizations_audit(audit, api_as, other_actor):
    response = api_as(Role.AUDITOR).get(f"/api/v1/internal-audits/{audit.pk}/pack")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    content = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "manifest.json" in archive.namelist()
    theirs = make_audit(other_actor, title="Globex audit")
    missing = api_as(Role.AUDITOR).get(f"/api/v1/internal-audits/{theirs.pk}/pack")
    assert missing.status_code == 404 and missing.json()["status"] == 404
    refused = api_as(Role.VIEWER).get(f"/api/v1/internal-audits/{audit.pk}/pack")
    assert refused.status_code == 403
