"""API schemas of the risk register. Field names are the model's, the UI's and the CLI's.

``owner_id`` is a user id (``user_id`` of ``/members``); ``ai_systems`` are AI system ids and ``controls`` SoA entry
ids (``/soa/entries``). ``risk_source`` is an Annex C risk source id (C.3.1 … C.3.7) or the organization's own words;
``affected_objectives`` are Annex C objective ids (C.2.1 … C.2.11). Ratings are whole numbers on the scales of the
organization's risk criteria (``/risk-criteria``); the levels are computed, never sent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from ninja import Field, Schema

from openaims.base.prefetch import ids_of
from openaims.base.schemas import LongText, Name, ShortText, text
from openaims.risk.choices import RiskActionStatus, RiskLevel, RiskStatus, TreatmentOption

Ids = Annotated[list[uuid.UUID], Field(max_length=500)]
Rating = Annotated[int, Field(ge=1, le=7, description="On the criteria's scale: 1 (lowest) to its size (3-7).")]
ObjectiveIds = Annotated[list[text(20, 1)], Field(max_length=20)]
Source = text(300)
Label = text(60, 1)


class Timestamps(Schema):
    id: uuid.UUID
    created_at: dt.datetime
    updated_at: dt.datetime


# --- Risks -----------------------------------------------------------------------------------------------


class RiskIn(Schema):
    title: Name
    description: LongText = ""
    ai_systems: Ids = Field(default_factory=list)
    risk_source: Source = ""
    affected_objectives: ObjectiveIds = Field(default_factory=list)
    consequences: LongText = ""
    likelihood: Rating
    consequence: Rating
    owner_id: uuid.UUID | None = None
    treatment_option: TreatmentOption | None = None
    treatment_plan: LongText = ""
    controls: Ids = Field(default_factory=list)
    evidence: Ids = Field(default_factory=list)
    residual_likelihood: Rating | None = None
    residual_consequence: Rating | None = None
    review_date: dt.date | None = None
    status: RiskStatus = RiskStatus.IDENTIFIED

    def model_dump(self, *args, **kwargs):
        data = super().model_dump(*args, **kwargs)
        if "treatment_option" in data and data["treatment_option"] is None:
            data["treatment_option"] = ""
        return data


class RiskPatch(Schema):
    title: Name | None = None
    description: LongText | None = None
    ai_systems: Ids | None = None
    risk_source: Source | None = None
    affected_objectives: ObjectiveIds | None = None
    consequences: LongText | None = None
    likelihood: Rating | None = None
    consequence: Rating | None = None
    owner_id: uuid.UUID | None = None
    treatment_option: TreatmentOption | None = None
    treatment_plan: LongText | None = None
    controls: Ids | None = None
    evidence: Ids | None = None
    residual_likelihood: Rating | None = None
    residual_consequence: Rating | None = None
    review_date: dt.date | None = None
    status: RiskStatus | None = None

    def model_dump(self, *args, **kwargs):
        data = super().model_dump(*args, **kwargs)
        for name in ("title", "description", "risk_source", "consequences", "treatment_plan", "status"):
            if name in data and data[name] is None:
                data[name] = "" if name != "status" else None
        if "status" in data and data["status"] is None:
            del data["status"]
        if "treatment_option" in data and data["treatment_option"] is None:
            data["treatment_option"] = ""
        for name in ("affected_objectives",):
            if name in data and data[name] is None:
                data[name] = []
        return data


class RiskOut(Timestamps):
    title: str
    description: str
    ai_systems: list[uuid.UUID]
    risk_source: str
    risk_source_label: str
    affected_objectives: list[str]
    consequences: str
    likelihood: int
    consequence: int
    inherent_level: RiskLevel | None
    owner_id: uuid.UUID | None
    treatment_option: TreatmentOption | None
    treatment_plan: str
    controls: list[uuid.UUID]
    evidence: list[uuid.UUID]
    residual_likelihood: int | None
    residual_consequence: int | None
    residual_level: RiskLevel | None
    level: RiskLevel | None = Field(description="The level that counts now: residual once rated, else inherent.")
    above_threshold: bool = Field(description="The level is above the acceptance threshold of the risk criteria.")
    acceptance_rationale: str
    accepted_by_id: uuid.UUID | None
    accepted_at: dt.datetime | None
    review_date: dt.date | None
    review_overdue: bool
    status: RiskStatus

    @staticmethod
    def resolve_ai_systems(obj) -> list[uuid.UUID]:
        return ids_of(obj, "ai_systems")

    @staticmethod
    def resolve_controls(obj) -> list[uuid.UUID]:
        return ids_of(obj, "controls")

    @staticmethod
    def resolve_evidence(obj) -> list[uuid.UUID]:
        return ids_of(obj, "evidence")

    @staticmethod
    def resolve_inherent_level(obj):
        return obj.inherent_level or None

    @staticmethod
    def resolve_residual_level(obj):
        return obj.residual_level or None

    @staticmethod
    def resolve_level(obj):
        return obj.level or None

    @staticmethod
    def resolve_treatment_option(obj):
        return obj.treatment_option or None

    @staticmethod
    def resolve_above_threshold(obj) -> bool:
        from openaims.risk.scoring import DEFAULT_THRESHOLD
        from openaims.risk.selectors import criteria_for

        if hasattr(obj, "criteria_threshold"):  # annotated by selectors.with_threshold
            threshold = obj.criteria_threshold or DEFAULT_THRESHOLD
        else:
            threshold = criteria_for(obj.organization).acceptance_threshold
        return obj.above(threshold)


class RiskFilters(Schema):
    q: ShortText | None = None
    status: RiskStatus | None = None
    level: RiskLevel | None = Field(None, description="Residual level once rated, else inherent.")
    inherent_level: RiskLevel | None = None
    residual_level: RiskLevel | None = None
    likelihood: Rating | None = None
    consequence: Rating | None = None
    residual_likelihood: Rating | None = None
    residual_consequence: Rating | None = None
    owner_id: uuid.UUID | None = None
    ai_system_id: uuid.UUID | None = None
    treatment_option: TreatmentOption | None = None
    overdue: bool | None = Field(None, description="Past its review date (true) or not (false).")
    untreated: bool | None = Field(None, description="Open with no treatment decided (true) or not (false).")


class RiskAcceptIn(Schema):
    rationale: LongText = Field("", description="Why the remaining risk is acceptable; required above the threshold.")


# --- Actions ---------------------------------------------------------------------------------------------


class RiskActionIn(Schema):
    risk_id: uuid.UUID
    description: text(500, 1)
    owner_id: uuid.UUID | None = None
    due_date: dt.date | None = None
    status: RiskActionStatus = RiskActionStatus.OPEN


class RiskActionPatch(Schema):
    description: text(500, 1) | None = None
    owner_id: uuid.UUID | None = None
    due_date: dt.date | None = None
    status: RiskActionStatus | None = None


class RiskActionOut(RiskActionIn, Timestamps):
    description: str
    completed_on: dt.date | None
    overdue: bool


class RiskActionFilters(Schema):
    q: ShortText | None = None
    risk_id: uuid.UUID | None = None
    status: RiskActionStatus | None = None
    owner_id: uuid.UUID | None = None
    overdue: bool | None = None


# --- Criteria --------------------------------------------------------------------------------------------

Labels = Annotated[list[Label], Field(min_length=3, max_length=7)]
Matrix = Annotated[
    list[Annotated[list[RiskLevel], Field(min_length=3, max_length=7)]], Field(min_length=3, max_length=7)
]


class RiskCriteriaIn(Schema):
    """Every field optional: what is left out stays. A scale that changes size without a matrix gets the default."""

    likelihood_labels: Labels | None = None
    consequence_labels: Labels | None = None
    matrix: Matrix | None = Field(None, description="matrix[likelihood - 1][consequence - 1] is that cell's level.")
    acceptance_threshold: RiskLevel | None = None
    methodology: LongText | None = None
    review_interval_days: Annotated[int, Field(ge=1, le=3660)] | None = None


class RiskCriteriaOut(Schema):
    defined: bool = Field(description="False while the default criteria apply (none saved yet).")
    likelihood_labels: list[str]
    consequence_labels: list[str]
    matrix: list[list[RiskLevel]]
    acceptance_threshold: RiskLevel
    methodology: str
    review_interval_days: int
    updated_at: dt.datetime | None

    @staticmethod
    def resolve_updated_at(obj):
        return obj.updated_at if obj.defined else None


class LevelChangeOut(Schema):
    risk_id: uuid.UUID
    title: str
    inherent_before: RiskLevel | None
    inherent_after: RiskLevel | None
    residual_before: RiskLevel | None
    residual_after: RiskLevel | None
    acceptance_withdrawn: bool


class RiskCriteriaChangeOut(Schema):
    criteria: RiskCriteriaOut
    rescored: int = Field(description="How many risks were re-scored.")
    changed: list[LevelChangeOut] = Field(description="The risks whose inherent or residual level changed.")
