"""The auditor's evidence pack, built from generated records and read back: the manifest, the index, the documents,
the offline verifier (tampering caught), determinism, tenancy and the audit's scope."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pypdf
import pytest
from django.core.exceptions import ValidationError

from openaims.accounts.choices import Role
from openaims.audits import internal_services
from openaims.audits.pack import build_pack
from openaims.audits.pack_sections import system_dir
from openaims.base.context import Actor
from openaims.base.errors import NotFound, PermissionDenied
from openaims.controls import services as soa_services
from openaims.controls.models import SoAEntry
from openaims.evidence.services import evidence_upload
from openaims.evidence.storage import blob_path
from openaims.management_review.services import management_review_issue_minutes
from openaims.risk.services import risk_create
from openaims.trail.pack import MANIFEST
from tests.audits.helpers import make_monitor, make_nc, make_run, make_system
from tests.audits.internal_helpers import make_audit
from tests.management_review.helpers import make_decision, make_held_review

# WeasyPrint 70 warns when the system lacks libharfbuzz-subset (it subsets fonts with fontTools then): not ours.
pytestmark = pytest.mark.filterwarnings("ignore:HarfBuzz-Subset will be required:DeprecationWarning")

REPO_ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def trail_files(settings, tmp_path):
    settings.AIMS_TRAIL_KEY_FILE = str(tmp_path / "trail" / "checkpoint.key")
    settings.AIMS_TRAIL_CHECKPOINTS_FILE = str(tmp_path / "trail" / "checkpoints.jsonl")


def upload(actor, name: str, content: bytes, **fields):
    return evidence_upload(actor=actor, content=[content], file_name=name, title=fields.pop("title", name), **fields)


def records_of(actor, *, prefix: str = "") -> dict:
    """An organization's records: two systems, evidence files, an issued SoA, an audit with a sample, NCs, runs."""
    scorer = make_system(actor, name=f"{prefix}Loan scorer")
    chat = make_system(actor, name=f"{prefix}Support chat")
    policy = upload(actor, "AI policy v3.pdf", PDF + prefix.encode() + b"policy", title=f"{prefix}AI policy")
    log = upload(actor, "../../etc/passwd.txt", f"{prefix}review log\n".encode(), title=f"{prefix}Review log")
    card_evidence = upload(actor, "model card.txt", f"{prefix}card\n".encode(), ai_systems=[scorer])
    soa_services.soa_ensure_entries(actor=actor)
    for entry in SoAEntry.objects.filter(organization=actor.organization):
        soa_services.soa_entry_update(actor=actor, soa_entry=entry, justification=f"Needed ({entry.control_id}).")
    entry = SoAEntry.objects.get(organization=actor.organization, control_id="A.2.2")
    soa_services.soa_entry_update(
        actor=actor, soa_entry=entry, implementation_status="implemented", evidence=[policy, log]
    )
    soa_services.soa_issue_version(actor=actor)
    soa_services.requirement_assessment_set(
        actor=actor, requirement_id="7.1", status="partial", evidence=[log], notes="Budget approved, staff not yet."
    )
    risk_create(actor=actor, title=f"{prefix}=HYPERLINK(1)", likelihood=3, consequence=4, ai_systems=[scorer])
    monitor = make_monitor(actor, system=scorer)
    make_run(actor, monitor, 0, passed=True, with_evidence=False)
    make_run(actor, monitor, 1, passed=False, with_evidence=False)
    make_nc(actor, title=f"{prefix}Parity below threshold", ai_system=scorer)
    audit = make_audit(actor, title=f"{prefix}Spring audit", clause_ids=["7.1", "9.2"], control_ids=["A.2.2"])
    audit.ai_systems.set([scorer, chat])
    internal_services.internal_audit_draw_sample(actor=actor, audit=audit, size=1, seed=3)
    review = make_held_review(actor, title=f"{prefix}Annual review")
    make_decision(actor, review, text=f"{prefix}Fund a second fairness reviewer.")
    management_review_issue_minutes(actor=actor, management_review=review)
    return {"scorer": scorer, "chat": chat, "audit": audit, "evidence": [policy, log, card_evidence]}


@pytest.fixture
def acme(owner_actor, trail_files):
    return records_of(owner_actor)


