"""API schemas of evidence. Field names are the model's, the UI's and the CLI's."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Field, Schema

from openaims.base.schemas import LongText, Name, Problem, ShortText, text
from openaims.evidence.choices import EvidenceKind

Url = text(1000)
RecordType = text(100)
RecordId = text(64)


class EvidenceFields(Schema):
    """What every way of making evidence shares."""

    description: LongText = ""
    collected_on: dt.date | None = Field(default=None, description="When it was collected (default: today).")
    valid_until: dt.date | None = Field(default=None, description="After this day the item counts as expired.")
    owner_id: uuid.UUID | None = Field(default=None, description="A member of the organization.")
    ai_systems: list[uuid.UUID] = Field(default_factory=list, max_length=500, description="Linked AI systems.")


class EvidenceIn(EvidenceFields):
    """A link or a record of OpenAIMS as evidence. Files are sent to ``POST /evidence/upload``."""

    title: Name
    kind: Literal["url", "record"] = "url"
    url: Url = Field(default="", description="For kind 'url': the address (http or https).")
    record_type: RecordType = Field(default="", description="For kind 'record': app.model, e.g. inventory.aisystem.")
    record_id: RecordId = Field(default="", description="For kind 'record': the record's id.")


class EvidenceUploadIn(EvidenceFields):
    """The form fields sent with an uploaded file."""

    title: Name


class EvidencePatch(Schema):
    """Fields left out stay as they are; null clears only what may be empty (valid_until, owner_id)."""

    title: Name | None = None
    description: LongText | None = None
    url: Url | None = None
    record_type: RecordType | None = None
    record_id: RecordId | None = None
    collected_on: dt.date | None = None
    valid_until: dt.date | None = None
    owner_id: uuid.UUID | None = None
    ai_systems: list[uuid.UUID] = Field(default=None, max_length=500)


class EvidenceOut(Schema):
    id: uuid.UUID
    title: str
    description: str
    kind: EvidenceKind
    url: str
    file_name: str
    file_size: int | None
    file_sha256: str
    content_type: str
    download_url: str | None = Field(description="Where the file is served (file items only).")
    record_type: str
    record_id: str
    collected_on: dt.date
    valid_until: dt.date | None
    is_expired: bool = Field(description="Past its valid-until date.")
    owner_id: uuid.UUID | None
    ai_systems: list[uuid.UUID]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_ai_systems(obj) -> list[uuid.UUID]:
        return [s.pk for s in obj.ai_systems.all()]

    @staticmethod
    def resolve_download_url(obj) -> str | None:
        return f"/api/v1/evidence/{obj.pk}/download" if obj.has_file else None


class EvidenceFilters(Schema):
    q: ShortText | None = Field(default=None, description="Search in title, description, file name, URL, or a SHA-256.")
    kind: EvidenceKind | None = None
    expired: bool | None = Field(default=None, description="true: only expired items; false: only unexpired ones.")
    expiring_within_days: int | None = Field(default=None, ge=1, le=3660, description="Expires in the next N days.")
    ai_system_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None


UPLOAD_ERRORS = {
    400: Problem,
    401: Problem,
    403: Problem,
    404: Problem,
    413: Problem,
    415: Problem,
    422: Problem,
}
