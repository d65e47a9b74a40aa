"""Signed checkpoints of chain heads, kept outside the database.

A checkpoint says "organization O's chain had ``sequence`` events and its head hash was ``head_hash`` at ``time``",
signed with an Ed25519 key whose private half is a file the database does not hold. Someone who can rewrite the
database but not that file cannot cut, empty or recompute a chain past a checkpoint without verification noticing.

Checkpoints are lines of a JSON-lines file, appended and never rewritten. Each line carries the SHA-256 of the line
before it in the file (``prev``) and of the previous line of the same organization (``org_prev``), both signed, so
a line removed, changed or inserted breaks the file's chain and the organization's chain (the second still holds in
an evidence pack, which carries only one organization's lines).

Framework-free: the ``cryptography`` package is all it needs.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from openaims.trail._chain import GENESIS_HASH

#: Prefixed to what is signed, so a checkpoint signature cannot be replayed as any other signed message.
SIGNING_CONTEXT = b"openaims-trail-checkpoint-v1\n"
VERSION = 1
#: The fields of a line, all signed but ``signature``.
FIELDS = ("v", "organization_id", "sequence", "head_hash", "time", "key_id", "prev", "org_prev", "signature")


_HEX64 = re.compile(r"[0-9a-f]{64}")
#: What each text field must look like (so nothing else from a line ever reaches a message).
_PATTERNS = {
    "organization_id": re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    "head_hash": _HEX64,
    "time": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"),
    "key_id": _HEX64,
    "prev": _HEX64,
    "org_prev": _HEX64,
    "signature": re.compile(r"[A-Za-z0-9+/]{86}=="),
}


def _canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def line_hash(line: bytes) -> str:
    """SHA-256 of one line as stored (without its newline): what the next line's ``prev`` holds."""
    return hashlib.sha256(line).hexdigest()


# --- keys -----------------------------------------------------------------------------------------------------


def load_private_key(path: str | os.PathLike) -> Ed25519PrivateKey:
    """The signing key in ``path`` (PKCS #8 PEM). Raises ``FileNotFoundError`` or ``ValueError``."""
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the trail key file does not hold an Ed25519 private key")
    return key


