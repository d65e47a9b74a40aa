"""API schemas of the governance records. Field names are the model's and the UI's.

People: ``owner_id`` and ``member_id`` are user ids (``user_id`` of ``/members``); ``holders`` of an AIMS role
are members (``id`` of ``/members``), so someone who leaves the organization no longer holds the role.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from ninja import Field, Schema

from openaims.base.schemas import LongText, Name, ShortText, text
from openaims.governance.choices import (
    DocumentType,
    IssueCategory,
    IssueOrigin,
    ObjectiveStatus,
    PartyKind,
    ScopeStatus,
    VersionStatus,
)

Version = text(50, 1)
Unit = text(50)
Metric = text(200)
Link = text(1000)
TargetValue = Annotated[float, Field(ge=-1e15, le=1e15, allow_inf_nan=False)]
Ids = Annotated[list[uuid.UUID], Field(max_length=500)]


class Timestamps(Schema):
    id: uuid.UUID
    created_at: dt.datetime
    updated_at: dt.datetime


# --- Scope statements ------------------------------------------------------------------------------------


class ScopeStatementIn(Schema):
    version: Version
    statement: LongText = Field(min_length=1)
    organizational_units: LongText = ""
    sites: LongText = ""
    lifecycle_activities: LongText = ""
    exclusions: LongText = ""
    interfaces: LongText = ""


class ScopeStatementPatch(Schema):
    version: Version | None = None
    statement: LongText | None = None
    organizational_units: LongText | None = None
    sites: LongText | None = None
    lifecycle_activities: LongText | None = None
    exclusions: LongText | None = None
    interfaces: LongText | None = None


class ScopeStatementOut(ScopeStatementIn, Timestamps):
    version: str
    statement: str
    status: ScopeStatus
    approved_by_id: uuid.UUID | None
    approved_at: dt.datetime | None


class ScopeStatementFilters(Schema):
    q: ShortText | None = None
    status: ScopeStatus | None = None


# --- Context issues --------------------------------------------------------------------------------------


class ContextIssueIn(Schema):
    title: Name
    origin: IssueOrigin
    category: IssueCategory
    description: LongText = ""
    effect_on_aims: LongText = ""
    next_review_date: dt.date | None = None


class ContextIssuePatch(Schema):
    title: Name | None = None
    origin: IssueOrigin | None = None
    category: IssueCategory | None = None
    description: LongText | None = None
    effect_on_aims: LongText | None = None
    next_review_date: dt.date | None = None


class ContextIssueOut(ContextIssueIn, Timestamps):
    title: str
    review_overdue: bool


class ContextIssueFilters(Schema):
    q: ShortText | None = None
    origin: IssueOrigin | None = None
    category: IssueCategory | None = None
    review_overdue: bool | None = None


# --- Interested parties ----------------------------------------------------------------------------------


class InterestedPartyIn(Schema):
    name: Name
    kind: PartyKind
    needs_and_expectations: LongText = ""
    compliance_obligation: bool = False
    how_addressed: LongText = ""
    next_review_date: dt.date | None = None


class InterestedPartyPatch(Schema):
    name: Name | None = None
    kind: PartyKind | None = None
    needs_and_expectations: LongText | None = None
    compliance_obligation: bool | None = None
    how_addressed: LongText | None = None
    next_review_date: dt.date | None = None


class InterestedPartyOut(InterestedPartyIn, Timestamps):
    name: str
    review_overdue: bool


class InterestedPartyFilters(Schema):
    q: ShortText | None = None
    kind: PartyKind | None = None
    compliance_obligation: bool | None = None
    review_overdue: bool | None = None


# --- Documents and versions ------------------------------------------------------------------------------


class DocumentIn(Schema):
    title: Name
    document_type: DocumentType = DocumentType.OTHER
    owner_id: uuid.UUID | None = None
    next_review_date: dt.date | None = None


class DocumentPatch(Schema):
    title: Name | None = None
    document_type: DocumentType | None = None
    owner_id: uuid.UUID | None = None
    next_review_date: dt.date | None = None


class DocumentOut(DocumentIn, Timestamps):
    """A row of the document control list: the current version, its status, and whether review is overdue."""

    title: str
    current_version_id: uuid.UUID | None
    current_version_number: str | None
    status: VersionStatus | None
    review_overdue: bool
    in_force: bool


class DocumentFilters(Schema):
    q: ShortText | None = None
    document_type: DocumentType | None = None
    owner_id: uuid.UUID | None = None
    status: VersionStatus | None = Field(default=None, description="Status of the current version.")
    review_overdue: bool | None = None


class DocumentVersionIn(Schema):
    number: Version
    document_id: uuid.UUID
    content: LongText = ""
    link: Link = ""
    change_note: LongText = ""
    effective_date: dt.date | None = None


class DocumentVersionPatch(Schema):
    number: Version | None = None
    content: LongText | None = None
    link: Link | None = None
    change_note: LongText | None = None
    effective_date: dt.date | None = None


class DocumentVersionOut(DocumentVersionIn, Timestamps):
    number: str
    link: str
    status: VersionStatus
    approved_by_id: uuid.UUID | None
    approved_at: dt.datetime | None


class DocumentVersionFilters(Schema):
    q: ShortText | None = None
    document_id: uuid.UUID | None = None
    status: VersionStatus | None = None


class VersionTransitionIn(Schema):
    to_status: VersionStatus
    note: LongText = ""


# --- AIMS roles, AI objectives, competence records -------------------------------------------------------


class AIMSRoleIn(Schema):
    name: Name
    responsibilities: LongText = Field(min_length=1)
    authority: LongText = ""
    holders: Ids = Field(default_factory=list)
    ai_systems: Ids = Field(default_factory=list)


class AIMSRolePatch(Schema):
    name: Name | None = None
    responsibilities: LongText | None = None
    authority: LongText | None = None
    holders: Ids | None = None
    ai_systems: Ids | None = None


class AIMSRoleOut(AIMSRoleIn, Timestamps):
    name: str
    responsibilities: str

    @staticmethod
    def resolve_holders(obj) -> list[uuid.UUID]:
        return [m.pk for m in obj.holders.all()]

    @staticmethod
    def resolve_ai_systems(obj) -> list[uuid.UUID]:
        return [s.pk for s in obj.ai_systems.all()]


class AIMSRoleFilters(Schema):
    q: ShortText | None = None
    holder_id: uuid.UUID | None = Field(default=None, description="A member id (`id` of `/members`).")
    ai_system_id: uuid.UUID | None = None


class AIObjectiveIn(Schema):
    objective: ShortText = Field(min_length=1)
    metric: Metric = ""
    target_value: TargetValue | None = None
    unit: Unit = ""
    owner_id: uuid.UUID | None = None
    due_date: dt.date | None = None
    status: ObjectiveStatus = ObjectiveStatus.PLANNED
    ai_systems: Ids = Field(default_factory=list)
    monitoring: LongText = ""


class AIObjectivePatch(Schema):
    objective: ShortText | None = None
    metric: Metric | None = None
    target_value: TargetValue | None = None
    unit: Unit | None = None
    owner_id: uuid.UUID | None = None
    due_date: dt.date | None = None
    status: ObjectiveStatus | None = None
    ai_systems: Ids | None = None
    monitoring: LongText | None = None


class AIObjectiveOut(AIObjectiveIn, Timestamps):
    objective: str
    metric: str

    @staticmethod
    def resolve_ai_systems(obj) -> list[uuid.UUID]:
        return [s.pk for s in obj.ai_systems.all()]


class AIObjectiveFilters(Schema):
    q: ShortText | None = None
    status: ObjectiveStatus | None = None
    owner_id: uuid.UUID | None = None
    ai_system_id: uuid.UUID | None = None


class CompetenceRecordIn(Schema):
    competence: ShortText = Field(min_length=1)
    member_id: uuid.UUID
    completed_on: dt.date | None = None
    valid_until: dt.date | None = None
    evidence_reference: ShortText = ""
    notes: LongText = ""


class CompetenceRecordPatch(Schema):
    competence: ShortText | None = None
    member_id: uuid.UUID | None = None
    completed_on: dt.date | None = None
    valid_until: dt.date | None = None
    evidence_reference: ShortText | None = None
    notes: LongText | None = None


class CompetenceRecordOut(CompetenceRecordIn, Timestamps):
    competence: str
    expired: bool


class CompetenceRecordFilters(Schema):
    q: ShortText | None = None
    member_id: uuid.UUID | None = None
    expired: bool | None = None
