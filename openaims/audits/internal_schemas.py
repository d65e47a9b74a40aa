"""API schemas of the internal audit (9.2) and the improvement register (10.1). Field names are the model's, the
UI's and the CLI's.

``lead_auditor_id``, ``team`` and ``owner_id`` are user ids (``user_id`` of ``/members``); ``ai_systems`` are AI
system ids; ``clause_ids`` are ISO/IEC 42001 clause or requirement ids (``9.2``, ``6.1.3``) and ``control_ids``
Annex A control ids (``A.6.2.6``). Status, dates of the audit's life, the sample and the checklist are set by
OpenAIMS (``/start``, ``/sample``, ``/checklist``, ``/report``, ``/close``, ``/finding``), never sent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from ninja import Field, Schema

from openaims.audits.choices import (
    AuditFinding,
    AuditFrequency,
    ChecklistItemKind,
    ImprovementSource,
    ImprovementStatus,
    InternalAuditStatus,
)
from openaims.audits.schemas import Ids, Timestamps
from openaims.base.schemas import LongText, Name, ShortText, text

ScopeIds = Annotated[list[text(20, 1)], Field(max_length=200)]


def _drop_nulls(data: dict, names: tuple[str, ...]) -> dict:
    """Fields that are not nullable: null in a PATCH means "leave as is"."""
    for name in names:
        if name in data and data[name] is None:
            del data[name]
    return data


# --- Audit programmes -----------------------------------------------------------------------------------------


class AuditProgrammeIn(Schema):
    name: Name
    objectives: text(20000, 1)
    frequency: AuditFrequency = AuditFrequency.ANNUAL
    methods: LongText = ""
    responsibilities: LongText = ""
    criteria: LongText = ""


class AuditProgrammePatch(Schema):
    name: Name | None = None
    objectives: text(20000, 1) | None = None
    frequency: AuditFrequency | None = None
    methods: LongText | None = None
    responsibilities: LongText | None = None
    criteria: LongText | None = None

    def model_dump(self, *args, **kwargs):
        data = _drop_nulls(super().model_dump(*args, **kwargs), ("name", "objectives", "frequency"))
        for name in ("methods", "responsibilities", "criteria"):
            if name in data and data[name] is None:
                data[name] = ""
        return data


class AuditProgrammeOut(Timestamps):
    name: str
    objectives: str
    frequency: AuditFrequency
    methods: str
    responsibilities: str
    criteria: str


class AuditProgrammeFilters(Schema):
    q: ShortText | None = None
    frequency: AuditFrequency | None = None


# --- Internal audits ------------------------------------------------------------------------------------------


class InternalAuditIn(Schema):
    title: Name
    programme_id: uuid.UUID
    clause_ids: ScopeIds = Field(default_factory=list)
    control_ids: ScopeIds = Field(default_factory=list)
    ai_systems: Ids = Field(default_factory=list)
    criteria: LongText = ""
    lead_auditor_id: uuid.UUID | None = None
    team: Ids = Field(default_factory=list)
    planned_start: dt.date
    planned_end: dt.date


class InternalAuditPatch(Schema):
    title: Name | None = None
    programme_id: uuid.UUID | None = None
    clause_ids: ScopeIds | None = None
    control_ids: ScopeIds | None = None
    ai_systems: Ids | None = None
    criteria: LongText | None = None
    lead_auditor_id: uuid.UUID | None = None
    team: Ids | None = None
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None

    def model_dump(self, *args, **kwargs):
        data = _drop_nulls(
            super().model_dump(*args, **kwargs), ("title", "programme_id", "planned_start", "planned_end")
        )
        for name in ("clause_ids", "control_ids", "ai_systems", "team"):
            if name in data and data[name] is None:
                data[name] = []
        if "criteria" in data and data["criteria"] is None:
            data["criteria"] = ""
        return data


class SampleWeightOut(Schema):
    ai_system_id: str
    name: str
    weight: int
    basis: str = Field(description="Why this weight: risk level, EU AI Act tier and open risks, in points.")


class InternalAuditOut(Timestamps):
    reference: str = Field(description="IA-0001: the organization's running number.")
    number: int
    title: str
    programme_id: uuid.UUID
    clause_ids: list[str]
    control_ids: list[str]
    ai_systems: list[uuid.UUID]
    criteria: str
    lead_auditor_id: uuid.UUID | None
    team: list[uuid.UUID]
    planned_start: dt.date
    planned_end: dt.date
    status: InternalAuditStatus
    due: bool = Field(description="Planned, and its planned start has passed.")
    started_on: dt.date | None
    reported_on: dt.date | None
    report_summary: str
    sampled_systems: list[uuid.UUID]
    sample_seed: int | None
    sample_weights: list[SampleWeightOut]

    @staticmethod
    def resolve_ai_systems(obj) -> list[uuid.UUID]:
        return [s.pk for s in obj.ai_systems.all()]

    @staticmethod
    def resolve_team(obj) -> list[uuid.UUID]:
        return [u.pk for u in obj.team.all()]

    @staticmethod
    def resolve_sampled_systems(obj) -> list[uuid.UUID]:
        return [s.pk for s in obj.sampled_systems.all()]


class InternalAuditFilters(Schema):
    q: ShortText | None = Field(None, description="Search in the title; or a reference (IA-0003).")
    status: InternalAuditStatus | None = None
    programme_id: uuid.UUID | None = None
    lead_auditor_id: uuid.UUID | None = None
    due: bool | None = Field(None, description="Planned and past its planned start (true) or not (false).")


class InternalAuditSampleIn(Schema):
    size: int = Field(ge=1, le=1000, description="How many AI systems to draw.")
    seed: int = Field(ge=0, le=2**63 - 1, description="The seed: the same seed draws the same sample.")


class InternalAuditReportIn(Schema):
    summary: text(20000, 1) = Field(description="The conclusions reported to management.")


# --- Checklist ------------------------------------------------------------------------------------------------


class AuditChecklistItemOut(Timestamps):
    audit_id: uuid.UUID
    position: int
    kind: ChecklistItemKind
    reference: str
    ai_system_id: uuid.UUID | None
    title: str
    finding: AuditFinding | None = Field(description="Empty until the auditor records one.")
    notes: str
    evidence: list[uuid.UUID]
    nonconformity_id: uuid.UUID | None
    improvement_id: uuid.UUID | None

    @staticmethod
    def resolve_finding(obj) -> str | None:
        return obj.finding or None

    @staticmethod
    def resolve_evidence(obj) -> list[uuid.UUID]:
        return [e.pk for e in obj.evidence.all()]


class AuditFindingIn(Schema):
    finding: AuditFinding
    notes: LongText = ""
    evidence: Ids = Field(default_factory=list)


# --- Improvements ---------------------------------------------------------------------------------------------


class ImprovementIn(Schema):
    title: Name
    description: LongText = ""
    source: ImprovementSource = ImprovementSource.OTHER
    owner_id: uuid.UUID | None = None
    status: ImprovementStatus = ImprovementStatus.PROPOSED


class ImprovementPatch(Schema):
    title: Name | None = None
    description: LongText | None = None
    source: ImprovementSource | None = None
    owner_id: uuid.UUID | None = None
    status: ImprovementStatus | None = None

    def model_dump(self, *args, **kwargs):
        data = _drop_nulls(super().model_dump(*args, **kwargs), ("title", "source", "status"))
        if "description" in data and data["description"] is None:
            data["description"] = ""
        return data


class ImprovementOut(Timestamps):
    title: str
    description: str
    source: ImprovementSource
    owner_id: uuid.UUID | None
    status: ImprovementStatus


class ImprovementFilters(Schema):
    q: ShortText | None = None
    status: ImprovementStatus | None = None
    source: ImprovementSource | None = None
    owner_id: uuid.UUID | None = None
