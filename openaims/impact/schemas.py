"""API schemas of impact assessments, harms and templates. Field names are the model's and the UI's.

``answers`` is ``{question id: answer}``; the answer's type follows the question's kind (text: string, choice:
one of the options, multi_choice: a list of options, yes_no: true/false, scale: a whole number). Read a
template with ``GET /impact-templates/{id}`` to see its questions.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from ninja import Field, Schema

from openaims.base.schemas import LongText, Name, ShortText, json_limits, text
from openaims.impact.choices import AssessmentStatus, FundamentalRight, Reversibility
from openaims.impact.questionnaires import templates

TemplateId = Literal[tuple(sorted(templates()))]  # type: ignore[valid-type]
QuestionId = text(100, 1)
AnswerValue = (
    bool | Annotated[int, Field(ge=-1000, le=1000)] | LongText | Annotated[list[ShortText], Field(max_length=100)]
)
Answers = Annotated[dict[QuestionId, AnswerValue], Field(max_length=500), json_limits(max_bytes=1024 * 1024)]
Rating = Annotated[int, Field(ge=1, le=5)]


class Timestamps(Schema):
    id: uuid.UUID
    created_at: dt.datetime
    updated_at: dt.datetime


# --- Templates ---------------------------------------------------------------------------------------------


class QuestionOut(Schema):
    id: str
    text: str
    kind: Literal["text", "choice", "multi_choice", "yes_no", "scale"]
    required: bool
    help: str
    options: list[str]
    min: int | None = None
    max: int | None = None
    labels: dict[int, str] = {}


class SectionOut(Schema):
    id: str
    title: str
    questions: list[QuestionOut]


class TemplateSummaryOut(Schema):
    id: str
    title: str
    version: int
    basis: str
    description: str
    question_count: int
    required_count: int


class TemplateOut(TemplateSummaryOut):
    sections: list[SectionOut]


# --- Assessments -------------------------------------------------------------------------------------------


class ImpactAssessmentIn(Schema):
    title: Name
    ai_system_id: uuid.UUID
    template_id: TemplateId  # type: ignore[valid-type]
    answers: Answers = Field(default_factory=dict)
    conclusion: LongText = ""
    next_review_date: dt.date | None = None


class ImpactAssessmentPatch(Schema):
    title: Name | None = None
    answers: Answers | None = Field(
        default=None, description="The whole set of answers: it replaces the stored one (drafts only)."
    )
    conclusion: LongText | None = None
    next_review_date: dt.date | None = None


class ImpactAssessmentOut(Timestamps):
    title: str
    ai_system_id: uuid.UUID
    ai_system_name: str
    template_id: str
    template_version: int
    revision: int
    previous_id: uuid.UUID | None
    answers: dict
    conclusion: str
    status: AssessmentStatus
    author_id: uuid.UUID | None
    approved_by_id: uuid.UUID | None
    approved_at: dt.datetime | None
    next_review_date: dt.date | None
    stale: bool
    stale_reason: str
    current: bool = Field(description="Approved, not stale, review date not passed: it counts for readiness.")
    blocker: str = Field(description="Why an approved or due assessment no longer counts ('' when it does).")
    missing_required: list[str] = Field(description="Ids of required questions not yet answered.")

    @staticmethod
    def resolve_ai_system_name(obj) -> str:
        return obj.ai_system.name

    @staticmethod
    def resolve_missing_required(obj) -> list[str]:
        template = obj.template
        return [q.id for q in template.missing_required(obj.answers)] if template else []


class ImpactAssessmentFilters(Schema):
    q: ShortText | None = None
    ai_system_id: uuid.UUID | None = None
    template_id: TemplateId | None = None  # type: ignore[valid-type]
    status: AssessmentStatus | None = None
    stale: bool | None = None
    due: bool | None = Field(default=None, description="Approved or due assessments that need reassessment.")


class NoteIn(Schema):
    note: LongText = ""


class MarkDueOut(Schema):
    marked: list[uuid.UUID]


# --- Harms -------------------------------------------------------------------------------------------------


class HarmIn(Schema):
    description: LongText = Field(min_length=1)
    assessment_id: uuid.UUID
    affected_groups: LongText = ""
    rights_affected: Annotated[list[FundamentalRight], Field(max_length=50)] = Field(default_factory=list)
    severity: Rating = 3
    likelihood: Rating = 3
    reversibility: Reversibility = Reversibility.REVERSIBLE
    mitigations: LongText = ""
    linked_risk_id: uuid.UUID | None = None


class HarmPatch(Schema):
    description: LongText | None = None
    affected_groups: LongText | None = None
    rights_affected: Annotated[list[FundamentalRight], Field(max_length=50)] | None = None
    severity: Rating | None = None
    likelihood: Rating | None = None
    reversibility: Reversibility | None = None
    mitigations: LongText | None = None
    linked_risk_id: uuid.UUID | None = None


class HarmOut(Timestamps):
    description: str
    assessment_id: uuid.UUID
    affected_groups: str
    rights_affected: list[str]
    severity: int
    likelihood: int
    reversibility: Reversibility
    mitigations: str
    linked_risk_id: uuid.UUID | None
    linked_risk_title: str | None

    @staticmethod
    def resolve_linked_risk_title(obj) -> str | None:
        return obj.linked_risk.title if obj.linked_risk_id else None


class HarmFilters(Schema):
    q: ShortText | None = None
    assessment_id: uuid.UUID | None = None
    ai_system_id: uuid.UUID | None = None
    min_severity: Rating | None = None
    linked: bool | None = Field(default=None, description="Linked to a risk in the register (true) or not (false).")


class HarmToRiskIn(Schema):
    owner_id: uuid.UUID | None = Field(
        default=None, description="The risk owner (a user id); default: the AI system's owner."
    )


class HarmLinkRiskIn(Schema):
    risk_id: uuid.UUID | None = Field(description="A risk of the register, or null to unlink.")
