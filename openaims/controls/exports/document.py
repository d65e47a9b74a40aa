"""The content of an exported Statement of Applicability, independent of the file format.

An export shows either an issued version (from its frozen snapshot) or the current draft (from the live
entries, marked "draft — not approved"). Each format module renders this one document.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from openaims.base.context import Actor
from openaims.controls.annex import group_title
from openaims.controls.choices import APPLICABILITY_LABELS, ImplementationStatus
from openaims.controls.selectors.soa import soa_entries, version_by_number
from openaims.controls.snapshots import build_snapshot

STANDARD = "ISO/IEC 42001:2023, 6.1.3 and Annex A"
DRAFT_APPROVAL = "Draft — not approved"
COLUMNS = ("Control", "Title", "Applicability", "Justification", "Implementation status", "Owner", "Evidence")


@dataclass
class ExportRow:
    """One control as an exported SoA shows it."""

    control_id: str
    title: str
    group: str
    applicability: str
    justification: str
    implementation_status: str
    owner: str
    evidence: list[str] = field(default_factory=list)

    def cells(self) -> tuple[str, ...]:
        """The row's values in :data:`COLUMNS` order (evidence one reference a line)."""
        return (
            self.control_id,
            self.title,
            self.applicability,
            self.justification,
            self.implementation_status,
            self.owner,
            "\n".join(self.evidence),
        )


@dataclass
class SoADocument:
    """Cover and rows of one exported SoA."""

    organization: str
    version_label: str
    approval: str
    approved: bool
    approved_by: str
    approved_on: dt.date | None
    issued_by: str
    note: str
    generated_at: dt.datetime
    rows: list[ExportRow]
    standard: str = STANDARD

    @property
    def cover(self) -> list[tuple[str, str]]:
        """``(label, value)`` lines of the cover page."""
        lines = [
            ("Organization", self.organization),
            ("Document", f"Statement of Applicability ({self.standard})"),
            ("Version", self.version_label),
            ("Approval", self.approval),
        ]
        if self.approved:
            lines += [
                ("Approved by", self.approved_by),
                ("Approved on", self.approved_on.isoformat() if self.approved_on else ""),
                ("Issued by", self.issued_by),
            ]
        if self.note:
            lines.append(("Note", self.note))
        applicable = sum(1 for r in self.rows if r.applicability == APPLICABILITY_LABELS[True])
        lines += [
            ("Controls", f"{len(self.rows)} ({applicable} applicable, {len(self.rows) - applicable} excluded)"),
            ("Generated", self.generated_at.strftime("%Y-%m-%d %H:%M UTC")),
        ]
        return lines


def _rows(snapshot: dict) -> list[ExportRow]:
    rows = []
    for entry in snapshot.get("entries", []):
        status = entry.get("implementation_status", "")
        rows.append(
            ExportRow(
                control_id=entry["control_id"],
                title=entry["title"],
                group=group_title(entry.get("group_id", "")),
                applicability=APPLICABILITY_LABELS[bool(entry.get("applicable"))],
                justification=entry.get("justification", ""),
                implementation_status=(
                    ImplementationStatus(status).label if status in ImplementationStatus.values else status
                ),
                owner=entry.get("owner", ""),
                evidence=[
                    f"{e['title']} — {e['reference']}" if e.get("reference") else e["title"]
                    for e in entry.get("evidence", [])
                ],
            )
        )
    return rows


def build_document(actor: Actor, version: int | None = None) -> SoADocument:
    """The document of SoA version ``version`` of the actor's organization, or of the current draft."""
    now = timezone.now().astimezone(dt.UTC)
    organization = actor.organization.name
    if version is not None:
        issued = version_by_number(actor, version)
        return SoADocument(
            organization=organization,
            version_label=str(issued),
            approval=f"Approved by {issued.approved_by_name} on {issued.approved_on:%Y-%m-%d}",
            approved=True,
            approved_by=issued.approved_by_name,
            approved_on=issued.approved_on,
            issued_by=issued.issued_by,
            note=issued.note,
            generated_at=now,
            rows=_rows(issued.snapshot),
        )
    return SoADocument(
        organization=organization,
        version_label="Draft (current entries, not issued)",
        approval=DRAFT_APPROVAL,
        approved=False,
        approved_by="",
        approved_on=None,
        issued_by="",
        note="",
        generated_at=now,
        rows=_rows(build_snapshot(soa_entries(actor))),
    )
