"""API schemas of the EU AI Act classification; the answers' schema is generated from the questionnaire data."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, create_model

from openaims.classify import Question, questionnaire


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


def _field(question: Question) -> tuple[Any, Any]:
    description = f"{question.text} ({question.citation})."
    if question.help:
        description += f" {question.help}"
    asked = [f"{key} = {value}" for key, value in question.ask_if]
    if asked:
        description += f" Considered only when {' and '.join(asked)}."
    info: dict[str, Any] = {"description": description, "title": question.id}
    if question.type == "boolean":
        annotation: Any = StrictBool
    elif question.type == "number":
        annotation = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
    elif question.type == "choice":
        annotation = Literal[question.choice_values]  # type: ignore[valid-type]
    else:
        item = Literal[question.choice_values]  # type: ignore[valid-type]
        annotation = Annotated[list[item], Field(min_length=1 if question.required else 0, max_length=10)]
    if question.required:
        return annotation, Field(..., **info)
    return annotation, Field(question.default, **info)


def answers_schema() -> type[Schema]:
    """A schema with one field per question (unknown fields are refused), built from ``eu_ai_act.yaml``."""
    q = questionnaire()
    fields = {question.id: _field(question) for question in q.questions.values()}
    model = create_model("EUAIActAnswers", __base__=_Strict, **fields)
    model.__doc__ = (
        f"Answers to the {q.title} questionnaire ({q.regulation}, version {q.version}). Unanswered questions take "
        "their defaults; only `roles` is required."
    )
    return model


EUAIActAnswers = answers_schema()


class LegalRefOut(Schema):
    """One provision: an article (paragraph, point, subparagraph) or an annex (section, point)."""

    citation: str
    article: int | None = None
    paragraph: int | None = None
    point: str | None = None
    subparagraph: int | None = None
    annex: str | None = None
    annex_section: str | None = None
    annex_point: str | None = None


class BasisOut(Schema):
    kind: Literal["tier", "transparency", "derogation", "exclusion", "systemic_risk"]
    citation: str
    references: list[LegalRefOut]
    reason: str


class ObligationOut(Schema):
    id: str
    role: str
    citation: str
    references: list[LegalRefOut]
    text: str
    applies_from: str


Tier = Literal["prohibited", "high_risk", "limited_risk", "minimal", "gpai_model", "out_of_scope"]


class ClassificationResultOut(Schema):
    """The result of the rules: tier, legal basis, Art. 50 cases, obligations per role, rationale and notes."""

    tier: Tier
    tier_label: str
    summary: str
    citation: str
    subject: str
    roles: list[str]
    systemic_risk: bool
    art_6_3_derogation: bool
    basis: list[BasisOut]
    transparency: list[BasisOut]
    obligations: list[ObligationOut]
    rationale: list[str]
    notes: list[str]
    questionnaire_version: str


class ClassificationOut(Schema):
    """A stored classification of an AI system."""

    id: str
    ai_system_id: str
    tier: Tier
    basis: str
    classified_on: str
    classified_by: str
    stale: bool
    stale_reason: str
    questionnaire_version: str
    answers: dict
    result: ClassificationResultOut

    @staticmethod
    def resolve_id(obj) -> str:
        return str(obj.id)

    @staticmethod
    def resolve_ai_system_id(obj) -> str:
        return str(obj.ai_system_id)

    @staticmethod
    def resolve_classified_on(obj) -> str:
        return obj.classified_on.isoformat()

    @staticmethod
    def resolve_classified_by(obj) -> str:
        return obj.classified_by_label or str(obj.classified_by or "")
