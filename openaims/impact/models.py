"""AI system impact assessments (6.1.4, 8.4, A.5): answers to a template, harms, approval and reassessment."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from openaims.base.models import BaseModel
from openaims.impact.choices import STANDING_STATUSES, AssessmentStatus, Likelihood, Reversibility, Severity
from openaims.impact.questionnaires import get_template, templates


def validate_template_id(value: str) -> None:
    if get_template(value) is None:
        raise ValidationError(f"No template {value!r} (use {', '.join(sorted(templates()))}).")


class ImpactAssessment(BaseModel):
    """One revision of the impact assessment of an AI system against one template.

    Only drafts change. An approved (or due) assessment is revised by starting a new draft revision that copies
    its answers and harms; approving the revision supersedes the one before, so the approved text stays as
    approved and the trail shows who changed what between revisions.
    """

    ai_system = models.ForeignKey(
        "inventory.AISystem", on_delete=models.PROTECT, related_name="impact_assessments", verbose_name="AI system"
    )
    template_id = models.CharField("template", max_length=50, validators=[validate_template_id])
    template_version = models.PositiveIntegerField(default=1, editable=False)
    title = models.CharField(max_length=200)
    revision = models.PositiveIntegerField(default=1, editable=False)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    answers = models.JSONField(
        default=dict, blank=True, help_text="{question id: answer}, checked against the template."
    )
    conclusion = models.TextField(blank=True, help_text="The overall result: acceptable as is, with measures, or not.")
    status = models.CharField(
        max_length=25, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT, editable=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_review_date = models.DateField(
        null=True, blank=True, help_text="When it is next due for reassessment (a year after approval if empty)."
    )
    stale = models.BooleanField(default=False, editable=False, help_text="The AI system changed since it was made.")
    stale_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["ai_system__name", "template_id", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "ai_system", "template_id", "revision"], name="uniq_impact_assessment_revision"
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"{self.title} (rev. {self.revision})"

    @property
    def template(self):
        return get_template(self.template_id)

    @property
    def template_title(self) -> str:
        template = self.template
        return template.title if template else self.template_id

    @property
    def review_overdue(self) -> bool:
        return self.next_review_date is not None and self.next_review_date < timezone.localdate()

    @property
    def current(self) -> bool:
        """Approved, not stale and not past its review date: the assessment stands for its system."""
        return self.status == AssessmentStatus.APPROVED and not self.stale and not self.review_overdue

    @property
    def blocker(self) -> str:
        """Why this standing assessment no longer counts ('' when it does or is not a standing one)."""
        if self.status not in STANDING_STATUSES:
            return ""
        if self.stale:
            return self.stale_reason or "marked stale"
        if self.status == AssessmentStatus.DUE or self.review_overdue:
            return f"review date {self.next_review_date} passed" if self.next_review_date else "due for reassessment"
        return ""

    def clean(self) -> None:
        template = self.template
        if template is None:
            return  # the field validator names the problem
        errors = template.answer_errors(self.answers)
        if errors:
            raise ValidationError({"answers": errors})


class Harm(BaseModel):
    """A harm an assessment identified: who it hits, which rights, how bad and how likely, what mitigates it."""

    assessment = models.ForeignKey(ImpactAssessment, on_delete=models.CASCADE, related_name="harms")
    description = models.TextField(help_text="What could happen, to whom, in which situation.")
    affected_groups = models.TextField(blank=True, help_text="The people or groups who would suffer it.")
    rights_affected = models.JSONField(default=list, blank=True, help_text="Fundamental rights it touches.")
    severity = models.PositiveSmallIntegerField(
        choices=Severity.choices, default=Severity.MODERATE, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    likelihood = models.PositiveSmallIntegerField(
        choices=Likelihood.choices,
        default=Likelihood.POSSIBLE,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    reversibility = models.CharField(max_length=20, choices=Reversibility.choices, default=Reversibility.REVERSIBLE)
    mitigations = models.TextField(blank=True, help_text="Measures that prevent it or limit its consequences.")
    linked_risk = models.ForeignKey(
        "risk.Risk",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="harms",
        help_text="The risk in the register that treats this harm.",
    )

    class Meta:
        ordering = ["assessment", "-severity", "-likelihood", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(severity__gte=1, severity__lte=5), name="harm_severity_1_5"),
            models.CheckConstraint(condition=Q(likelihood__gte=1, likelihood__lte=5), name="harm_likelihood_1_5"),
        ]

    def __str__(self) -> str:
        text = " ".join(self.description.split())
        return text if len(text) <= 80 else text[:79] + "…"

    @property
    def rights_labels(self) -> list[str]:
        from openaims.impact.choices import FundamentalRight

        return [FundamentalRight(v).label if v in FundamentalRight.values else v for v in self.rights_affected]

    @property
    def score(self) -> int:
        return self.severity * self.likelihood

    def clean(self) -> None:
        from openaims.impact.choices import FundamentalRight

        value = self.rights_affected
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError({"rights_affected": ["Must be a list of rights."]})
        unknown = [v for v in value if v not in FundamentalRight.values]
        if unknown:
            raise ValidationError(
                {"rights_affected": [f"Unknown right {unknown[0]!r} (use {', '.join(FundamentalRight.values)})."]}
            )
        if len(set(value)) != len(value):
            raise ValidationError({"rights_affected": ["A right is listed twice."]})
