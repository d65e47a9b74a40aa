"""``aims evidence``: add a file or a link, list with filters, verify stored files."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from openaims.cli.evidence import app
from openaims.evidence import storage
from openaims.evidence.models import Evidence

runner = CliRunner()


def aims_evidence(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "240"})


def test_add_list_and_verify(org, members, tmp_path, settings):
    report = tmp_path / "bias-audit.csv"
    report.write_bytes(b"group,rate\na,0.4\nb,0.38\n")
    added = aims_evidence(
        "add", "Bias audit", "--file", str(report), "--collected-on", "1999-12-01", "--valid-until", "2000-01-01",
        "--org", "acme", "--json",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    item = json.loads(added.stdout)
    assert item["kind"] == "file" and item["is_expired"] is True
    link = aims_evidence("add", "Policy", "--url", "https://example.org/policy", "--org", "acme")
    assert link.exit_code == 0, link.output

    expired = json.loads(aims_evidence("list", "--expired", "--org", "acme", "--json").stdout)
    assert [i["title"] for i in expired] == ["Bias audit"]
    valid = json.loads(aims_evidence("list", "--valid", "--org", "acme", "--json").stdout)
    assert [i["title"] for i in valid] == ["Policy"]
    assert "Expired 2000-01-01" in aims_evidence("list", "--org", "acme").output

    assert aims_evidence("verify", "--org", "acme").exit_code == 0
    storage.blob_path(item["file_sha256"]).write_bytes(b"tampered")
    bad = aims_evidence("verify", "--org", "acme")
    assert bad.exit_code == 1 and "damaged" in bad.output and item["id"] in bad.output


def test_refusals_are_one_line_and_keep_nothing(org, members, tmp_path, settings, stored_files):
    script = tmp_path / "x.sh"
    script.write_bytes(b"#!/bin/sh\necho hi\n")
    refused = aims_evidence("add", "Script", "--file", str(script), "--org", "acme")
    assert refused.exit_code == 1 and "file: The file is a script" in refused.output
    settings.AIMS_EVIDENCE_MAX_BYTES = 10
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 100)
    too_big = aims_evidence("add", "Big", "--file", str(big), "--org", "acme")
    assert too_big.exit_code == 1 and "larger than the limit of 10 bytes" in too_big.output
    viewer = aims_evidence("add", "L", "--url", "https://x.org", "--org", "acme", "--user", members["viewer"].username)
    assert viewer.exit_code == 1 and "does not allow" in viewer.output
    assert aims_evidence("add", "Both", "--org", "acme").exit_code == 1
    assert not Evidence.objects.exists()
    assert stored_files() == []
