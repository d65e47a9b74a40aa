"""API schemas of the controls app. Field names are the model's, the UI's and the CLI's."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Field, Schema

from openaims.base.schemas import LongText, ShortText, text
from openaims.controls.annex import group_title
from openaims.controls.choices import CoverageStatus, ImplementationStatus, ReadinessStatus

ControlId = text(50, 1)
Title = text(300, 1)
Basis = Literal["published", "derived", "judgement"]
ExportFormat = Literal["xlsx", "docx", "pdf"]
MAX_LINKS = 500


class SoAEntryIn(Schema):
    """One of the organization's own controls, added to its SoA."""

    control_id: ControlId
    title: Title
    applicable: bool = True
    justification: LongText = ""
    implementation_status: ImplementationStatus = ImplementationStatus.NOT_STARTED
    owner_id: uuid.UUID | None = None
    evidence: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_LINKS)
    ai_systems: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_LINKS)
    notes: LongText = ""


class SoAEntryPatch(Schema):
    """Changes to an entry; ``control_id`` and ``title`` change only on the organization's own controls."""

    control_id: ControlId | None = None
    title: Title | None = None
    applicable: bool | None = None
    justification: LongText | None = None
    implementation_status: ImplementationStatus | None = None
    owner_id: uuid.UUID | None = None
    evidence: list[uuid.UUID] | None = Field(default=None, max_length=MAX_LINKS)
    ai_systems: list[uuid.UUID] | None = Field(default=None, max_length=MAX_LINKS)
    notes: LongText | None = None


class SoAEntryOut(Schema):
    id: uuid.UUID
    control_id: str
    title: str
    group_id: str
    group_title: str
    custom: bool
    applicable: bool
    justification: str
    implementation_status: ImplementationStatus
    owner_id: uuid.UUID | None
    evidence: list[uuid.UUID]
    ai_systems: list[uuid.UUID]
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_group_title(obj) -> str:
        return group_title(obj.group_id)

    @staticmethod
    def resolve_evidence(obj) -> list[uuid.UUID]:
        return [e.pk for e in obj.evidence.all()]

    @staticmethod
    def resolve_ai_systems(obj) -> list[uuid.UUID]:
        return [s.pk for s in obj.ai_systems.all()]


class SoAEntryFilters(Schema):
    q: ShortText | None = Field(default=None, description="Search in control id, title, justification and notes.")
    group_id: text(20) | None = Field(default=None, description="Annex A group, e.g. A.6; `custom` for own controls.")
    applicable: bool | None = None
    implementation_status: ImplementationStatus | None = None
    owner_id: uuid.UUID | None = None
    custom: bool | None = None
    justified: bool | None = Field(default=None, description="Only entries with (true) or without (false) one.")


class SoAVersionIn(Schema):
    """Issue the next SoA version. The approver defaults to the requesting member, the date to today."""

    approved_by_id: uuid.UUID | None = None
    approved_on: dt.date | None = None
    note: LongText = ""


class SoAVersionOut(Schema):
    id: uuid.UUID
    number: int
    label: str
    approved_by_id: uuid.UUID | None
    approved_by_name: str
    approved_on: dt.date
    issued_by: str
    note: str
    entry_count: int
    created_at: dt.datetime

    @staticmethod
    def resolve_label(obj) -> str:
        return str(obj)

    @staticmethod
    def resolve_entry_count(obj) -> int:
        return len(obj.entries)


class SnapshotEvidence(Schema):
    id: str
    title: str
    reference: str = ""


class SnapshotEntry(Schema):
    """One entry as frozen in a version (people and records by name)."""

    control_id: str
    title: str
    group_id: str
    custom: bool
    applicable: bool
    justification: str
    implementation_status: str
    owner: str
    evidence: list[SnapshotEvidence]
    ai_systems: list[str]
    notes: str


class FieldChange(Schema):
    field: str
    before: object = None
    after: object = None


class EntryChange(Schema):
    control_id: str
    fields: list[FieldChange]


class SnapshotDiffOut(Schema):
    """Against the previous version: control ids added and removed, and the changed fields of the others."""

    added: list[str]
    removed: list[str]
    changed: list[EntryChange]


class SoAVersionDetailOut(SoAVersionOut):
    entries: list[SnapshotEntry]
    diff: SnapshotDiffOut
    previous_number: int | None = None


class SoAExportQuery(Schema):
    format: ExportFormat
    version: int | None = Field(default=None, ge=1, le=2_147_483_647, description="Version number; draft if absent.")


class RequirementReadinessOut(Schema):
    """Where one clause requirement stands: derived from records, assessed by a person, or not assessed."""

    requirement_id: str
    title: str
    clause_id: str
    status: ReadinessStatus
    source: Literal["derived", "assessed", "unassessed"]
    explanation: str
    url: str
    evidence: list[uuid.UUID] = []
    notes: str = ""
    set_by: str = ""
    assessed_at: dt.datetime | None = None

    @staticmethod
    def resolve_evidence(obj) -> list[uuid.UUID]:
        return [e.pk for e in obj.assessment.evidence.all()] if obj.assessment else []

    @staticmethod
    def resolve_notes(obj) -> str:
        return obj.assessment.notes if obj.assessment else ""

    @staticmethod
    def resolve_set_by(obj) -> str:
        return obj.assessment.set_by_label if obj.assessment else ""

    @staticmethod
    def resolve_assessed_at(obj) -> dt.datetime | None:
        return obj.assessment.updated_at if obj.assessment else None


class ClauseReadinessOut(Schema):
    clause_id: str
    title: str
    percent: int
    met: int
    partial: int
    not_met: int
    total: int

    @staticmethod
    def resolve_total(obj) -> int:
        return len(obj.items)


class ControlCheckOut(Schema):
    """An Annex A control whose working a rule reads off the records (not counted in the percentage)."""

    control_id: str
    title: str
    status: ReadinessStatus
    explanation: str
    url: str


class ReadinessOut(Schema):
    """Overall readiness (met counts fully, partially met half), per clause, and the blockers in order; the
    Annex A controls checked from the records."""

    percent: int
    clauses: list[ClauseReadinessOut]
    blockers: list[RequirementReadinessOut]
    requirements: list[RequirementReadinessOut]
    controls: list[ControlCheckOut]

    @staticmethod
    def resolve_requirements(obj) -> list:
        return obj.items


class AssessmentIn(Schema):
    status: ReadinessStatus
    evidence: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_LINKS)
    notes: LongText = ""


class CoverageQuery(Schema):
    basis: list[Basis] = Field(default_factory=list, description="Keep only mappings of these bases (default all).")


class CoverageSummaryOut(Schema):
    total: int
    reached: int
    implemented: int
    partial: int
    not_started: int
    unreached: int
    reached_percent: int
    implemented_percent: int


class MappedItemOut(Schema):
    iso_id: str
    iso_title: str
    iso_kind: str
    relation: str
    basis: Basis
    source: str
    source_title: str
    source_url: str
    locator: str
    note: str
    status: str
    status_label: str


class CoverageRowOut(Schema):
    requirement_id: str
    title: str
    kind: str
    status: CoverageStatus
    mappings: list[MappedItemOut]


class FrameworkCoverageOut(Schema):
    framework_id: str
    name: str
    basis: list[Basis]
    summary: CoverageSummaryOut

    @staticmethod
    def resolve_framework_id(obj) -> str:
        return obj.framework.id

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.framework.name


class CoverageOut(FrameworkCoverageOut):
    rows: list[CoverageRowOut]
