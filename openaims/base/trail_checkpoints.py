"""Signed checkpoints of each organization's trail head, and the trail verified against them.

The chain alone shows that no event was changed *unless every later hash and the head were recomputed*, and it
cannot show that the tail, or the whole trail, was removed. Checkpoints close that gap from outside the database:
:func:`checkpoint_trails` signs each organization's head with the key in ``AIMS_TRAIL_KEY_FILE`` and appends it to
``AIMS_TRAIL_CHECKPOINTS_FILE`` (the worker does it every 15 minutes, ``aims trail checkpoint`` on demand), and
:func:`verify_trails` checks the chain in the database against every checkpoint (the Django side of
:mod:`openaims.trail.checkpoint`).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db.models import Max

from openaims.base.models import TrailEvent, TrailHead
from openaims.base.trail import event_time, verify_organization, verify_span
from openaims.trail.checkpoint import (
    Checkpoint,
    CheckpointLog,
    CheckpointProblem,
    ensure_private_key,
    key_id,
    load_private_key,
    load_public_keys,
    public_key_pem,
    read_lines,
    verify_lines,
)


def key_file() -> Path:
    return Path(settings.AIMS_TRAIL_KEY_FILE)


def checkpoints_file() -> Path:
    return Path(settings.AIMS_TRAIL_CHECKPOINTS_FILE)


def history_file() -> Path:
    """The key history beside the key file: the public halves of the keys rotated out, PEM blocks in order."""
    path = key_file()
    return path.with_name(path.name + ".history")


def signing_key():
    """The checkpoint signing key, created (mode 0600) on first use."""
    return ensure_private_key(key_file())


def former_keys() -> list[Ed25519PublicKey]:
    """The public keys of the key history, oldest first (none before the first rotation)."""
    try:
        pem = history_file().read_bytes()
    except FileNotFoundError:
        return []
    return load_public_keys(pem) if pem.strip() else []


def public_keys_pem() -> tuple[bytes, bytes]:
    """``(current, former)``: the current public key and the key history, as PEM (the second empty if none)."""
    current = public_key_pem(signing_key())
    former = b"".join(public_key_pem(k) for k in former_keys())
    return current, former


def rotate_key() -> tuple[str, str]:
    """Replace the signing key with a new Ed25519 key; its public half goes to the key history first.

    Holds the checkpoints file's lock meanwhile, so no checkpoint is being signed while the key changes. Checkpoints
    signed before stay verifiable with the history. Returns the old and the new key ids.
    """
    path = key_file()
    with CheckpointLog(checkpoints_file()):
        old = signing_key()
        if key_id(old) not in {key_id(k) for k in former_keys()}:
            fd = os.open(history_file(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, public_key_pem(old))
                os.fsync(fd)
            finally:
                os.close(fd)
        new = Ed25519PrivateKey.generate()
        pem = new.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd, staged = tempfile.mkstemp(prefix=".rotate-", dir=path.parent)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, pem)
            os.fsync(fd)
            os.close(fd)
            os.replace(staged, path)
        except BaseException:
            Path(staged).unlink(missing_ok=True)
            raise
    return key_id(old), key_id(new)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class CheckpointOutcome:
    """What :func:`checkpoint_trails` did for one organization: ``written``, ``unchanged`` or ``refused``."""

    organization: object
    status: str
    checkpoint: Checkpoint | None
    reason: str = ""


def _refusal(organization, head, latest: Checkpoint | None) -> str:
    """Why the chain up to ``head`` may not be checkpointed ("" when it may): it must extend the latest one."""
    if latest is None:
        _, broken = verify_organization(organization)
        return f"event #{broken.sequence}: {broken.reason}" if broken is not None else ""
    if head.sequence < latest.sequence:
        return f"the head is at event #{head.sequence}, before the checkpoint of {latest.time} at #{latest.sequence}"
    if latest.sequence:
        stored = (
            TrailEvent.objects.filter(organization=organization, sequence=latest.sequence)
            .values_list("hash", flat=True)
            .first()
        )
        if stored != latest.head_hash:
            return f"event #{latest.sequence} does not have the hash of the checkpoint of {latest.time}"
    _, broken = verify_span(organization, first=latest.sequence + 1, last=head.sequence, prev_hash=latest.head_hash)
    return f"event #{broken.sequence}: {broken.reason}" if broken is not None else ""


def checkpoint_trails(organizations) -> list[CheckpointOutcome]:
    """Sign and append a checkpoint of each organization whose head moved since its latest checkpoint.

    A head is checkpointed only when the events since the latest checkpoint verify and extend it (so a checkpoint
    never vouches for a chain that was cut or rewritten); otherwise the organization is ``refused``.
    """
    key = signing_key()
    outcomes = []
    with CheckpointLog(checkpoints_file()) as log:
        for organization in organizations:
            head = TrailHead.objects.filter(organization=organization).first()
            latest = log.latest.get(str(organization.pk))
            if head is None or head.sequence == 0:
                if latest is None:
                    outcomes.append(CheckpointOutcome(organization, "unchanged", None))
                else:
                    reason = f"no trail, but a checkpoint of {latest.time} at event #{latest.sequence}"
                    outcomes.append(CheckpointOutcome(organization, "refused", latest, reason))
                continue
            if latest is not None and (head.sequence, head.hash) == (latest.sequence, latest.head_hash):
                outcomes.append(CheckpointOutcome(organization, "unchanged", latest))
                continue
            reason = _refusal(organization, head, latest)
            if reason:
                outcomes.append(CheckpointOutcome(organization, "refused", latest, reason))
                continue
            written = log.append(
                key, organization_id=str(organization.pk), sequence=head.sequence, head_hash=head.hash, time=_now()
            )
            outcomes.append(CheckpointOutcome(organization, "written", written))
    return outcomes


def public_key(pem: bytes | None = None) -> list[Ed25519PublicKey] | None:
    """The keys checkpoints are checked with: those of ``pem`` when given (one PEM block or several), else the
    public half of the key file and the key history (None when there is no key file)."""
    if pem is not None:
        return load_public_keys(pem)
    try:
        current = load_private_key(key_file()).public_key()
    except FileNotFoundError:
        return None
    return [current, *former_keys()]


@dataclass(frozen=True)
class TrailVerdict:
    """One organization's trail against the database and its checkpoints; ``problem`` names the first failure."""

    organization: object
    events: int
    checkpoints: int
    latest: Checkpoint | None
    problem: str = ""


