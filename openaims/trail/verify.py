"""Verify a pack with no server and no database: ``python -m openaims.trail.verify PACK.zip``.

Works on a trail pack (``aims trail export``) and on an evidence pack (``aims audit pack``) alike. Checks, in this
order, and stops at the first problem: every file of the zip against ``manifest.json`` (SHA-256 and size; no file
unlisted or missing), the checkpoints (signatures with the pack's public keys, the current one and those of the key
history, or with the ``--public-key FILE`` copies when given, which must then include the pack's current key; each
line following the one before it), the
chain recomputed from ``trail/events.jsonl``, and every checkpoint against the recomputed chain (the event it names
exists and has the checkpointed hash). Prints ``ok, …`` and exits 0, or ``BROKEN: …`` naming the file, event or
checkpoint (with its sequence and time) and exits 1. See :mod:`openaims.trail.pack` for the format.

Imports nothing from Django, nor from the rest of OpenAIMS but ``openaims.trail``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from openaims.trail import pack
from openaims.trail._chain import GENESIS_HASH, HASHED_FIELDS, verify_chain
from openaims.trail.checkpoint import Checkpoint, key_id, load_public_key, load_public_keys, verify_lines


class PackProblem(Exception):
    """What is wrong with a pack, as one line."""


def _shown(value: object) -> str:
    """A value read from the pack as it may appear in a message: printable ASCII, at most 100 characters."""
    text = "".join(c if " " <= c <= "~" else "?" for c in str(value))
    return text if len(text) <= 100 else text[:99] + "…"


@dataclass(frozen=True)
class PackReport:
    """A pack whose trail verified."""

    organization_id: str
    events: int
    checkpoints: int
    key_id: str
    latest: Checkpoint | None
    files: int = 0

    def __str__(self) -> str:
        text = f"ok, {self.events} events of organization {_shown(self.organization_id) or '-'}"
        if self.latest is None:
            return (
                text
                + f", no checkpoint (the chain is only consistent with itself), {self.files} files match the manifest"
            )
        return (
            f"{text}, {self.checkpoints} signed checkpoints (latest at event #{self.latest.sequence}, "
            f"{self.latest.time}), key id {self.key_id}, {self.files} files match the manifest"
        )


def _check_manifest(archive: zipfile.ZipFile) -> int:
    """Every file of the zip against the manifest; the number of files listed."""
    names = archive.namelist()
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise PackProblem(f"{_shown(duplicates[0])}: more than one entry of that name")
    if pack.MANIFEST not in names:
        raise PackProblem(f"{pack.MANIFEST}: missing")
    try:
        listing = json.loads(archive.read(pack.MANIFEST))
        files = listing["files"]
        if listing.get("format") != pack.FORMAT or listing.get("version") not in pack.VERSIONS:
            versions = " or ".join(str(v) for v in pack.VERSIONS)
            raise PackProblem(f"{pack.MANIFEST}: not a {pack.FORMAT} version {versions} manifest")
        entries = {f["path"]: (f["sha256"], f["size"]) for f in files}
    except (ValueError, KeyError, TypeError):
        raise PackProblem(f"{pack.MANIFEST}: not a manifest (JSON with a list of path, sha256, size)") from None
    for name in names:
        if name != pack.MANIFEST and name not in entries:
            raise PackProblem(f"{_shown(name)}: in the zip but not in the manifest")
    for path, (sha256, size) in sorted(entries.items()):
        if path not in names:
            raise PackProblem(f"{_shown(path)}: in the manifest but not in the zip")
        digest, length = hashlib.sha256(), 0
        with archive.open(path) as entry:
            while chunk := entry.read(1 << 20):
                digest.update(chunk)
                length += len(chunk)
        if length != size:
            raise PackProblem(f"{_shown(path)}: {length} bytes, the manifest says {_shown(size)}")
        if digest.hexdigest() != sha256:
            raise PackProblem(f"{_shown(path)}: its SHA-256 does not match the manifest (the file was changed)")
    for required in (pack.EVENTS, pack.CHECKPOINTS, pack.PUBLIC_KEY):
        if required not in entries:
            raise PackProblem(f"{required}: missing")
    return len(entries)


def _pack_keys(archive: zipfile.ZipFile, given: list[bytes]) -> list:
    """The keys checkpoints are checked with: the pack's (current and former), or the given copies."""
    try:
        current = load_public_key(archive.read(pack.PUBLIC_KEY))
    except ValueError:
        raise PackProblem(f"{pack.PUBLIC_KEY}: not an Ed25519 public key in PEM") from None
    keys = [current]
    if pack.PUBLIC_KEYS in archive.namelist():
        try:
            keys += load_public_keys(archive.read(pack.PUBLIC_KEYS))
        except ValueError:
            raise PackProblem(f"{pack.PUBLIC_KEYS}: not Ed25519 public keys in PEM") from None
    if not given:
        return keys
    try:
        kept = [k for pem in given for k in load_public_keys(pem)]
    except ValueError:
        raise PackProblem("--public-key: not an Ed25519 public key in PEM") from None
    if key_id(current) not in {key_id(k) for k in kept}:
        shown = ", ".join(f"{key_id(k)[:16]}…" for k in kept)
        raise PackProblem(f"{pack.PUBLIC_KEY}: key id {key_id(current)[:16]}… is not the given key ({shown})")
    return kept


