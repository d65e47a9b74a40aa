"""API schemas of the management review (9.3). Field names are the model's, the UI's and the CLI's.

``chair_id``, ``attendees`` and ``owner_id`` are user ids (``user_id`` of ``/members``). Status, the day held, the
frozen inputs and the minutes are set by OpenAIMS (``/hold``, ``/issue``, ``/close``, ``/cancel``), never sent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ninja import Field, Schema

from openaims.audits.schemas import Ids, Timestamps
from openaims.base.schemas import LongText, Name, ShortText, text
from openaims.management_review.choices import ManagementReviewStatus, ReviewActionStatus, ReviewDecisionCategory

RequiredText = text(20000, 1)


def _drop_nulls(data: dict, names: tuple[str, ...]) -> dict:
    for name in names:
        if name in data and data[name] is None:
            del data[name]
    return data


# --- Reviews --------------------------------------------------------------------------------------------------


class ManagementReviewIn(Schema):
    title: Name
    planned_for: dt.date
    interval_months: int = Field(12, ge=1, le=36, description="Months until the next review is due after this one.")
    chair_id: uuid.UUID | None = None
    attendees: Ids = Field(default_factory=list)
    other_attendees: LongText = ""
    summary: LongText = ""


class ManagementReviewPatch(Schema):
    title: Name | None = None
    planned_for: dt.date | None = None
    interval_months: int | None = Field(None, ge=1, le=36)
    chair_id: uuid.UUID | None = None
    attendees: Ids | None = None
    other_attendees: LongText | None = None
    summary: LongText | None = None

    def model_dump(self, *args, **kwargs):
        data = _drop_nulls(super().model_dump(*args, **kwargs), ("title", "planned_for", "interval_months"))
        if "attendees" in data and data["attendees"] is None:
            data["attendees"] = []
        return data


class ManagementReviewOut(Timestamps):
    reference: str = Field(description="MR-0001: the organization's running number.")
    number: int
    title: str
    planned_for: dt.date
    interval_months: int
    status: ManagementReviewStatus
    overdue: bool = Field(description="Planned, and its planned date has passed.")
    held_on: dt.date | None
    next_due: dt.date | None = Field(description="When the next review is due (held reviews).")
    chair_id: uuid.UUID | None
    attendees: list[uuid.UUID]
    other_attendees: str
    summary: str
    inputs_sha256: str = Field(description="SHA-256 of the frozen inputs (empty while planned).")
    inputs_compiled_at: dt.datetime | None
    minutes_issued_at: dt.datetime | None
    issued_by_id: uuid.UUID | None

    @staticmethod
    def resolve_attendees(obj) -> list[uuid.UUID]:
        return [u.pk for u in obj.attendees.all()]


class ManagementReviewFilters(Schema):
    q: ShortText | None = Field(None, description="Search in the title; or a reference (MR-0002).")
    status: ManagementReviewStatus | None = None
    overdue: bool | None = Field(None, description="Planned and past its planned date (true) or not (false).")


class ManagementReviewHoldIn(Schema):
    held_on: dt.date | None = Field(None, description="The day it was held (default: today).")


class ManagementReviewInputsOut(Schema):
    review_id: uuid.UUID
    frozen: bool = Field(description="True once held: the snapshot; false: a live preview of the records.")
    inputs_sha256: str
    inputs: dict[str, Any]


# --- Decisions ------------------------------------------------------------------------------------------------


class ManagementReviewDecisionIn(Schema):
    text: RequiredText
    review_id: uuid.UUID
    category: ReviewDecisionCategory = ReviewDecisionCategory.IMPROVEMENT


class ManagementReviewDecisionPatch(Schema):
    text: RequiredText | None = None
    category: ReviewDecisionCategory | None = None

    def model_dump(self, *args, **kwargs):
        return _drop_nulls(super().model_dump(*args, **kwargs), ("text", "category"))


class ManagementReviewDecisionOut(Timestamps):
    review_id: uuid.UUID
    category: ReviewDecisionCategory
    text: str


class ManagementReviewDecisionFilters(Schema):
    q: ShortText | None = None
    review_id: uuid.UUID | None = None
    category: ReviewDecisionCategory | None = None


# --- Actions --------------------------------------------------------------------------------------------------


class ManagementReviewActionIn(Schema):
    title: Name
    review_id: uuid.UUID
    decision_id: uuid.UUID | None = None
    owner_id: uuid.UUID
    due_date: dt.date


class ManagementReviewActionPatch(Schema):
    title: Name | None = None
    decision_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    due_date: dt.date | None = None

    def model_dump(self, *args, **kwargs):
        return _drop_nulls(super().model_dump(*args, **kwargs), ("title", "owner_id", "due_date"))


class ManagementReviewActionOut(Timestamps):
    review_id: uuid.UUID
    decision_id: uuid.UUID | None
    title: str
    owner_id: uuid.UUID | None
    due_date: dt.date
    status: ReviewActionStatus
    overdue: bool = Field(description="Open, and its due date has passed.")
    closed_on: dt.date | None
    closing_note: str


class ManagementReviewActionFilters(Schema):
    q: ShortText | None = None
    review_id: uuid.UUID | None = None
    status: ReviewActionStatus | None = None
    owner_id: uuid.UUID | None = None
    overdue: bool | None = Field(None, description="Open and past its due date (true) or not (false).")


class ManagementReviewActionCloseIn(Schema):
    note: RequiredText = Field(description="What was done (close) or why it is cancelled (cancel).")
    closed_on: dt.date | None = Field(None, description="Close: the day it was done (default: today).")
