"""API schemas of the transparency app. Field names are the model's, the UI's and the CLI's.

``interested_party_id`` is an interested party of the governance register; ``owner_id`` a user id (``/members``);
``evidence_id`` an evidence item. ``next_due_date`` is derived from the first due date, the frequency and the
records sent, never sent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Field, Schema

from openaims.base.schemas import LongText, Name, ShortText, text
from openaims.oversight.transparency.choices import CardSection, Frequency

Summary = text(20000, 1)


class Timestamps(Schema):
    id: uuid.UUID
    created_at: dt.datetime
    updated_at: dt.datetime


# --- Cards ---------------------------------------------------------------------------------------------------


class CardQuery(Schema):
    format: Literal["json", "markdown", "html", "pdf"] = "json"


class CardSettingsIn(Schema):
    limitations: LongText | None = None
    foreseeable_misuse: LongText | None = None
    contact: ShortText | None = None

    def model_dump(self, *args, **kwargs):
        return {k: v for k, v in super().model_dump(*args, **kwargs).items() if v is not None}


class CardSettingsOut(Schema):
    ai_system_id: uuid.UUID
    limitations: str = ""
    foreseeable_misuse: str = ""
    contact: str = ""
    updated_at: dt.datetime | None = None


class PublicationIn(Schema):
    published: bool | None = None
    public_sections: list[CardSection] | None = Field(None, max_length=len(CardSection.values))


class PublicationOut(Schema):
    ai_system_id: uuid.UUID
    published: bool = False
    public_sections: list[CardSection] = Field(default_factory=list)
    published_at: dt.datetime | None = None
    trust_url: str = Field(description="The organization's public trust page.")


# --- Reporting obligations and records (A.8.5) ---------------------------------------------------------------


class ReportingObligationIn(Schema):
    ai_system_id: uuid.UUID
    title: Name
    description: LongText = ""
    interested_party_id: uuid.UUID | None = None
    recipient: ShortText = ""
    frequency: Frequency = Frequency.YEARLY
    first_due_date: dt.date | None = None
    owner_id: uuid.UUID | None = None


class ReportingObligationPatch(Schema):
    ai_system_id: uuid.UUID | None = None
    title: Name | None = None
    description: LongText | None = None
    interested_party_id: uuid.UUID | None = None
    recipient: ShortText | None = None
    frequency: Frequency | None = None
    first_due_date: dt.date | None = None
    owner_id: uuid.UUID | None = None

    def model_dump(self, *args, **kwargs):
        data = super().model_dump(*args, **kwargs)
        for name in ("ai_system_id", "title", "frequency"):  # not nullable: null means "leave as is"
            if name in data and data[name] is None:
                del data[name]
        for name in ("description", "recipient"):
            if name in data and data[name] is None:
                data[name] = ""
        return data


class ReportingObligationOut(Timestamps):
    ai_system_id: uuid.UUID
    title: str
    description: str
    interested_party_id: uuid.UUID | None
    recipient: str
    to_whom: str = Field(description="The interested party's name, or the recipient in words.")
    frequency: Frequency
    first_due_date: dt.date | None
    next_due_date: dt.date | None = Field(description="Derived: first due date, frequency and records sent.")
    overdue: bool
    owner_id: uuid.UUID | None


class ReportingObligationFilters(Schema):
    q: str | None = None
    ai_system_id: uuid.UUID | None = None
    interested_party_id: uuid.UUID | None = None
    frequency: Frequency | None = None
    owner_id: uuid.UUID | None = None
    overdue: bool | None = None


class ReportingRecordIn(Schema):
    obligation_id: uuid.UUID
    sent_on: dt.date | None = None
    summary: Summary
    evidence_id: uuid.UUID | None = None


class ReportingRecordPatch(Schema):
    sent_on: dt.date | None = None
    summary: LongText | None = None
    evidence_id: uuid.UUID | None = None

    def model_dump(self, *args, **kwargs):
        data = super().model_dump(*args, **kwargs)
        for name in ("sent_on", "summary"):
            if name in data and data[name] is None:
                del data[name]
        return data


class ReportingRecordOut(Timestamps):
    obligation_id: uuid.UUID
    sent_on: dt.date
    summary: str
    evidence_id: uuid.UUID | None


class ReportingRecordFilters(Schema):
    q: str | None = None
    obligation_id: uuid.UUID | None = None
    ai_system_id: uuid.UUID | None = None
