"""Frozen snapshots of the Statement of Applicability and the differences between two of them.

A snapshot is plain JSON, kept in ``SoAVersion.snapshot``; it names people and records by name (and id), so
an issued version reads the same after a member leaves or an evidence item is renamed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

#: Fields of one entry in a snapshot, in the order exports and diffs show them.
ENTRY_FIELDS = (
    "control_id",
    "title",
    "group_id",
    "custom",
    "applicable",
    "justification",
    "implementation_status",
    "owner",
    "evidence",
    "ai_systems",
    "notes",
)
#: Fields that a diff compares (``control_id`` identifies the entry).
COMPARED_FIELDS = ENTRY_FIELDS[1:]


def evidence_reference(evidence) -> str:
    """Where an auditor finds an evidence item: its link, its file (name and SHA-256 prefix) or its record."""
    if evidence.url:
        return evidence.url
    if evidence.file_sha256:
        return f"{evidence.file_name} (sha256 {evidence.file_sha256[:12]})"
    return f"{evidence.record_type} {evidence.record_id}".strip()


def entry_row(entry) -> dict:
    """One SoA entry as snapshot data (evidence and AI systems by title/name, sorted; prefetch them first)."""
    return {
        "control_id": entry.control_id,
        "title": entry.title,
        "group_id": entry.group_id,
        "custom": entry.custom,
        "applicable": entry.applicable,
        "justification": entry.justification,
        "implementation_status": entry.implementation_status,
        "owner": entry.owner.username if entry.owner_id else "",
        "evidence": sorted(
            ({"id": str(e.pk), "title": e.title, "reference": evidence_reference(e)} for e in entry.evidence.all()),
            key=lambda e: (e["title"], e["id"]),
        ),
        "ai_systems": sorted(s.name for s in entry.ai_systems.all()),
        "notes": entry.notes,
    }


def build_snapshot(entries: Iterable) -> dict:
    """The snapshot of a Statement of Applicability: ``{"entries": [row, ...]}`` in SoA order."""
    return {"entries": [entry_row(entry) for entry in entries]}


@dataclass
class SnapshotDiff:
    """What changed between two snapshots: control ids added and removed, and per control the changed fields."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, tuple]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    @property
    def count(self) -> int:
        """How many controls were added, removed or changed."""
        return len(self.added) + len(self.removed) + len(self.changed)

    def as_dict(self) -> dict:
        return {
            "added": self.added,
            "removed": self.removed,
            "changed": [
                {"control_id": cid, "fields": [{"field": f, "before": b, "after": a} for f, (b, a) in fields.items()]}
                for cid, fields in self.changed.items()
            ],
        }


def diff_snapshots(before: dict | None, after: dict) -> SnapshotDiff:
    """Compare two snapshots entry by entry (by control id); ``before`` is None for the first version."""
    old = {row["control_id"]: row for row in (before or {}).get("entries", [])}
    new = {row["control_id"]: row for row in after.get("entries", [])}
    result = SnapshotDiff(
        added=[cid for cid in new if cid not in old] if before is not None else [],
        removed=[cid for cid in old if cid not in new],
    )
    for cid, row in new.items():
        if cid not in old:
            continue
        fields = {name: (old[cid].get(name), row.get(name)) for name in COMPARED_FIELDS}
        fields = {name: pair for name, pair in fields.items() if pair[0] != pair[1]}
        if fields:
            result.changed[cid] = fields
    return result
