"""Signed checkpoints anchor the trail outside the database: cutting, emptying or rewriting it is caught.

The tampering here is done the way an attacker with access to the database would: raw SQL and ORM updates that
bypass the services, recomputing hashes where that hides the change from the chain alone.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from typer.testing import CliRunner

from openaims.base.models import TrailEvent, TrailHead
from openaims.base.trail import verify_organization
from openaims.cli.main import app
from openaims.inventory import services
from openaims.monitoring import tasks
from openaims.trail import event_hash
from openaims.trail.checkpoint import (
    key_id,
    load_private_key,
    load_public_key,
    parse_line,
    sign_line,
)
from openaims.trail.pack import CHECKPOINTS, EVENTS, MANIFEST, write_pack

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def trail_files(settings, tmp_path):
    """The key and checkpoints files of this test, in its own folder."""
    settings.AIMS_TRAIL_KEY_FILE = str(tmp_path / "trail" / "checkpoint.key")
    settings.AIMS_TRAIL_CHECKPOINTS_FILE = str(tmp_path / "trail" / "checkpoints.jsonl")
    return Path(settings.AIMS_TRAIL_KEY_FILE), Path(settings.AIMS_TRAIL_CHECKPOINTS_FILE)


def _invoke(*args: str):
    return CliRunner().invoke(app, ["trail", *args])


def _datasets(actor, prefix: str, n: int) -> None:
    for i in range(n):
        services.dataset_create(actor=actor, name=f"{prefix} {i}")


def _key(event_id):
    return event_id.hex if connection.vendor == "sqlite" else event_id


def _sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def _checkpointed(owner_actor, trail_files) -> tuple[int, list[bytes]]:
    """Three checkpoints of acme's trail (events between them); returns the head's sequence and the lines."""
    for round_ in range(3):
        _datasets(owner_actor, f"Round {round_}", 3)
        result = _invoke("checkpoint", "--org", "acme")
        assert result.exit_code == 0, result.output
        assert "acme: checkpoint at event #" in result.output
    head = TrailHead.objects.get(organization=owner_actor.organization)
    return head.sequence, _lines(trail_files[1])


def test_untampered_trail_with_checkpoints_verifies(owner_actor, other_actor, trail_files):
    head, lines = _checkpointed(owner_actor, trail_files)
    assert len(lines) == 3
    assert [parse_line(raw, i).sequence for i, raw in enumerate(lines, 1)][-1] == head
    _datasets(owner_actor, "After", 2)  # events after the latest checkpoint are fine
    result = _invoke("verify")
    assert result.exit_code == 0, result.output
    assert f"acme: ok, {head + 2} events, 3 checkpoints (latest at #{head}, " in result.output
    assert "globex: ok," in result.output and "no checkpoint yet" in result.output


def test_key_file_is_private_and_public_key_exports(owner_actor, trail_files, tmp_path):
    key_file, _ = trail_files
    out = tmp_path / "public.pem"
    result = _invoke("public-key", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    public = load_public_key(out.read_bytes())
    assert out.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert key_id(public) == key_id(load_private_key(key_file)) and key_id(public) in result.output
    printed = _invoke("public-key")
    assert printed.exit_code == 0 and printed.output.encode() == out.read_bytes()


def test_a_checkpoint_is_written_only_when_the_head_moved(owner_actor, trail_files):
    _, checkpoints_file = trail_files
    _datasets(owner_actor, "Moves", 1)
    assert tasks.checkpoint_trails() == ["acme"]  # the worker's task
    assert tasks.checkpoint_trails() == []
    result = _invoke("checkpoint")
    assert result.exit_code == 0 and "acme: unchanged since the checkpoint of " in result.output
    assert len(_lines(checkpoints_file)) == 1
    _datasets(owner_actor, "Moves again", 1)
    assert tasks.checkpoint_trails() == ["acme"]
    first, second = (parse_line(raw, i) for i, raw in enumerate(_lines(checkpoints_file), 1))
    assert second.prev == first.line_hash and second.org_prev == first.line_hash
    assert stat.S_IMODE(checkpoints_file.stat().st_mode) == 0o600


def test_the_worker_schedules_the_checkpoint_every_15_minutes():
    import datetime as dt

    name = "checkpoint_trails_every_quarter_hour"

    def due(minute: int) -> bool:
        return name in {t.name for t in tasks.huey.read_periodic(dt.datetime(2026, 1, 1, 10, minute))}

    assert [m for m in range(60) if due(m)] == [0, 15, 30, 45]


def test_a_cut_tail_with_the_head_moved_back_is_caught(owner_actor, trail_files):
    """Case (a): the last events deleted and the head set back to the last event left."""
    head, _ = _checkpointed(owner_actor, trail_files)
    organization = owner_actor.organization
    keep = head - 2  # the latest checkpoint (at head) is past the cut, the one before it is not
    kept = TrailEvent.objects.get(organization=organization, sequence=keep)
    TrailEvent.objects.filter(organization=organization, sequence__gt=keep)._raw_delete(connection.alias)
    TrailHead.objects.filter(organization=organization).update(sequence=keep, hash=kept.hash)
    assert verify_organization(organization) == (keep, None)  # the chain alone cannot see it

    result = _invoke("verify", "--org", "acme")
    assert result.exit_code == 1
    latest = parse_line(_lines(trail_files[1])[-1], 3)
    assert f"acme: BROKEN: checkpoint line 3 ({latest.time}): event #{head} is missing" in result.output
    assert f"(it ends at event #{keep})" in result.output
    refused = _invoke("checkpoint", "--org", "acme")  # and no new checkpoint vouches for the shorter chain
    assert refused.exit_code == 1 and "REFUSED" in refused.output
    assert len(_lines(trail_files[1])) == 3


def test_an_emptied_trail_is_caught(owner_actor, trail_files):
    """Case (b): every event and the head deleted."""
    _checkpointed(owner_actor, trail_files)
    organization = owner_actor.organization
    _sql("DELETE FROM base_trailevent WHERE organization_id = %s", [_key(organization.pk)])
    _sql("DELETE FROM base_trailhead WHERE organization_id = %s", [_key(organization.pk)])
    assert verify_organization(organization) == (0, None)

    result = _invoke("verify", "--org", "acme")
    assert result.exit_code == 1
    first = parse_line(_lines(trail_files[1])[0], 1)
    assert f"acme: BROKEN: checkpoint line 1 ({first.time}): event #{first.sequence} is missing" in result.output
    assert "(it has no events)" in result.output


def test_an_edited_event_with_every_later_hash_recomputed_is_caught(owner_actor, trail_files):
    """Case (c): one event changed, then every later hash and the head recomputed."""
    head, lines = _checkpointed(owner_actor, trail_files)
    organization = owner_actor.organization
    checkpoints = [parse_line(raw, i) for i, raw in enumerate(lines, 1)]
    victim = checkpoints[0].sequence + 2  # between the first and second checkpoints
    _sql(
        "UPDATE base_trailevent SET object_label = %s WHERE organization_id = %s AND sequence = %s",
        ["forged", _key(organization.pk), victim],
    )
    prev = TrailEvent.objects.get(organization=organization, sequence=victim - 1).hash
    for event in TrailEvent.objects.filter(organization=organization, sequence__gte=victim).order_by("sequence"):
        new = event_hash(prev, event.hashed_values())
        TrailEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=new)
        prev = new
    TrailHead.objects.filter(organization=organization).update(hash=prev)
    assert verify_organization(organization) == (head, None)  # the chain alone cannot see it

    result = _invoke("verify", "--org", "acme")
    assert result.exit_code == 1
    second = checkpoints[1]
    assert (
        f"acme: BROKEN: checkpoint line 2 ({second.time}): the chain recomputed to event #{second.sequence} does "
        f"not give its hash, so an event from #{checkpoints[0].sequence + 1} to #{second.sequence} was rewritten"
    ) in result.output
    refused = _invoke("checkpoint", "--org", "acme")  # the rewritten chain gets no checkpoint of its own
    assert refused.exit_code == 1
    assert f"acme: REFUSED, event #{head} does not have the hash of the checkpoint of {checkpoints[2].time}" in (
        refused.output
    )


def test_no_checkpoint_vouches_for_an_event_changed_since_the_latest_one(owner_actor, trail_files):
    head, _ = _checkpointed(owner_actor, trail_files)
    _datasets(owner_actor, "Later", 2)
    _sql(
        "UPDATE base_trailevent SET object_label = %s WHERE organization_id = %s AND sequence = %s",
        ["forged", _key(owner_actor.organization.pk), head + 1],
    )
    refused = _invoke("checkpoint")
    assert refused.exit_code == 1
    assert f"acme: REFUSED, event #{head + 1}: content does not match its hash" in refused.output
    assert len(_lines(trail_files[1])) == 3


def test_a_forged_checkpoint_line_is_reported(owner_actor, trail_files):
    _, checkpoints_file = trail_files
    _checkpointed(owner_actor, trail_files)
    lines = _lines(checkpoints_file)
    forged = json.loads(lines[1])
    forged["head_hash"] = "f" * 64  # the signature no longer covers it
    lines[1] = json.dumps(forged, sort_keys=True, separators=(",", ":")).encode()
    checkpoints_file.write_bytes(b"\n".join(lines) + b"\n")

    result = _invoke("verify", "--org", "acme")
    assert result.exit_code == 1
    assert f"checkpoints: BROKEN: checkpoint line 2 ({forged['time']}): its signature does not verify" in (
        result.output
    )


def test_a_malformed_checkpoint_line_is_reported_without_echoing_it(owner_actor, trail_files):
    _, checkpoints_file = trail_files
    _checkpointed(owner_actor, trail_files)
    lines = _lines(checkpoints_file)
    bad = json.loads(lines[0])
    bad["time"] = "\x1b[2J<script>"
    lines[0] = json.dumps(bad, sort_keys=True, separators=(",", ":")).encode()
    checkpoints_file.write_bytes(b"\n".join(lines) + b"\n")
    result = _invoke("verify")
    assert result.exit_code == 1
    assert "checkpoints: BROKEN: checkpoint line 1: its time is not well-formed" in result.output
    assert "script" not in result.output and "\x1b" not in result.output


def test_a_checkpoint_signed_with_another_key_is_reported(owner_actor, trail_files):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _, checkpoints_file = trail_files
    _checkpointed(owner_actor, trail_files)
    last = parse_line(_lines(checkpoints_file)[-1], 3)
    line = sign_line(
        Ed25519PrivateKey.generate(),
        organization_id=last.organization_id,
        sequence=last.sequence,
        head_hash=last.head_hash,
        time="2026-12-31T00:00:00Z",
        prev=last.line_hash,
        org_prev=last.line_hash,
    )
    with checkpoints_file.open("ab") as handle:
        handle.write(line + b"\n")
    result = _invoke("verify")
    assert result.exit_code == 1
    assert "checkpoints: BROKEN: checkpoint line 4 (2026-12-31T00:00:00Z): signed with another key" in result.output


def test_a_deleted_checkpoint_line_breaks_the_file_chain(owner_actor, trail_files):
    _, checkpoints_file = trail_files
    _checkpointed(owner_actor, trail_files)
    lines = _lines(checkpoints_file)
    third = parse_line(lines[2], 3)
    checkpoints_file.write_bytes(lines[0] + b"\n" + lines[2] + b"\n")

    result = _invoke("verify")
    assert result.exit_code == 1
    assert f"checkpoints: BROKEN: checkpoint line 2 ({third.time}): does not follow the line before it" in (
        result.output
    )


def test_verify_with_a_kept_copy_of_the_public_key(owner_actor, trail_files, tmp_path):
    _checkpointed(owner_actor, trail_files)
    copy = tmp_path / "kept.pem"
    assert _invoke("public-key", "--out", str(copy)).exit_code == 0
    assert _invoke("verify", "--public-key", str(copy)).exit_code == 0
    other = tmp_path / "other.pem"
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from openaims.trail.checkpoint import public_key_pem

    other.write_bytes(public_key_pem(Ed25519PrivateKey.generate()))
    result = _invoke("verify", "--public-key", str(other))  # the key file was replaced, say
    assert result.exit_code == 1 and "signed with another key" in result.output


def test_checkpoints_of_an_organization_removed_from_the_database_are_reported(owner_actor, other_actor, trail_files):
    _datasets(other_actor, "Globex", 1)
    assert _invoke("checkpoint").exit_code == 0
    organization = other_actor.organization
    for table in ("base_trailevent", "base_trailhead"):
        _sql(f"DELETE FROM {table} WHERE organization_id = %s", [_key(organization.pk)])
    globex_line = next(
        parse_line(raw, i)
        for i, raw in enumerate(_lines(trail_files[1]), 1)
        if parse_line(raw, i).organization_id == str(organization.pk)
    )
    organization.delete()
    result = _invoke("verify")
    assert result.exit_code == 1
    assert (
        f"checkpoints: BROKEN: checkpoint line {globex_line.line} ({globex_line.time}): its organization is not "
        "in the database"
    ) in result.output
    assert str(organization.pk) not in result.output


# --- the pack and the offline verifier ------------------------------------------------------------------------


def _export(tmp_path, name: str = "trail.zip") -> Path:
    out = tmp_path / name
    result = _invoke("export", "--out", str(out), "--org", "acme")
    assert result.exit_code == 0, result.output
    return out


def _offline(*args: str) -> subprocess.CompletedProcess:
    """``python -m openaims.trail.verify`` in a process of its own, listing every module it imports."""
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "openaims.trail.verify", *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PATH": ""},
    )


def _imported(stderr: str) -> set[str]:
    return {line.rsplit("|", 1)[-1].strip() for line in stderr.splitlines() if line.startswith("import time:")}


def _rewrite(pack: Path, out: Path, change, *, recompute_manifest: bool) -> Path:
    """A copy of ``pack`` with ``change(name, content) -> content`` applied to its files."""
    with zipfile.ZipFile(pack) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files = {name: change(name, content) for name, content in files.items()}
    if recompute_manifest:
        files.pop(MANIFEST)
        with out.open("wb") as handle:
            write_pack(files, handle)
        return out
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in sorted(files.items()):
            archive.writestr(name, content)
    return out


def test_export_verifies_offline_without_django(owner_actor, trail_files, tmp_path):
    head, _ = _checkpointed(owner_actor, trail_files)
    pack = _export(tmp_path)
    result = _offline(str(pack))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"ok, {head} events of organization {owner_actor.organization.pk}, 3 signed")
    imported = _imported(result.stderr)
    assert {"openaims.trail.checkpoint", "openaims.trail.pack", "cryptography"} <= imported
    assert not {m for m in imported if m == "django" or m.startswith("django.")}
    with zipfile.ZipFile(pack) as archive:
        assert archive.namelist() == [CHECKPOINTS, EVENTS, "trail/public-key.pem", MANIFEST]
        listed = json.loads(archive.read(MANIFEST))["files"]
        assert [f["path"] for f in listed] == [CHECKPOINTS, EVENTS, "trail/public-key.pem"]
        events = [json.loads(line) for line in archive.read(EVENTS).splitlines()]
    assert [e["sequence"] for e in events] == list(range(1, head + 1))


def test_export_is_deterministic(owner_actor, trail_files, tmp_path):
    _checkpointed(owner_actor, trail_files)
    first = _export(tmp_path, "one.zip").read_bytes()
    assert _export(tmp_path, "two.zip").read_bytes() == first


def test_a_changed_byte_of_the_events_in_a_pack_is_caught(owner_actor, trail_files, tmp_path):
    _checkpointed(owner_actor, trail_files)
    pack = _export(tmp_path)

    def flip(name, content):
        if name != EVENTS:
            return content
        at = content.index(b'"object_label":"Round 1 1"') + len(b'"object_label":"Round 1 ')
        return content[:at] + b"7" + content[at + 1 :]

    tampered = _rewrite(pack, tmp_path / "tampered.zip", flip, recompute_manifest=False)
    result = _offline(str(tampered))
    assert result.returncode == 1
    assert result.stdout.startswith(f"BROKEN: {EVENTS}: its SHA-256 does not match the manifest")

    # the manifest recomputed too: the chain names the event
    victim = TrailEvent.objects.get(organization=owner_actor.organization, object_label="Round 1 1")
    stamp = victim.hashed_values()[2]
    tampered = _rewrite(pack, tmp_path / "tampered-manifest.zip", flip, recompute_manifest=True)
    result = _offline(str(tampered))
    assert result.returncode == 1
    assert result.stdout.startswith(
        f"BROKEN: {EVENTS}: event #{victim.sequence} ({stamp}, id {victim.pk}): content does not match its hash"
    )


def test_a_pack_with_its_tail_cut_is_caught(owner_actor, trail_files, tmp_path):
    head, lines = _checkpointed(owner_actor, trail_files)
    pack = _export(tmp_path)
    latest = parse_line(lines[-1], 3)

    def cut(name, content):
        return b"\n".join(content.splitlines()[: head - 2]) + b"\n" if name == EVENTS else content

    result = _offline(str(_rewrite(pack, tmp_path / "cut.zip", cut, recompute_manifest=True)))
    assert result.returncode == 1
    assert result.stdout.startswith(
        f"BROKEN: {CHECKPOINTS}: checkpoint line 3 ({latest.time}): event #{head} is missing (the trail ends at "
        f"#{head - 2}"
    )


def test_a_pack_checked_against_a_kept_public_key(owner_actor, trail_files, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from openaims.trail.checkpoint import public_key_pem

    _checkpointed(owner_actor, trail_files)
    pack = _export(tmp_path)
    kept = tmp_path / "kept.pem"
    assert _invoke("public-key", "--out", str(kept)).exit_code == 0
    assert _offline(str(pack), "--public-key", str(kept)).returncode == 0
    kept.write_bytes(public_key_pem(Ed25519PrivateKey.generate()))
    result = _offline(str(pack), "--public-key", str(kept))
    assert result.returncode == 1 and "is not the given key" in result.stdout


def test_a_pack_missing_a_checkpoint_line_or_with_an_unlisted_file_is_caught(owner_actor, trail_files, tmp_path):
    _, lines = _checkpointed(owner_actor, trail_files)
    pack = _export(tmp_path)
    third = parse_line(lines[2], 3)

    def drop_second(name, content):
        return lines[0] + b"\n" + lines[2] + b"\n" if name == CHECKPOINTS else content

    result = _offline(str(_rewrite(pack, tmp_path / "dropped.zip", drop_second, recompute_manifest=True)))
    assert result.returncode == 1
    assert result.stdout.startswith(
        f"BROKEN: {CHECKPOINTS}: checkpoint line 2 ({third.time}): does not follow the organization's previous"
    )

    with zipfile.ZipFile(pack, "a") as archive:
        archive.writestr("trail/extra.txt", b"planted")
    result = _offline(str(pack))
    assert result.returncode == 1 and result.stdout == "BROKEN: trail/extra.txt: in the zip but not in the manifest\n"


def test_export_refuses_an_unwritable_out(owner_actor, trail_files, tmp_path):
    result = _invoke("export", "--out", str(tmp_path / "no-such-folder" / "trail.zip"), "--org", "acme")
    assert result.exit_code == 1 and "--out: cannot write that file" in result.output


# --- key rotation ---------------------------------------------------------------------------------------------


def test_rotated_key_old_and_new_checkpoints_verify_and_tampering_is_still_caught(owner_actor, trail_files, tmp_path):
    key_file, checkpoints_file = trail_files
    _checkpointed(owner_actor, trail_files)
    old_id = key_id(load_private_key(key_file))
    result = _invoke("rotate-key")
    assert result.exit_code == 0, result.output
    new_id = key_id(load_private_key(key_file))
    assert new_id != old_id and f"New checkpoint key {new_id}" in result.output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    history = key_file.with_name(key_file.name + ".history")
    assert key_id(load_public_key(history.read_bytes())) == old_id
    _datasets(owner_actor, "After rotation", 2)
    assert _invoke("checkpoint", "--org", "acme").exit_code == 0
    lines = _lines(checkpoints_file)
    assert [parse_line(raw, i).key_id for i, raw in enumerate(lines, 1)] == [old_id] * 3 + [new_id]

    result = _invoke("verify", "--org", "acme")
    assert result.exit_code == 0, result.output
    assert "acme: ok," in result.output and "4 checkpoints" in result.output

    pack = _export(tmp_path)
    with zipfile.ZipFile(pack) as archive:
        assert "trail/public-keys.pem" in archive.namelist()
    offline = _offline(str(pack))
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert "4 signed checkpoints" in offline.stdout and f"key id {new_id}" in offline.stdout

    # kept copies of the keys: the new one alone does not vouch for the old checkpoints; both do
    kept_new, kept_old = tmp_path / "new.pem", tmp_path / "old.pem"
    assert _invoke("public-key", "--out", str(kept_new)).exit_code == 0
    kept_old.write_bytes(history.read_bytes())
    alone = _offline(str(pack), "--public-key", str(kept_new))
    assert alone.returncode == 1 and "checkpoint line 1" in alone.stdout and "signed with another key" in alone.stdout
    both = _offline(str(pack), "--public-key", str(kept_new), "--public-key", str(kept_old))
    assert both.returncode == 0, both.stdout

    # tampering is still caught: an old checkpoint re-signed with a key of nobody's history
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    first = parse_line(lines[0], 1)
    forged = sign_line(
        Ed25519PrivateKey.generate(),
        organization_id=first.organization_id,
        sequence=first.sequence,
        head_hash=first.head_hash,
        time=first.time,
        prev=first.prev,
        org_prev=first.org_prev,
    )
    checkpoints_file.write_bytes(b"\n".join([forged, *lines[1:]]) + b"\n")
    result = _invoke("verify", "--org", "acme")
    assert result.exit_code == 1 and "checkpoint line 1" in result.output and "signed with another key" in result.output


def test_rotate_key_refuses_a_key_file_that_is_not_a_key(owner_actor, trail_files):
    key_file, _ = trail_files
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_bytes(b"not a key")
    result = _invoke("rotate-key")
    assert result.exit_code == 1 and "the trail key file cannot be read or replaced" in result.output
    assert key_file.read_bytes() == b"not a key"
    assert not key_file.with_name(key_file.name + ".history").exists()
