"""API schemas of nonconformities and corrective actions. Field names are the model's, the UI's and the CLI's.

``owner_id`` is a user id (``user_id`` of ``/members``); ``evidence`` are evidence ids; ``requirement_ids`` are
ISO/IEC 42001 clause, requirement or Annex A control ids (``9.1``, ``10.2``, ``A.6.2.6``). Status, the monitor and
its runs, and the closure are set by OpenAIMS (monitoring, corrective actions, ``/close``), never sent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from ninja import Field, Schema

from openaims.audits.choices import (
    CorrectiveActionStatus,
    NonconformitySeverity,
    NonconformitySource,
    NonconformityStatus,
)
from openaims.base.schemas import LongText, Name, ShortText, text

Ids = Annotated[list[uuid.UUID], Field(max_length=500)]
RequirementIds = Annotated[list[text(20, 1)], Field(max_length=100)]


class Timestamps(Schema):
    id: uuid.UUID
    created_at: dt.datetime
    updated_at: dt.datetime


# --- Nonconformities -----------------------------------------------------------------------------------------


class NonconformityIn(Schema):
    title: Name
    description: LongText = ""
    source: NonconformitySource = NonconformitySource.OTHER
    severity: NonconformitySeverity = NonconformitySeverity.MINOR
    ai_system_id: uuid.UUID | None = None
    requirement_ids: RequirementIds = Field(default_factory=list)
    owner_id: uuid.UUID | None = None
    detected_on: dt.date | None = None
    due_date: dt.date | None = None
    evidence: Ids = Field(default_factory=list)

    def model_dump(self, *args, **kwargs):
        data = super().model_dump(*args, **kwargs)
        if data.get("detected_on") is None:
            data.pop("detected_on", None)
        return data


class NonconformityPatch(Schema):
    title: Name | None = None
    description: LongText | None = None
    source: NonconformitySource | None = None
    severity: NonconformitySeverity | None = None
    ai_system_id: uuid.UUID | None = None
    requirement_ids: RequirementIds | None = None
    owner_id: uuid.UUID | None = None
    detected_on: dt.date | None = None
    due_date: dt.date | None = None
    evidence: Ids | None = None

    def model_dump(self, *args, **kwargs):
        data = super().model_dump(*args, **kwargs)
        for name in ("title", "source", "severity", "detected_on"):  # not nullable: null means "leave as is"
            if name in data and data[name] is None:
                del data[name]
        if "description" in data and data["description"] is None:
            data["description"] = ""
        return data


class NonconformityOut(Timestamps):
    reference: str = Field(description="NC-0001: the organization's running number.")
    number: int
    title: str
    description: str
    source: NonconformitySource
    severity: NonconformitySeverity
    ai_system_id: uuid.UUID | None
    requirement_ids: list[str]
    owner_id: uuid.UUID | None
    detected_on: dt.date
    due_date: dt.date | None
    overdue: bool
    status: NonconformityStatus
    monitor_id: uuid.UUID | None
    raised_by_run_id: uuid.UUID | None
    last_failing_run_id: uuid.UUID | None
    verified_by_run_id: uuid.UUID | None
    evidence: list[uuid.UUID]
    verification_evidence: list[uuid.UUID]
    previous_id: uuid.UUID | None = Field(description="The nonconformity closed as not effective that this continues.")
    follow_up_ids: list[uuid.UUID] = Field(description="Follow-ups opened when this was closed as not effective.")
    closure_note: str
    closed_by_id: uuid.UUID | None
    closed_by_label: str
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_evidence(obj) -> list[uuid.UUID]:
        return [e.pk for e in obj.evidence.all()]

    @staticmethod
    def resolve_verification_evidence(obj) -> list[uuid.UUID]:
        return [e.pk for e in obj.verification_evidence.all()]

    @staticmethod
    def resolve_follow_up_ids(obj) -> list[uuid.UUID]:
        return [n.pk for n in obj.follow_ups.all()]


class NonconformityFilters(Schema):
    q: ShortText | None = Field(None, description="Search in title and description; or a reference (NC-0007).")
    status: NonconformityStatus | None = None
    source: NonconformitySource | None = None
    severity: NonconformitySeverity | None = None
    ai_system_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    monitor_id: uuid.UUID | None = None
    closed: bool | None = Field(None, description="Closed (true) or still open (false).")
    overdue: bool | None = Field(None, description="Open and past its due date (true) or not (false).")


class NonconformityCloseIn(Schema):
    effective: bool = Field(
        description="True: the corrective action worked (needs a done action and a passing run or evidence). "
        "False: it did not; a follow-up nonconformity is opened."
    )
    note: LongText = Field(description="How the fix was verified, or why it did not work.")
    evidence: Ids = Field(default_factory=list, description="Evidence of the verification (not expired).")


# --- Corrective actions --------------------------------------------------------------------------------------


class CorrectiveActionIn(Schema):
    description: text(10000, 1) = Field(description="The action: what removes the cause so that it does not recur.")
    nonconformity_id: uuid.UUID
    root_cause: LongText = ""
    owner_id: uuid.UUID | None = None
    due_date: dt.date | None = None
    status: CorrectiveActionStatus = CorrectiveActionStatus.PLANNED
    completed_on: dt.date | None = Field(None, description="Done actions: when (default today).")


class CorrectiveActionPatch(Schema):
    description: text(10000, 1) | None = None
    root_cause: LongText | None = None
    owner_id: uuid.UUID | None = None
    due_date: dt.date | None = None
    status: CorrectiveActionStatus | None = None
    completed_on: dt.date | None = None

    def model_dump(self, *args, **kwargs):
        data = super().model_dump(*args, **kwargs)
        for name in ("description", "status"):
            if name in data and data[name] is None:
                del data[name]
        if "root_cause" in data and data["root_cause"] is None:
            data["root_cause"] = ""
        return data


class CorrectiveActionOut(Timestamps):
    nonconformity_id: uuid.UUID
    nonconformity_reference: str
    root_cause: str
    description: str
    owner_id: uuid.UUID | None
    due_date: dt.date | None
    status: CorrectiveActionStatus
    completed_on: dt.date | None
    overdue: bool

    @staticmethod
    def resolve_nonconformity_reference(obj) -> str:
        return obj.nonconformity.reference


class CorrectiveActionFilters(Schema):
    q: ShortText | None = None
    nonconformity_id: uuid.UUID | None = None
    status: CorrectiveActionStatus | None = None
    owner_id: uuid.UUID | None = None
    overdue: bool | None = None
