"""API schemas of the review queue. Field names are the model's, the UI's and the CLI's.

Blind items answer ``ai_output``, ``confidence`` and ``explanation`` as null until decided, so a reviewer reading
the API sees what the review page shows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from ninja import Field, Schema

from openaims.base.schemas import DateTime, LongText, Name, ShortText, json_value, text
from openaims.oversight.reviews.choices import DecisionAction, ReviewLevel, ReviewStatus, RuleKind

Outcome = text(200, 1)
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Number = Annotated[float, Field(ge=-1e15, le=1e15, allow_inf_nan=False)]
SmallJson = json_value(max_bytes=20_000)
GroupValue = text(200) | Annotated[int, Field(ge=-(10**15), le=10**15)] | Number | bool


class Timestamps(Schema):
    id: uuid.UUID
    created_at: dt.datetime
    updated_at: dt.datetime


# --- Routing rules -----------------------------------------------------------------------------------------


class RoutingRuleIn(Schema):
    ai_system_id: uuid.UUID
    name: Name
    kind: RuleKind = RuleKind.ALL
    threshold: Number | None = Field(None, description="low_confidence: route decisions with confidence below this.")
    adverse_outcomes: Annotated[list[Outcome], Field(max_length=100)] = Field(
        default_factory=list, description="adverse_outcome: the AI outputs that are adverse."
    )
    share: Share | None = Field(None, description="random_sample, group_sample: the share reviewed (0-1).")
    attribute: text(100) = Field("", description="group_sample: the subject group attribute.")
    value: text(200) = Field("", description="group_sample: the attribute's value.")
    active: bool = True
    order: Annotated[int, Field(ge=0, le=10**6)] = 10


class RoutingRulePatch(Schema):
    name: Name | None = None
    kind: RuleKind | None = None
    threshold: Number | None = None
    adverse_outcomes: Annotated[list[Outcome], Field(max_length=100)] | None = None
    share: Share | None = None
    attribute: text(100) | None = None
    value: text(200) | None = None
    active: bool | None = None
    order: Annotated[int, Field(ge=0, le=10**6)] | None = None

    def model_dump(self, *args, **kwargs):
        data = super().model_dump(*args, **kwargs)
        for name in ("name", "kind", "active", "order"):  # not nullable: null means "leave as is"
            if name in data and data[name] is None:
                del data[name]
        for name in ("attribute", "value"):
            if name in data and data[name] is None:
                data[name] = ""
        if "adverse_outcomes" in data and data["adverse_outcomes"] is None:
            data["adverse_outcomes"] = []
        return data


class RoutingRuleOut(Timestamps):
    ai_system_id: uuid.UUID
    name: str
    kind: RuleKind
    threshold: float | None
    adverse_outcomes: list[str]
    share: float | None
    attribute: str
    value: str
    active: bool
    order: int


class RoutingRuleFilters(Schema):
    q: ShortText | None = None
    ai_system_id: uuid.UUID | None = None
    kind: RuleKind | None = None
    active: bool | None = None


# --- Review settings ---------------------------------------------------------------------------------------


class ReviewSettingsIn(Schema):
    ai_system_id: uuid.UUID
    hours_to_decide: Annotated[int, Field(ge=1, le=8760)] = 24
    blind_share: Share = 0.0
    webhook_url: text(500) = ""
    webhook_secret: text(200) = Field("", description="Write-only: signs the webhooks (at least 16 characters).")


class ReviewSettingsPatch(Schema):
    hours_to_decide: Annotated[int, Field(ge=1, le=8760)] | None = None
    blind_share: Share | None = None
    webhook_url: text(500) | None = None
    webhook_secret: text(200) | None = Field(None, description="Write-only; empty or absent keeps the stored one.")

    def model_dump(self, *args, **kwargs):
        data = super().model_dump(*args, **kwargs)
        for name in ("hours_to_decide", "blind_share"):
            if name in data and data[name] is None:
                del data[name]
        return data


class ReviewSettingsOut(Timestamps):
    ai_system_id: uuid.UUID
    hours_to_decide: int
    blind_share: float
    webhook_url: str
    webhook_secret_set: bool

    @staticmethod
    def resolve_webhook_secret_set(obj) -> bool:
        return bool(obj.webhook_secret)


class ReviewSettingsFilters(Schema):
    q: ShortText | None = None
    ai_system_id: uuid.UUID | None = None


# --- Review items ------------------------------------------------------------------------------------------


class ReviewSubmitIn(Schema):
    decision_id: text(200, 1) = Field(description="The AI system's own id of the decision.")
    idempotency_key: text(200) = Field("", description="Unique per AI system (default: the decision id).")
    input_summary: SmallJson = Field(default_factory=dict, description="What the AI decided on: text or JSON.")
    ai_output: Outcome = Field(description="What the AI decided, e.g. approve or reject.")
    confidence: Number | None = Field(None, description="The AI's confidence or score.")
    explanation: SmallJson = Field(
        default_factory=dict, description="Feature contributions ({feature: weight}) or reasons (a list of text)."
    )
    subject_groups: Annotated[dict[text(100, 1), GroupValue], Field(max_length=50)] = Field(
        default_factory=dict, description='The subject\'s group attributes, e.g. {"sex": "female"}.'
    )


class ReviewDecisionOut(Schema):
    id: uuid.UUID
    reviewer_id: uuid.UUID | None
    reviewer_label: str
    reviewer_role: str
    action: DecisionAction
    outcome: str
    reason: str
    level: ReviewLevel
    blind: bool
    created_at: dt.datetime


class ReviewItemOut(Timestamps):
    ai_system_id: uuid.UUID
    decision_id: str
    idempotency_key: str
    status: ReviewStatus
    final_outcome: str
    input_summary: Any
    ai_output: str | None = Field(description="Null while a blind item is open.")
    confidence: float | None
    explanation: Any
    subject_groups: dict
    routed_by_id: uuid.UUID | None
    routed_by_kind: RuleKind
    blind: bool
    submitted_at: dt.datetime
    due_at: dt.datetime
    decided_at: dt.datetime | None
    overdue: bool
    assigned_to_id: uuid.UUID | None
    decisions: list[ReviewDecisionOut]

    @staticmethod
    def resolve_ai_output(obj):
        return None if obj.output_hidden else obj.ai_output

    @staticmethod
    def resolve_confidence(obj):
        return None if obj.output_hidden else obj.confidence

    @staticmethod
    def resolve_explanation(obj):
        return None if obj.output_hidden else obj.explanation

    @staticmethod
    def resolve_decisions(obj):
        return list(obj.decisions.all())


class ReviewSubmitOut(Schema):
    routed: bool = Field(description="False: no routing rule sent the decision to a person; nothing was stored.")
    created: bool = Field(description="False with routed true: a retry; the first item is returned.")
    review: ReviewItemOut | None


class ReviewDecisionIn(Schema):
    action: DecisionAction
    outcome: Outcome | None = Field(None, description="Override: the new outcome. Blind items: the reviewer's outcome.")
    reason: LongText = Field("", description="Required to override or escalate, and on blind items.")


class ReviewFilters(Schema):
    ai_system_id: uuid.UUID | None = None
    status: ReviewStatus | None = None
    open: bool | None = Field(None, description="Pending or escalated (true), or decided (false).")
    overdue: bool | None = Field(None, description="Open and past its due time (true) or not (false).")
    blind: bool | None = None
    decision_id: text(200) | None = None


# --- Oversight metrics -------------------------------------------------------------------------------------


class OversightFigures(Schema):
    items: int
    decided: int
    overrides: int
    override_rate: float | None
    override_rate_ci: list[float] | None = Field(description="Wilson 95% interval.")
    escalated: int
    median_hours_to_decision: float | None
    p90_hours_to_decision: float | None
    queue_length: int
    overdue: int = Field(description="Open items past their due time now.")
    decided_late: int
    overdue_share: float | None = Field(description="(overdue + decided late) / items.")
    blind_decided: int
    blind_agreements: int
    blind_agreement: float | None
    blind_agreement_ci: list[float] | None


class OversightMetricsOut(Schema):
    ai_system_id: uuid.UUID
    start: dt.datetime | None
    end: dt.datetime | None
    overall: OversightFigures
    by_reviewer: dict[str, OversightFigures]
    by_group: dict[str, OversightFigures]


class OversightMetricsQuery(Schema):
    start: DateTime | None = Field(None, description="Items submitted from (inclusive); UTC unless a zone is given.")
    end: DateTime | None = Field(None, description="Items submitted before (exclusive).")
