"""API schemas of the inventory. Field names are the model's, the UI's and the CLI's."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Field, Schema

from openaims.base.prefetch import ids_of
from openaims.base.schemas import LongText, Name, ShortText, Tag
from openaims.inventory.choices import (
    AIRole,
    AutomationLevel,
    HumanOversight,
    LifecycleStage,
    ModelVersionStatus,
    SupplierAssessment,
)


class AISystemBase(Schema):
    purpose: ShortText = ""
    intended_use: LongText = ""
    description: LongText = ""
    owner_id: uuid.UUID | None = None
    business_unit: ShortText = ""
    ai_roles: list[AIRole] = Field(default_factory=list, max_length=5)
    in_scope: bool = True
    scope_reason: LongText = ""
    deployment_context: LongText = ""
    affected_stakeholders: LongText = ""
    human_oversight: HumanOversight = HumanOversight.IN_THE_LOOP
    automation_level: AutomationLevel = AutomationLevel.ADVISORY
    uses_personal_data: bool = False
    personal_data_categories: LongText = ""
    tags: list[Tag] = Field(default_factory=list, max_length=50)
    datasets: list[uuid.UUID] = Field(default_factory=list, max_length=500)
    suppliers: list[uuid.UUID] = Field(default_factory=list, max_length=500)


class AISystemIn(AISystemBase):
    name: Name
    purpose: ShortText
    lifecycle_stage: LifecycleStage = LifecycleStage.IDEA


class AISystemPatch(Schema):
    """Fields left out stay as they are; null is refused except on owner_id (no owner)."""

    name: Name = None
    purpose: ShortText = None
    intended_use: LongText = None
    description: LongText = None
    owner_id: uuid.UUID | None = None
    business_unit: ShortText = None
    ai_roles: list[AIRole] = Field(default=None, max_length=5)
    in_scope: bool = None
    scope_reason: LongText = None
    deployment_context: LongText = None
    affected_stakeholders: LongText = None
    human_oversight: HumanOversight = None
    automation_level: AutomationLevel = None
    uses_personal_data: bool = None
    personal_data_categories: LongText = None
    tags: list[Tag] = Field(default=None, max_length=50)
    datasets: list[uuid.UUID] = Field(default=None, max_length=500)
    suppliers: list[uuid.UUID] = Field(default=None, max_length=500)


class AISystemOut(AISystemBase):
    id: uuid.UUID
    name: str
    business_unit: str
    lifecycle_stage: LifecycleStage
    deployment_approved_by_id: uuid.UUID | None
    deployment_approved_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_datasets(obj) -> list[uuid.UUID]:
        return ids_of(obj, "datasets")

    @staticmethod
    def resolve_suppliers(obj) -> list[uuid.UUID]:
        return ids_of(obj, "suppliers")


class AISystemFilters(Schema):
    q: ShortText | None = Field(default=None, description="Search in name, purpose, description and business unit.")
    lifecycle_stage: LifecycleStage | None = None
    in_scope: bool | None = None
    owner_id: uuid.UUID | None = None
    tag: Tag | None = None
    human_oversight: HumanOversight | None = None
    ai_role: AIRole | None = None


class TransitionIn(Schema):
    to_stage: LifecycleStage
    reason: LongText = ""


class ModelVersionIn(Schema):
    ai_system_id: uuid.UUID
    version: Name
    source: ShortText = ""
    training_data: LongText = ""
    released_on: dt.date | None = None
    status: ModelVersionStatus = ModelVersionStatus.CANDIDATE
    metrics_summary: LongText = ""


class ModelVersionPatch(Schema):
    version: Name | None = None
    source: ShortText | None = None
    training_data: LongText | None = None
    released_on: dt.date | None = None
    status: ModelVersionStatus | None = None
    metrics_summary: LongText | None = None


class ModelVersionOut(ModelVersionIn):
    id: uuid.UUID
    version: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ModelVersionFilters(Schema):
    ai_system_id: uuid.UUID | None = None
    status: ModelVersionStatus | None = None
    q: ShortText | None = None


class DatasetIn(Schema):
    name: Name
    source: ShortText = ""
    provenance: LongText = ""
    contains_personal_data: bool = False
    quality_notes: LongText = ""
    licence: ShortText = ""


class DatasetPatch(Schema):
    name: Name | None = None
    source: ShortText | None = None
    provenance: LongText | None = None
    contains_personal_data: bool | None = None
    quality_notes: LongText | None = None
    licence: ShortText | None = None


class DatasetOut(DatasetIn):
    id: uuid.UUID
    name: str
    licence: str
    created_at: dt.datetime
    updated_at: dt.datetime


class DatasetFilters(Schema):
    q: ShortText | None = None
    contains_personal_data: bool | None = None


class SupplierIn(Schema):
    name: Name
    supplies: LongText = ""
    contract_reference: ShortText = ""
    assessment_status: SupplierAssessment = SupplierAssessment.NOT_ASSESSED


class SupplierPatch(Schema):
    name: Name | None = None
    supplies: LongText | None = None
    contract_reference: ShortText | None = None
    assessment_status: SupplierAssessment | None = None


class SupplierOut(SupplierIn):
    id: uuid.UUID
    name: str
    created_at: dt.datetime
    updated_at: dt.datetime


class SupplierFilters(Schema):
    q: ShortText | None = None
    assessment_status: SupplierAssessment | None = None