class _Events:
    """Rows of ``trail/events.jsonl`` for :func:`~openaims.trail.verify_chain`, remembering what verification needs."""

    def __init__(self, handle, wanted: set[int]) -> None:
        self.handle = handle
        self.wanted = wanted
        self.hash_at: dict[int, str] = {}
        self.current: dict = {}
        self.organization_id: str | None = None
        self.last_hash = GENESIS_HASH

    def __iter__(self) -> Iterator[tuple]:
        for number, raw in enumerate(io.TextIOWrapper(self.handle, encoding="utf-8"), start=1):
            try:
                event = json.loads(raw)
                row = (event["id"], event["prev_hash"], event["hash"], *(event[f] for f in HASHED_FIELDS))
            except (ValueError, KeyError, TypeError):
                raise PackProblem(f"{pack.EVENTS}: line {number} is not an event") from None
            if self.organization_id is None:
                self.organization_id = event["organization_id"]
            elif event["organization_id"] != self.organization_id:
                raise PackProblem(f"{pack.EVENTS}: event #{_shown(event['sequence'])} belongs to another organization")
            self.current = event
            if event["sequence"] in self.wanted:
                self.hash_at[event["sequence"]] = event["hash"]
            self.last_hash = event["hash"]
            yield row


def verify_pack(path, *, public_key_pem: bytes | list[bytes] | None = None) -> PackReport:
    """Verify the pack at ``path``; raise :class:`PackProblem` naming the first problem.

    ``public_key_pem``: copies of the public keys kept apart (PEM, one or several); checkpoints must then be signed
    with one of them."""
    given = [public_key_pem] if isinstance(public_key_pem, bytes) else list(public_key_pem or [])
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        raise PackProblem("not a readable zip file") from None
    with archive:
        files = _check_manifest(archive)
        keys = _pack_keys(archive, given)
        public = keys[0]
        lines = [raw.rstrip(b"\n") for raw in archive.read(pack.CHECKPOINTS).splitlines(keepends=True)]
        checkpoints, problem = verify_lines(lines, keys, file_chain=False)
        if problem is not None:
            raise PackProblem(f"{pack.CHECKPOINTS}: {problem}")
        events = _Events(archive.open(pack.EVENTS), {c.sequence for c in checkpoints})
        count, broken = verify_chain(events)
        if broken is not None:
            time = _shown(events.current.get("timestamp", ""))
            raise PackProblem(
                f"{pack.EVENTS}: event #{_shown(broken.sequence)} ({time}, id {_shown(broken.event_id)}): "
                f"{_shown(broken.reason)}; "
                f"{count} events before it verify"
            )
    organization_id = events.organization_id or ""
    good_up_to = 0
    for checkpoint in checkpoints:
        where = f"{pack.CHECKPOINTS}: checkpoint line {checkpoint.line} ({checkpoint.time})"
        if organization_id and checkpoint.organization_id != organization_id:
            raise PackProblem(f"{where}: of another organization than the events")
        if checkpoint.sequence == 0:
            continue
        if checkpoint.sequence > count:
            raise PackProblem(
                f"{where}: event #{checkpoint.sequence} is missing (the trail ends at #{count}: it was cut back)"
            )
        if events.hash_at.get(checkpoint.sequence) != checkpoint.head_hash:
            raise PackProblem(
                f"{where}: the chain recomputed to event #{checkpoint.sequence} does not give the checkpointed hash "
                f"(an event from #{good_up_to + 1} to #{checkpoint.sequence} was rewritten)"
            )
        good_up_to = checkpoint.sequence
    return PackReport(
        organization_id, count, len(checkpoints), key_id(public), checkpoints[-1] if checkpoints else None, files
    )


def main(argv: list[str] | None = None) -> int:
    """The command line: exit 0 when the pack's trail verifies, 1 with one line naming the first problem."""
    parser = argparse.ArgumentParser(
        prog="python -m openaims.trail.verify", description="Verify the trail of an OpenAIMS pack, offline."
    )
    parser.add_argument("pack", help="the pack (a zip file)")
    parser.add_argument(
        "--public-key",
        action="append",
        help="a copy of a checkpoint public key kept apart (PEM; repeat for former keys): the checkpoints must be "
        "signed with these",
    )
    args = parser.parse_args(argv)
    try:
        given = []
        for name in args.public_key or []:
            try:
                with open(name, "rb") as handle:
                    given.append(handle.read())
            except OSError:
                raise PackProblem("--public-key: cannot read that file") from None
        report = verify_pack(args.pack, public_key_pem=given)
    except PackProblem as problem:
        sys.stdout.write(f"BROKEN: {problem}\n")
        return 1
    sys.stdout.write(f"{report}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