def ensure_private_key(path: str | os.PathLike) -> Ed25519PrivateKey:
    """The signing key in ``path``, created there (mode 0600, its folder 0700) when there is none yet."""
    path = Path(path)
    if path.exists():
        return load_private_key(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return load_private_key(path)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The public key as SubjectPublicKeyInfo PEM (``-----BEGIN PUBLIC KEY-----``)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """Read a public key written by :func:`public_key_pem`. Raises ``ValueError`` for anything else."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def load_public_keys(pem: bytes) -> list[Ed25519PublicKey]:
    """Every public key of a file holding one PEM block after the other (a key history). ``ValueError`` when a
    block is not an Ed25519 public key or there is none."""
    end = b"-----END PUBLIC KEY-----"
    blocks = [block.strip() + b"\n" + end + b"\n" for block in pem.split(end) if block.strip()]
    if not blocks:
        raise ValueError("no public key")
    return [load_public_key(block) for block in blocks]


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The key's fingerprint: SHA-256 of the raw 32-byte public key, in hex."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return hashlib.sha256(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).hexdigest()


# --- lines ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """One checkpoint line, parsed; ``line`` is its 1-based number in the file it was read from."""

    line: int
    organization_id: str
    sequence: int
    head_hash: str
    time: str
    key_id: str
    prev: str
    org_prev: str
    line_hash: str


@dataclass(frozen=True)
class CheckpointProblem:
    """The first checkpoint line that does not verify."""

    line: int
    time: str
    reason: str

    def __str__(self) -> str:
        return f"checkpoint line {self.line}" + (f" ({self.time})" if self.time else "") + f": {self.reason}"


def sign_line(
    key: Ed25519PrivateKey, *, organization_id: str, sequence: int, head_hash: str, time: str, prev: str, org_prev: str
) -> bytes:
    """A signed checkpoint line (canonical JSON, no newline)."""
    body = {
        "v": VERSION,
        "organization_id": organization_id,
        "sequence": sequence,
        "head_hash": head_hash,
        "time": time,
        "key_id": key_id(key),
        "prev": prev,
        "org_prev": org_prev,
    }
    signature = key.sign(SIGNING_CONTEXT + _canonical(body))
    return _canonical({**body, "signature": base64.b64encode(signature).decode("ascii")})


def parse_line(raw: bytes, number: int) -> Checkpoint:
    """Parse one line (signature not checked). Raises ``ValueError`` naming what is wrong."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("not a JSON object") from None
    if not isinstance(data, dict) or sorted(data) != sorted(FIELDS):
        raise ValueError("not a checkpoint (its fields are not those of a checkpoint)")
    if data["v"] != VERSION:
        raise ValueError(f"checkpoint version {data['v']!r} is not {VERSION}")
    if not isinstance(data["sequence"], int) or isinstance(data["sequence"], bool) or data["sequence"] < 0:
        raise ValueError("its sequence is not a whole number")
    if not all(isinstance(data[f], str) for f in FIELDS if f not in {"v", "sequence"}):
        raise ValueError("a field that should be text is not")
    for field, pattern in _PATTERNS.items():
        if not pattern.fullmatch(data[field]):
            raise ValueError(f"its {field} is not well-formed")
    return Checkpoint(
        line=number,
        organization_id=data["organization_id"],
        sequence=data["sequence"],
        head_hash=data["head_hash"],
        time=data["time"],
        key_id=data["key_id"],
        prev=data["prev"],
        org_prev=data["org_prev"],
        line_hash=line_hash(raw),
    )


def _signature_ok(raw: bytes, public: Ed25519PublicKey) -> bool:
    data = json.loads(raw)
    try:
        signature = base64.b64decode(data.pop("signature"), validate=True)
        public.verify(signature, SIGNING_CONTEXT + _canonical(data))
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_lines(
    lines: Iterable[bytes], public: Ed25519PublicKey | Iterable[Ed25519PublicKey], *, file_chain: bool = True
) -> tuple[list[Checkpoint], CheckpointProblem | None]:
    """Check every line's signature and the chains of lines; stop at the first line that fails.

    Parameters
    ----------
    lines : iterable of bytes
        The lines, without newlines, in file order.
    public : Ed25519PublicKey, or several
        The key the checkpoints must be signed with; several after a key rotation (the current one and those of the
        key history): each line is checked with the key its ``key_id`` names.
    file_chain : bool
        Also check ``prev`` (each line follows the line before it): true for the whole file, false for one
        organization's lines (an evidence pack), where only ``org_prev`` links them.

    Returns
    -------
    (list of Checkpoint, CheckpointProblem or None)
        The checkpoints that verified (all of them when there is no problem) and the first problem.
    """
    keys = {key_id(k): k for k in ([public] if isinstance(public, Ed25519PublicKey) else public)}
    expected = " or ".join(f"{k[:16]}…" for k in keys) or "none"
    previous = GENESIS_HASH
    previous_of: dict[str, str] = {}
    sequence_of: dict[str, int] = {}
    checkpoints: list[Checkpoint] = []
    for number, raw in enumerate(lines, start=1):
        try:
            checkpoint = parse_line(raw, number)
        except ValueError as exc:
            return checkpoints, CheckpointProblem(number, "", str(exc))
        time = checkpoint.time
        if checkpoint.key_id not in keys:
            reason = f"signed with another key (key id {checkpoint.key_id[:16]}…, expected {expected})"
            return checkpoints, CheckpointProblem(number, time, reason)
        if not _signature_ok(raw, keys[checkpoint.key_id]):
            return checkpoints, CheckpointProblem(number, time, "its signature does not verify (forged or changed)")
        if file_chain and checkpoint.prev != previous:
            reason = "does not follow the line before it (a checkpoint line was removed, changed or inserted)"
            return checkpoints, CheckpointProblem(number, time, reason)
        if checkpoint.org_prev != previous_of.get(checkpoint.organization_id, GENESIS_HASH):
            reason = "does not follow the organization's previous checkpoint (a checkpoint was removed or inserted)"
            return checkpoints, CheckpointProblem(number, time, reason)
        earlier_sequence = sequence_of.get(checkpoint.organization_id, 0)
        if checkpoint.sequence < earlier_sequence:
            reason = f"goes back to event #{checkpoint.sequence} after a checkpoint at #{earlier_sequence}"
            return checkpoints, CheckpointProblem(number, time, reason)
        previous = checkpoint.line_hash
        previous_of[checkpoint.organization_id] = checkpoint.line_hash
        sequence_of[checkpoint.organization_id] = checkpoint.sequence
        checkpoints.append(checkpoint)
    return checkpoints, None


# --- the file -------------------------------------------------------------------------------------------------


def read_lines(path: str | os.PathLike) -> Iterator[bytes]:
    """The lines of a checkpoints file without their newlines (none when the file does not exist)."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the generator
    except FileNotFoundError:
        return
    with handle:
        for raw in handle:
            yield raw.rstrip(b"\n")


class CheckpointLog:
    """The checkpoints file, opened for appending under an exclusive lock (one writer at a time).

    ``with CheckpointLog(path) as log:`` reads the file once to learn the hash of its last line and the latest
    checkpoint of each organization (:attr:`latest`); :meth:`append` then writes signed lines (``O_APPEND``,
    ``fsync`` after each).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.latest: dict[str, Checkpoint] = {}
        self._last_hash = GENESIS_HASH
        self._lines = 0
        self._fd: int | None = None

    def __enter__(self) -> CheckpointLog:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            ends_with_newline = True
            with open(fd, "rb", closefd=False) as handle:
                for raw in handle:
                    ends_with_newline = raw.endswith(b"\n")
                    line = raw.rstrip(b"\n")
                    self._lines += 1
                    self._last_hash = line_hash(line)
                    try:
                        checkpoint = parse_line(line, self._lines)
                    except ValueError:
                        continue  # verification reports it; the chain goes on from its hash
                    self.latest[checkpoint.organization_id] = checkpoint
            if not ends_with_newline:  # a line cut short by a crash stays a line of its own
                os.write(fd, b"\n")
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def __exit__(self, *exc_info) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def append(
        self, key: Ed25519PrivateKey, *, organization_id: str, sequence: int, head_hash: str, time: str
    ) -> Checkpoint:
        """Sign and append one checkpoint; it is on disk (fsync) when this returns."""
        if self._fd is None:
            raise RuntimeError("CheckpointLog.append outside its with block")
        before = self.latest.get(organization_id)
        raw = sign_line(
            key,
            organization_id=organization_id,
            sequence=sequence,
            head_hash=head_hash,
            time=time,
            prev=self._last_hash,
            org_prev=before.line_hash if before else GENESIS_HASH,
        )
        os.write(self._fd, raw + b"\n")
        os.fsync(self._fd)
        self._lines += 1
        checkpoint = parse_line(raw, self._lines)
        self._last_hash = checkpoint.line_hash
        self.latest[organization_id] = checkpoint
        return checkpoint
