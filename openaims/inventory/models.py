"""AI systems and what they are made of."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from openaims.base.models import BaseModel
from openaims.inventory.choices import (
    AIRole,
    AutomationLevel,
    EUAIActTier,
    HumanOversight,
    LifecycleStage,
    ModelVersionStatus,
    SupplierAssessment,
)


def validate_string_list(value, allowed: set[str] | None = None, what: str = "value") -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Must be a list of strings.")
    if allowed is not None:
        bad = [v for v in value if v not in allowed]
        if bad:
            raise ValidationError(f"Unknown {what}: {', '.join(bad)} (allowed: {', '.join(sorted(allowed))}).")


def validate_ai_roles(value) -> None:
    validate_string_list(value, set(AIRole.values), "AI role")


def validate_tags(value) -> None:
    validate_string_list(value)
    for tag in value:
        if not tag or len(tag) > 50 or any(c in tag for c in ',"\\') or tag != tag.strip():
            raise ValidationError(f"Invalid tag {tag!r}: 1-50 characters, no commas, quotes or surrounding spaces.")


class Dataset(BaseModel):
    """Data used to train, validate, test or run an AI system (A.7)."""

    name = models.CharField(max_length=200)
    source = models.CharField(max_length=300, blank=True, help_text="Where the data comes from.")
    provenance = models.TextField(blank=True, help_text="How it was collected, by whom, under which terms.")
    contains_personal_data = models.BooleanField(default=False)
    quality_notes = models.TextField(blank=True)
    licence = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="uniq_dataset_name")]

    def __str__(self) -> str:
        return self.name


class Supplier(BaseModel):
    """A third party that supplies models, data, components or services for AI systems (A.10)."""

    name = models.CharField(max_length=200)
    supplies = models.TextField(blank=True, help_text="What they supply.")
    contract_reference = models.CharField(max_length=200, blank=True)
    assessment_status = models.CharField(
        max_length=20, choices=SupplierAssessment.choices, default=SupplierAssessment.NOT_ASSESSED
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="uniq_supplier_name")]

    def __str__(self) -> str:
        return self.name


class AISystem(BaseModel):
    """An AI system the organization provides, develops or uses: the unit of the inventory (4.3, A.4)."""

    name = models.CharField(max_length=200)
    purpose = models.CharField(max_length=500, help_text="What the system is for, in one sentence.")
    intended_use = models.TextField(blank=True, help_text="Who uses it, for what decisions, in which setting.")
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_ai_systems"
    )
    business_unit = models.CharField(max_length=200, blank=True)
    lifecycle_stage = models.CharField(max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.IDEA)
    ai_roles = models.JSONField("AI roles", default=list, blank=True, validators=[validate_ai_roles])
    in_scope = models.BooleanField(default=True, help_text="Inside the scope of the AI management system.")
    scope_reason = models.TextField(blank=True, help_text="Why it is in or out of scope.")
    deployment_context = models.TextField(blank=True)
    affected_stakeholders = models.TextField(blank=True)
    human_oversight = models.CharField(
        max_length=20, choices=HumanOversight.choices, default=HumanOversight.IN_THE_LOOP
    )
    automation_level = models.CharField(
        max_length=20, choices=AutomationLevel.choices, default=AutomationLevel.ADVISORY
    )
    uses_personal_data = models.BooleanField(default=False)
    personal_data_categories = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True, validators=[validate_tags])
    datasets = models.ManyToManyField(Dataset, blank=True, related_name="ai_systems")
    suppliers = models.ManyToManyField(Supplier, blank=True, related_name="ai_systems")
    deployment_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    deployment_approved_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "AI system"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="uniq_ai_system_name")]
        indexes = [models.Index(fields=["organization", "lifecycle_stage"])]

    def __str__(self) -> str:
        return self.name

    @property
    def ai_role_labels(self) -> list[str]:
        return [AIRole(v).label if v in AIRole.values else v for v in self.ai_roles]

    def clean(self) -> None:
        errors = {}
        if not self.in_scope and not self.scope_reason.strip():
            errors["scope_reason"] = "Say why the system is outside the AIMS scope."
        if self.uses_personal_data and not self.personal_data_categories.strip():
            errors["personal_data_categories"] = "Name the categories of personal data used."
        if errors:
            raise ValidationError(errors)


class ModelVersion(BaseModel):
    """One version of the model inside an AI system (A.6.2)."""

    ai_system = models.ForeignKey(AISystem, on_delete=models.CASCADE, related_name="model_versions")
    version = models.CharField(max_length=100)
    source = models.CharField(max_length=300, blank=True, help_text="Where it came from: registry URI, supplier, …")
    training_data = models.TextField(blank=True)
    released_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ModelVersionStatus.choices, default=ModelVersionStatus.CANDIDATE)
    metrics_summary = models.TextField(blank=True, help_text="Headline validation metrics.")

    class Meta:
        ordering = ["ai_system__name", "-released_on", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["ai_system", "version"], name="uniq_model_version")]

    def __str__(self) -> str:
        return f"{self.ai_system.name} {self.version}" if self.ai_system_id else self.version


class Classification(BaseModel):
    """An EU AI Act classification of an AI system: the answers, the result, who classified it and when.

    Each classification is kept; the newest is the current one. It goes stale when the system's purpose changes,
    and stays stale until the system is classified again.
    """

    ai_system = models.ForeignKey(AISystem, on_delete=models.CASCADE, related_name="classifications")
    answers = models.JSONField(default=dict, help_text="Every answer of the questionnaire, defaults included.")
    result = models.JSONField(default=dict, help_text="Tier, basis, transparency cases, obligations, rationale.")
    tier = models.CharField("EU AI Act tier", max_length=20, choices=EUAIActTier.choices)
    basis = models.CharField("legal basis", max_length=500, blank=True, help_text="The primary legal basis.")
    questionnaire_version = models.CharField(max_length=50)
    classified_on = models.DateTimeField()
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    classified_by_label = models.CharField(max_length=300, blank=True)
    stale = models.BooleanField(default=False, help_text="The purpose changed since: classify again.")
    stale_reason = models.TextField(blank=True)

    # The result is derived from the answers by the rules; the trail keeps the answers and the outcome.
    trail_fields = (
        "ai_system",
        "answers",
        "tier",
        "basis",
        "questionnaire_version",
        "classified_on",
        "classified_by",
        "stale",
        "stale_reason",
    )

    class Meta:
        verbose_name = "EU AI Act classification"
        ordering = ["-classified_on", "-created_at"]
        indexes = [models.Index(fields=["ai_system", "-classified_on"])]

    def __str__(self) -> str:
        name = self.ai_system.name if self.ai_system_id else "?"
        return f"{name}: {self.get_tier_display()}"