def build(actor, **kwargs) -> bytes:
    out = io.BytesIO()
    build_pack(actor, out, **kwargs)
    return out.getvalue()


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def verify(path: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m openaims.trail.verify`` in a process of its own, listing the modules it imports."""
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "openaims.trail.verify", str(path), *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PATH": ""},
    )


def test_manifest_lists_every_file_with_its_hash_size_and_record(owner_actor, acme):
    content = build(owner_actor)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read(MANIFEST))
        assert manifest["format"] == "openaims-pack" and manifest["version"] == 2
        listed = {f["path"]: f for f in manifest["files"]}
        assert sorted(listed) == sorted(n for n in names if n != MANIFEST)
        assert [f["path"] for f in manifest["files"]] == sorted(listed)
        for path, entry in listed.items():
            data = archive.read(path)
            assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest(), path
    scorer = system_dir(acme["scorer"])
    for expected in (
        "index.html",
        "soa/soa-v1.pdf",
        "readiness/readiness.html",
        "readiness/readiness.json",
        "clauses/7.1/assessment.html",
        "clauses/9.2.1/assessment.html",
        "controls/A.2.2/implementation.html",
        f"{scorer}/card.pdf",
        f"{scorer}/risks.html",
        f"{scorer}/risks.csv",
        f"{scorer}/monitoring/report.pdf",
        f"{scorer}/nonconformities.html",
        f"{scorer}/reviews.html",
        "audits/IA-0001-report.pdf",
        "management-reviews/MR-0001-minutes.pdf",
        "trail/events.jsonl",
        "trail/checkpoints.jsonl",
        "trail/public-key.pem",
    ):
        assert expected in listed, expected
    policy, log, card = acme["evidence"]
    evidence = [p for p in listed if p.startswith("controls/A.2.2/evidence/")]
    assert sorted(evidence) == sorted(
        [
            f"controls/A.2.2/evidence/{policy.file_sha256[:12]}-ai-policy-v3.pdf",
            f"controls/A.2.2/evidence/{log.file_sha256[:12]}-passwd.txt",  # the user's path is not a path here
        ]
    )
    entry = listed[evidence[0]] if "policy" in evidence[0] else listed[evidence[1]]
    assert entry["control"] == "A.2.2" and entry["sha256"] == policy.file_sha256
    assert entry["record"] == {"type": "evidence.evidence", "id": str(policy.pk), "reference": "AI policy"}
    assert listed[f"clauses/7.1/evidence/{log.file_sha256[:12]}-passwd.txt"]["clause"] == "7.1"
    assert f"{scorer}/evidence/{card.file_sha256[:12]}-model-card.txt" in listed
    assert listed["audits/IA-0001-report.pdf"]["record"]["reference"] == "IA-0001"
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]*", p) and ".." not in p for p in listed)


def test_index_links_resolve_and_documents_open(owner_actor, acme):
    content = build(owner_actor)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = set(archive.namelist())
        index = archive.read("index.html").decode()
        links = re.findall(r'href="([^"]+)"', index)
        assert len(links) >= len(names) - 1
        assert set(links) == names - {"index.html", MANIFEST}  # every file linked, every link a file
        assert "<script" not in index and "http" not in index.replace("https://evidence", "")
        assert "Clause 7.1" in index and "partially met: Budget approved" in index  # what is missing, per clause
        for name in names:  # every page links only to files of the pack
            if name.endswith(".html") and name != "index.html":
                page = archive.read(name).decode()
                for href in re.findall(r'href="([^"]+)"', page):
                    target = str(Path(name).parent / href)
                    assert target in names, (name, href)
        scorer = system_dir(acme["scorer"])
        assert "Loan scorer" in pdf_text(archive.read(f"{scorer}/card.pdf"))
        monitoring = pdf_text(archive.read(f"{scorer}/monitoring/report.pdf"))
        assert "Monitoring report" in monitoring and "Loan scorer" in monitoring
        assert "Statement of Applicability" in pdf_text(archive.read("soa/soa-v1.pdf"))
        assert "IA-0001" in pdf_text(archive.read("audits/IA-0001-report.pdf"))
        assert "Annual review" in pdf_text(archive.read("management-reviews/MR-0001-minutes.pdf"))
        risks_csv = archive.read(f"{scorer}/risks.csv").decode()
        assert "'=HYPERLINK(1)" in risks_csv  # the cell is neutralized
        readiness = json.loads(archive.read("readiness/readiness.json"))
        assert any(r["id"] == "7.1" for c in readiness["clauses"] for r in c["requirements"])


def test_the_offline_verifier_checks_the_whole_pack_and_names_a_tampered_file(owner_actor, acme, tmp_path):
    pack = tmp_path / "pack.zip"
    pack.write_bytes(build(owner_actor))
    result = verify(pack)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok, ") and "files match the manifest" in result.stdout
    assert "1 signed checkpoints (latest at event #" in result.stdout  # the pack checkpointed the head first
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "import time:" in line}
    assert "openaims.trail.verify" in imported or "openaims.trail.pack" in imported
    assert not {m for m in imported if m == "django" or m.startswith("django.") or m.startswith("openaims.audits")}

    victim = f"{system_dir(acme['scorer'])}/card.pdf"
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(pack) as source, zipfile.ZipFile(tampered, "w") as copy:
        for info in source.infolist():
            data = source.read(info.filename)
            copy.writestr(info, data.replace(b"%%EOF", b"%%EOX") if info.filename == victim else data)
    result = verify(tampered)
    assert result.returncode == 1
    assert result.stdout == f"BROKEN: {victim}: its SHA-256 does not match the manifest (the file was changed)\n"


def test_same_records_give_the_same_bytes(owner_actor, acme):
    first = build(owner_actor)
    assert build(owner_actor) == first
    assert build(owner_actor, audit=acme["audit"]) == build(owner_actor, audit=acme["audit"])


def test_another_organizations_records_are_never_in_the_pack(owner_actor, other_actor, acme, trail_files):
    theirs = records_of(other_actor, prefix="Globex secret ")
    content = build(owner_actor)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        listed = json.loads(archive.read(MANIFEST))["files"]
        hashes = {f["sha256"] for f in listed}
        for evidence in theirs["evidence"]:
            assert evidence.file_sha256 not in hashes
        for name in archive.namelist():
            data = archive.read(name)
            text = (
                pdf_text(data)
                if name.endswith(".pdf") and "/evidence/" not in name
                else data.decode("utf-8", "replace")
            )
            assert "Globex" not in text, name
            assert str(other_actor.organization.pk) not in text, name
    with pytest.raises(NotFound):
        build(owner_actor, audit=theirs["audit"])


def test_an_audit_pack_covers_its_scope(owner_actor, acme):
    audit = acme["audit"]
    sampled = list(audit.sampled_systems.all())
    assert len(sampled) == 1
    content = build(owner_actor, audit=audit)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
    assert {n.split("/")[1] for n in names if n.startswith("systems/")} == {system_dir(sampled[0]).split("/")[1]}
    assert {n.split("/")[1] for n in names if n.startswith("controls/")} == {"A.2.2"}
    assert {n.split("/")[1] for n in names if n.startswith("clauses/")} == {"7.1", "9.2.1", "9.2.2"}
    assert [n for n in names if n.startswith("audits/")] == ["audits/IA-0001-report.pdf"]


def test_rights_framework_and_guest_scope(owner_actor, actor_of, acme):
    with pytest.raises(PermissionDenied):
        build(actor_of(Role.VIEWER))
    with pytest.raises(PermissionDenied):
        build(actor_of(Role.CONTRIBUTOR))
    with pytest.raises(ValidationError) as raised:
        build(owner_actor, framework="nist-ai-rmf")
    assert "framework" in raised.value.message_dict
    build(actor_of(Role.AUDITOR))  # auditors may
    outside = make_system(owner_actor, name="Out of the guest's scope")
    audit = make_audit(owner_actor, title="Elsewhere")
    audit.ai_systems.set([outside])
    guest = Actor(
        organization=owner_actor.organization,
        role=Role.GUEST_AUDITOR,
        user=owner_actor.user,
        system_scope=frozenset({acme["chat"].pk}),
    )
    with pytest.raises(NotFound):  # outside the guest's systems: as if it did not exist
        build(guest, audit=audit)
    audit.ai_systems.set([acme["chat"]])
    with pytest.raises(PermissionDenied):  # inside: a guest has no trail right, and the pack carries the trail
        build(guest, audit=audit)


def test_a_damaged_stored_file_is_reported_and_the_manifest_lists_the_bytes_in_the_zip(owner_actor, acme, tmp_path):
    policy = acme["evidence"][0]
    stored = blob_path(policy.file_sha256)
    original = stored.read_bytes()
    try:
        stored.write_bytes(original.replace(b"policy", b"POLICY"))
        out = io.BytesIO()
        summary = build_pack(owner_actor, out)
    finally:
        stored.write_bytes(original)
    path = f"controls/A.2.2/evidence/{policy.file_sha256[:12]}-ai-policy-v3.pdf"
    assert summary.problems == [f"{path}: the stored file is damaged (its content no longer matches its SHA-256)"]
    pack = tmp_path / "pack.zip"
    pack.write_bytes(out.getvalue())
    with zipfile.ZipFile(pack) as archive:
        entry = next(f for f in json.loads(archive.read(MANIFEST))["files"] if f["path"] == path)
        assert entry["sha256"] == hashlib.sha256(archive.read(path)).hexdigest() != policy.file_sha256
        assert "the stored file is damaged" in archive.read("index.html").decode()
    assert verify(pack).returncode == 0  # the pack is what it says; the index says the file is not the original


def test_the_verifier_still_reads_a_version_1_trail_pack(owner_actor, trail_files, tmp_path):
    from openaims.base.trail_export import trail_export

    pack = tmp_path / "v2.zip"
    with pack.open("wb") as handle:
        trail_export(owner_actor.organization, handle)
    old = tmp_path / "v1.zip"
    with zipfile.ZipFile(pack) as source, zipfile.ZipFile(old, "w") as copy:
        listing = json.loads(source.read(MANIFEST))
        listing["version"] = 1
        copy.writestr(MANIFEST, json.dumps(listing, indent=2, sort_keys=True) + "\n")  # first, as version 1 had it
        for name in sorted(n for n in source.namelist() if n != MANIFEST):
            copy.writestr(name, source.read(name))
    result = verify(old)
    assert result.returncode == 0 and result.stdout.startswith("ok, "), result.stdout
    listing["version"] = 3
    with zipfile.ZipFile(old, "w") as copy:
        copy.writestr(MANIFEST, json.dumps(listing))
    result = verify(old)
    assert result.stdout == "BROKEN: manifest.json: not a openaims-pack version 1 or 2 manifest\n"
