"""API schemas of incidents, timeline entries, notification duties and concerns. Field names are the model's and
the UI's. ``reference``, ``serious``, the number and the computed duties are set by OpenAIMS, never sent."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from django.utils import timezone
from ninja import Field, Schema

from openaims.accounts.choices import Role
from openaims.base.prefetch import ids_of
from openaims.base.schemas import DateTime, LongText, Name, ShortText, text
from openaims.oversight.incidents.choices import (
    ConcernStatus,
    DutyRule,
    IncidentSeverity,
    IncidentStatus,
    SeriousCategory,
)

Ids = Annotated[list[uuid.UUID], Field(max_length=500)]
ReplyText = text(10000, 1)
Categories = Annotated[list[SeriousCategory], Field(max_length=4)]


class Timestamps(Schema):
    id: uuid.UUID
    created_at: dt.datetime
    updated_at: dt.datetime


def _drop_nulls(data: dict, *names: str) -> dict:
    """In a PATCH, null on a field that cannot be empty means "leave as is"."""
    for name in names:
        if name in data and data[name] is None:
            del data[name]
    return data


# --- Incidents ------------------------------------------------------------------------------------------------


class IncidentIn(Schema):
    title: Name
    description: text(20000, 1) = Field(description="What happened.")
    ai_system_id: uuid.UUID | None = None
    severity: IncidentSeverity = IncidentSeverity.MEDIUM
    serious_categories: Categories = Field(
        default_factory=list, description="EU AI Act Art. 3(49) categories; any of them makes it serious."
    )
    involves_death: bool = False
    widespread_infringement: bool = False
    personal_data_breach: bool = False
    affected_count: int | None = Field(None, ge=0, le=10**9)
    affected_description: LongText = ""
    occurred_at: DateTime | None = None
    detected_at: DateTime | None = Field(None, description="When the organization became aware (default now).")
    status: IncidentStatus = IncidentStatus.OPEN
    containment: LongText = ""
    nonconformities: Ids = Field(default_factory=list)

    def model_dump(self, *args, **kwargs):
        data = super().model_dump(*args, **kwargs)
        if data.get("detected_at") is None:
            data.pop("detected_at", None)
        return data


class IncidentPatch(Schema):
    title: Name | None = None
    description: text(20000, 1) | None = None
    ai_system_id: uuid.UUID | None = None
    severity: IncidentSeverity | None = None
    serious_categories: Categories | None = None
    involves_death: bool | None = None
    widespread_infringement: bool | None = None
    personal_data_breach: bool | None = None
    affected_count: int | None = Field(None, ge=0, le=10**9)
    affected_description: LongText | None = None
    occurred_at: DateTime | None = None
    detected_at: DateTime | None = None
    status: IncidentStatus | None = None
    containment: LongText | None = None
    nonconformities: Ids | None = None

    def model_dump(self, *args, **kwargs):
        data = super().model_dump(*args, **kwargs)
        _drop_nulls(data, "title", "description", "severity", "involves_death", "widespread_infringement")
        _drop_nulls(data, "personal_data_breach", "detected_at", "status")
        for name in ("affected_description", "containment"):
            if name in data and data[name] is None:
                data[name] = ""
        for name in ("serious_categories", "nonconformities"):
            if name in data and data[name] is None:
                data[name] = []
        return data


class IncidentOut(Timestamps):
    reference: str = Field(description="INC-0001: the organization's running number.")
    number: int
    title: str
    description: str
    ai_system_id: uuid.UUID | None
    severity: IncidentSeverity
    serious: bool = Field(description="A serious incident (EU AI Act Art. 3(49)): at least one category.")
    serious_categories: list[str]
    involves_death: bool
    widespread_infringement: bool
    personal_data_breach: bool
    affected_count: int | None
    affected_description: str
    occurred_at: dt.datetime | None
    detected_at: dt.datetime
    status: IncidentStatus
    containment: str
    nonconformities: list[uuid.UUID]
    overdue_notification: bool = Field(description="A notification duty is past its deadline and not sent.")

    @staticmethod
    def resolve_nonconformities(obj) -> list[uuid.UUID]:
        return ids_of(obj, "nonconformities")

    @staticmethod
    def resolve_overdue_notification(obj) -> bool:
        value = getattr(obj, "has_overdue_duty", None)
        if value is None:
            value = obj.duties.filter(sent_at__isnull=True, deadline__lt=timezone.now()).exists()
        return bool(value)


class IncidentFilters(Schema):
    q: ShortText | None = Field(None, description="Search in title and description; or a reference (INC-0007).")
    status: IncidentStatus | None = None
    severity: IncidentSeverity | None = None
    ai_system_id: uuid.UUID | None = None
    serious: bool | None = None
    overdue_notification: bool | None = Field(None, description="Has a notification duty past its deadline.")


class OpenNonconformityIn(Schema):
    title: text(200) = Field("", description="Default: the incident's reference and title.")


# --- Timeline entries -----------------------------------------------------------------------------------------


class TimelineEntryIn(Schema):
    incident_id: uuid.UUID
    what: text(10000, 1)
    at: DateTime | None = Field(None, description="When (default now).")


class TimelineEntryOut(Timestamps):
    incident_id: uuid.UUID
    at: dt.datetime
    what: str
    by: str


class TimelineEntryFilters(Schema):
    incident_id: uuid.UUID | None = None


# --- Notification duties --------------------------------------------------------------------------------------


class NotificationDutyIn(Schema):
    recipient: text(300, 1) = Field(description="The authority or person to notify.")
    incident_id: uuid.UUID
    legal_basis: ShortText = ""
    deadline: DateTime
    reference: text(200) = ""
    notes: LongText = ""
    evidence: Ids = Field(default_factory=list)


class NotificationDutyPatch(Schema):
    recipient: text(300, 1) | None = None
    legal_basis: ShortText | None = None
    deadline: DateTime | None = None
    reference: text(200) | None = None
    notes: LongText | None = None
    evidence: Ids | None = None

    def model_dump(self, *args, **kwargs):
        data = _drop_nulls(super().model_dump(*args, **kwargs), "recipient", "deadline")
        for name in ("legal_basis", "reference", "notes"):
            if name in data and data[name] is None:
                data[name] = ""
        if "evidence" in data and data["evidence"] is None:
            data["evidence"] = []
        return data


class NotificationDutyOut(Timestamps):
    incident_id: uuid.UUID
    incident_reference: str
    rule: DutyRule
    recipient: str
    legal_basis: str
    deadline: dt.datetime
    sent_at: dt.datetime | None
    reference: str
    notes: str
    evidence: list[uuid.UUID]
    overdue: bool = Field(description="Past its deadline and not sent.")
    sent_late: bool

    @staticmethod
    def resolve_incident_reference(obj) -> str:
        return obj.incident.reference

    @staticmethod
    def resolve_evidence(obj) -> list[uuid.UUID]:
        return [e.pk for e in obj.evidence.all()]


class NotificationDutyFilters(Schema):
    q: ShortText | None = None
    incident_id: uuid.UUID | None = None
    rule: DutyRule | None = None
    sent: bool | None = None
    overdue: bool | None = None


class MarkSentIn(Schema):
    sent_at: DateTime | None = Field(None, description="When it was sent (default now).")
    reference: text(200) = ""
    evidence: Ids = Field(default_factory=list, description="Evidence of sending (e.g. the submission receipt).")


# --- Concerns -------------------------------------------------------------------------------------------------


class ConcernReplyOut(Schema):
    id: uuid.UUID
    text: str
    by: str
    created_at: dt.datetime


class ConcernOut(Timestamps):
    reference: str
    number: int
    ai_system_id: uuid.UUID | None
    description: str
    contact: str
    status: ConcernStatus
    triage_note: str
    incident_id: uuid.UUID | None
    nonconformity_id: uuid.UUID | None
    replies: list[ConcernReplyOut]

    @staticmethod
    def resolve_replies(obj) -> list:
        return list(obj.replies.all())


class ConcernPatch(Schema):
    status: ConcernStatus | None = None
    triage_note: LongText | None = None
    incident_id: uuid.UUID | None = None
    nonconformity_id: uuid.UUID | None = None

    def model_dump(self, *args, **kwargs):
        data = _drop_nulls(super().model_dump(*args, **kwargs), "status")
        if "triage_note" in data and data["triage_note"] is None:
            data["triage_note"] = ""
        return data


class ConcernFilters(Schema):
    q: ShortText | None = Field(None, description="Search in the concern; or a reference (CON-0007).")
    status: ConcernStatus | None = None
    ai_system_id: uuid.UUID | None = None


class ConcernReplyIn(Schema):
    text: ReplyText = Field(description="The reply, shown to the reporter on the follow-up page.")


class ConcernSettingsOut(Schema):
    triage_role: Role


class ConcernSettingsIn(Schema):
    triage_role: Role
