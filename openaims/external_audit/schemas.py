"""API schemas of the external audit. Field names are the model's, the UI's and the CLI's.

``owner_id`` is a user id (``user_id`` of ``/members``); ``ai_system_id`` an AI system id; ``clause_id`` an
ISO/IEC 42001 clause or requirement id (``9.2``, ``6.1.3``) and ``control_id`` an Annex A control id
(``A.6.2.6``); ``evidence`` are evidence item ids. Status and its dates are set by OpenAIMS (``/answer``,
``/accept``, ``/reopen``, ``/withdraw``), never sent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from ninja import Field, Schema

from openaims.base.schemas import DateTime, LongText, Name, ShortText, text
from openaims.external_audit.choices import EvidenceRequestStatus, InvitationStatus

Ids = Annotated[list[uuid.UUID], Field(max_length=500)]
FrameworkIds = Annotated[list[text(40, 1)], Field(max_length=20)]
RequirementId = text(20)


class Timestamps(Schema):
    id: uuid.UUID
    created_at: dt.datetime
    updated_at: dt.datetime


# --- Guest invitations ----------------------------------------------------------------------------------------


class GuestInvitationIn(Schema):
    email: text(254, 3)
    name: Name
    firm: Name = Field(description="The certification body the auditor works for.")
    expires_at: DateTime = Field(description="When the access lapses: in the future, at most 180 days ahead.")
    scope_systems: Ids = Field(default_factory=list, description="AI system ids; empty: the whole organization.")
    scope_frameworks: FrameworkIds = Field(default_factory=list, description="Catalog framework ids; empty: all.")


class GuestInvitationOut(Timestamps):
    email: str
    name: str
    firm: str
    expires_at: dt.datetime
    scope_all_systems: bool = Field(description="The whole organization (true) or only scope_systems (false).")
    scope_systems: list[uuid.UUID]
    scope_frameworks: list[str]
    invited_by_id: uuid.UUID | None
    prefix: str = Field(description="The first characters of the invitation's token.")
    status: InvitationStatus
    accepted_at: dt.datetime | None
    accepted_by_id: uuid.UUID | None
    membership_id: uuid.UUID | None
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_scope_systems(obj) -> list[uuid.UUID]:
        return [s.pk for s in obj.scope_systems.all()]


class GuestInvitationCreatedOut(GuestInvitationOut):
    token: str = Field(description="Shown once: the guest accepts at /guest/accept/<token>/.")
    accept_path: str = Field(description="The path of the acceptance page, with the token.")


class GuestInvitationFilters(Schema):
    q: ShortText | None = Field(None, description="Search in the name, e-mail and firm.")
    status: InvitationStatus | None = None


# --- Evidence requests ----------------------------------------------------------------------------------------


class EvidenceRequestIn(Schema):
    title: Name
    description: LongText = ""
    clause_id: RequirementId = ""
    control_id: RequirementId = ""
    ai_system_id: uuid.UUID | None = None
    internal_audit_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    due_date: dt.date


class EvidenceRequestPatch(Schema):
    title: Name | None = None
    description: LongText | None = None
    clause_id: RequirementId | None = None
    control_id: RequirementId | None = None
    ai_system_id: uuid.UUID | None = None
    internal_audit_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    due_date: dt.date | None = None

    def model_dump(self, *args, **kwargs):
        data = super().model_dump(*args, **kwargs)
        for name in ("title", "due_date"):  # not nullable: null means "leave as is"
            if name in data and data[name] is None:
                del data[name]
        for name in ("description", "clause_id", "control_id"):
            if name in data and data[name] is None:
                data[name] = ""
        return data


class EvidenceRequestOut(Timestamps):
    reference: str = Field(description="ER-0001: the organization's running number.")
    number: int
    title: str
    description: str
    clause_id: str
    control_id: str
    ai_system_id: uuid.UUID | None
    internal_audit_id: uuid.UUID | None
    requested_by_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    due_date: dt.date
    status: EvidenceRequestStatus
    overdue: bool = Field(description="Past its due date, neither accepted nor withdrawn.")
    evidence: list[uuid.UUID]
    answer_note: str
    answered_at: dt.datetime | None
    accepted_at: dt.datetime | None

    @staticmethod
    def resolve_evidence(obj) -> list[uuid.UUID]:
        return [e.pk for e in obj.evidence.all()]


class EvidenceRequestFilters(Schema):
    q: ShortText | None = Field(None, description="Search in the title; or a reference (ER-0003).")
    status: EvidenceRequestStatus | None = None
    owner_id: uuid.UUID | None = None
    ai_system_id: uuid.UUID | None = None
    clause_id: RequirementId | None = None
    control_id: RequirementId | None = None
    overdue: bool | None = Field(None, description="Past the due date and not accepted (true) or not (false).")


class EvidenceRequestAnswerIn(Schema):
    evidence: Ids = Field(description="Evidence item ids of the organization.")
    note: LongText = ""


class EvidenceRequestReasonIn(Schema):
    reason: LongText = ""


class EvidenceRequestCommentIn(Schema):
    body: text(20000, 1)


class EvidenceRequestCommentOut(Timestamps):
    request_id: uuid.UUID
    author_id: uuid.UUID | None
    author_label: str
    body: str