def _checkpoint_problem(organization, checkpoints: list[Checkpoint], good_up_to: int) -> tuple[int, str] | None:
    """The first checkpoint the database's chain does not reach or match, as ``(sequence, message)``.

    ``good_up_to``: the chain recomputes without a break up to this event, so its stored hashes are the recomputed
    ones up to there.
    """
    if not checkpoints:
        return None
    stored: dict[int, str] = {}
    sequences = sorted({c.sequence for c in checkpoints if c.sequence})
    for start in range(0, len(sequences), 500):
        rows = TrailEvent.objects.filter(organization=organization, sequence__in=sequences[start : start + 500])
        stored.update(rows.values_list("sequence", "hash"))
    previous = 0
    for checkpoint in checkpoints:
        where = f"checkpoint line {checkpoint.line} ({checkpoint.time})"
        if checkpoint.sequence and checkpoint.sequence not in stored:
            highest = TrailEvent.objects.filter(organization=organization).aggregate(Max("sequence"))["sequence__max"]
            ends = f"it ends at event #{highest}" if highest else "it has no events"
            return checkpoint.sequence, (
                f"{where}: event #{checkpoint.sequence} is missing, the trail was cut back or emptied ({ends})"
            )
        if (
            checkpoint.sequence
            and checkpoint.sequence <= good_up_to
            and stored[checkpoint.sequence] != checkpoint.head_hash
        ):
            return previous + 1, (
                f"{where}: the chain recomputed to event #{checkpoint.sequence} does not give its hash, so an event "
                f"from #{previous + 1} to #{checkpoint.sequence} was rewritten and the hashes after it recomputed"
            )
        previous = checkpoint.sequence
    head = TrailHead.objects.filter(organization=organization).values_list("sequence", flat=True).first() or 0
    latest = checkpoints[-1]
    if head < latest.sequence:
        return head + 1, (
            f"checkpoint line {latest.line} ({latest.time}): the chain's head is at event #{head}, before this "
            f"checkpoint at #{latest.sequence}"
        )
    return None


def read_checkpoints(
    public: Ed25519PublicKey | list[Ed25519PublicKey] | None,
) -> tuple[list[Checkpoint], CheckpointProblem | None]:
    """Every checkpoint of the file that verifies (signatures, the file's chain), and the first problem."""
    lines = read_lines(checkpoints_file())
    if public is None:
        first = next(iter(lines), None)
        if first is None:
            return [], None
        return [], CheckpointProblem(1, "", "there is no key file to check the checkpoints with (give --public-key)")
    return verify_lines(lines, public, file_chain=True)


def verify_trail(organization, checkpoints: list[Checkpoint]) -> TrailVerdict:
    """Recompute ``organization``'s chain and check it against its ``checkpoints`` (already verified)."""
    own = [c for c in checkpoints if c.organization_id == str(organization.pk)]
    latest = own[-1] if own else None
    count, broken = verify_organization(organization)
    problems: list[tuple[int, str]] = []
    if broken is not None:
        when = event_time(organization, broken.sequence)
        problems.append(
            (
                broken.sequence,
                f"event #{broken.sequence}" + (f" ({when})" if when else "") + f" (id {broken.event_id or '-'}): "
                f"{broken.reason}; {count} events before it verify",
            )
        )
    good_up_to = broken.sequence - 1 if broken is not None else count
    found = _checkpoint_problem(organization, own, good_up_to)
    if found is not None:
        problems.append(found)
    problem = min(problems, key=lambda p: p[0])[1] if problems else ""
    return TrailVerdict(organization, count, len(own), latest, problem)
