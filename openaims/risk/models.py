"""Risk criteria (6.1.1), the AI risk register (6.1.2, 8.2) and risk treatment with its actions (6.1.3, 8.3)."""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from openaims.base.models import BaseModel, colour_badge
from openaims.risk import scoring
from openaims.risk.choices import (
    BADGE_COLOURS,
    OPEN_STATUSES,
    ActionStatus,
    RiskLevel,
    RiskStatus,
    TreatmentOption,
    level_above,
)

#: A status badge coloured by this app's ``BADGE_COLOURS``.
badge_html = functools.partial(colour_badge, BADGE_COLOURS)


@functools.cache
def annex_c(kind: str) -> dict[str, str]:
    """``{id: title}`` of the Annex C ``objective`` or ``risk-source`` items of ISO/IEC 42001."""
    from openaims.catalog import get_framework

    return {item.id: item.title for item in get_framework("iso42001").of_kind(kind)}


def risk_sources() -> dict[str, str]:
    return annex_c("risk-source")


def objectives() -> dict[str, str]:
    return annex_c("objective")


def _default_likelihood_labels() -> list[str]:
    return scoring.default_labels("likelihood", scoring.DEFAULT_SIZE)


def _default_consequence_labels() -> list[str]:
    return scoring.default_labels("consequence", scoring.DEFAULT_SIZE)


def _default_matrix() -> list[list[str]]:
    return scoring.default_matrix(scoring.DEFAULT_SIZE, scoring.DEFAULT_SIZE)


def _labels_problem(labels, name: str) -> str | None:
    if not isinstance(labels, list) or not scoring.MIN_SCALE <= len(labels) <= scoring.MAX_SCALE:
        return f"The {name} scale must have {scoring.MIN_SCALE} to {scoring.MAX_SCALE} points."
    if any(not isinstance(label, str) or not label.strip() or len(label) > 60 for label in labels):
        return f"Every {name} label must be text of 1 to 60 characters."
    if len({label.strip().lower() for label in labels}) != len(labels):
        return f"The {name} labels must differ from each other."
    return None


class RiskCriteria(BaseModel):
    """How the organization rates AI risks (6.1.1): the scales, the matrix of levels, the acceptance threshold.

    One per organization. Until it is saved, the default (5×5, threshold medium) applies.
    """

    likelihood_labels = models.JSONField(
        default=_default_likelihood_labels, help_text="Likelihood scale, lowest first (3 to 7 points)."
    )
    consequence_labels = models.JSONField(
        default=_default_consequence_labels, help_text="Consequence scale, lowest first (3 to 7 points)."
    )
    matrix = models.JSONField(
        default=_default_matrix, help_text="matrix[likelihood - 1][consequence - 1] is the level of that cell."
    )
    acceptance_threshold = models.CharField(
        max_length=10,
        choices=RiskLevel.choices,
        default=scoring.DEFAULT_THRESHOLD,
        help_text="The highest level a risk owner may accept without escalation to an admin or owner.",
    )
    methodology = models.TextField(
        blank=True, help_text="How risks are identified and rated, and how often they are reviewed."
    )
    review_interval_days = models.PositiveIntegerField(
        default=365, help_text="Default time between risk reviews, in days (sets a new risk's review date)."
    )

    class Meta:
        verbose_name = "risk criteria"
        verbose_name_plural = "risk criteria"
        constraints = [models.UniqueConstraint(fields=["organization"], name="uniq_risk_criteria")]

    def __str__(self) -> str:
        size = f"{self.likelihood_size}×{self.consequence_size}"
        return f"Risk criteria ({size}, accept up to {self.acceptance_threshold})"

    @property
    def defined(self) -> bool:
        """Saved by the organization (False while the default applies)."""
        return not self._state.adding

    @property
    def likelihood_size(self) -> int:
        return len(self.likelihood_labels or [])

    @property
    def consequence_size(self) -> int:
        return len(self.consequence_labels or [])

    def level(self, likelihood: int | None, consequence: int | None) -> str:
        return scoring.level_of(self.matrix, likelihood, consequence)

    def clean(self) -> None:
        errors = {}
        for name, labels in (("likelihood", self.likelihood_labels), ("consequence", self.consequence_labels)):
            if problem := _labels_problem(labels, name):
                errors[f"{name}_labels"] = problem
        if not errors:
            problems = scoring.matrix_problems(self.matrix, self.likelihood_size, self.consequence_size)
            if problems:
                errors["matrix"] = problems
        if self.review_interval_days is not None and not 1 <= self.review_interval_days <= 3660:
            errors["review_interval_days"] = "Must be between 1 and 3660 days."
        if errors:
            raise ValidationError(errors)


class Risk(BaseModel):
    """One AI risk: what can go wrong with which AI systems, how likely and how bad, and how it is treated."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    ai_systems = models.ManyToManyField("inventory.AISystem", blank=True, related_name="risks")
    risk_source = models.CharField(
        max_length=300,
        blank=True,
        help_text="An Annex C risk source id (e.g. C.3.4), or the organization's own source in words.",
    )
    affected_objectives = models.JSONField(
        default=list, blank=True, help_text="Annex C objective ids the risk threatens (e.g. C.2.5 fairness)."
    )
    consequences = models.TextField(blank=True, help_text="What happens, and to whom, if the risk occurs.")
    likelihood = models.PositiveSmallIntegerField(help_text="Inherent likelihood on the criteria's scale (1 = lowest).")
    consequence = models.PositiveSmallIntegerField(
        help_text="Inherent consequence on the criteria's scale (1 = lowest)."
    )
    inherent_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_risks"
    )
    treatment_option = models.CharField(max_length=10, choices=TreatmentOption.choices, blank=True)
    treatment_plan = models.TextField(blank=True, help_text="How the risk is treated; the actions are listed below.")
    controls = models.ManyToManyField(
        "controls.SoAEntry", blank=True, related_name="risks", help_text="Annex A (or own) controls that treat it."
    )
    evidence = models.ManyToManyField(
        "evidence.Evidence", blank=True, related_name="risks", help_text="What shows the assessment and treatment."
    )
    residual_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_consequence = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True, editable=False)
    acceptance_rationale = models.TextField(blank=True, help_text="Why the remaining risk is acceptable.")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_date = models.DateField(null=True, blank=True, help_text="When the risk is next reviewed.")
    status = models.CharField(max_length=20, choices=RiskStatus.choices, default=RiskStatus.IDENTIFIED)

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "review_date"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def level(self) -> str:
        """The level that counts now: residual once rated, else inherent."""
        return self.residual_level or self.inherent_level

    def get_level_display(self) -> str:
        return RiskLevel(self.level).label if self.level else "Not rated"

    @property
    def review_overdue(self) -> bool:
        return (
            (self.status in OPEN_STATUSES or self.status == RiskStatus.ACCEPTED)
            and self.review_date is not None
            and self.review_date < timezone.localdate()
        )

    @property
    def risk_source_label(self) -> str:
        """``C.3.4 Risk sources related to machine learning``, or the organization's own words."""
        title = risk_sources().get(self.risk_source)
        return f"{self.risk_source} {title}" if title else self.risk_source

    @property
    def objective_labels(self) -> list[str]:
        titles = objectives()
        return [f"{oid} {titles.get(oid, '')}".strip() for oid in self.affected_objectives or []]

    @property
    def ai_system_names(self) -> str:
        return ", ".join(s.name for s in self.ai_systems.all())

    # Badges for the register's columns (the generic badge tag knows only the inventory's colours).
    @property
    def level_badge(self) -> str:
        return badge_html(self.level, self.get_level_display())

    @property
    def inherent_badge(self) -> str:
        return badge_html(self.inherent_level, self.get_inherent_level_display() or "—")

    @property
    def residual_badge(self) -> str:
        return badge_html(self.residual_level, self.get_residual_level_display()) if self.residual_level else "—"

    @property
    def status_badge(self) -> str:
        return badge_html(self.status, self.get_status_display())

    def above(self, threshold: str) -> bool:
        return level_above(self.level, threshold)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        source = (self.risk_source or "").strip()
        if source.upper().startswith("C.") and source not in risk_sources():
            errors["risk_source"] = (
                f"{source!r} is not an Annex C risk source id ({', '.join(risk_sources())}); "
                "or describe the organization's own source in words."
            )
        if not isinstance(self.affected_objectives, list) or any(
            o not in objectives() for o in self.affected_objectives or []
        ):
            errors["affected_objectives"] = f"Must be a list of Annex C objective ids ({', '.join(objectives())})."
        elif len(set(self.affected_objectives)) != len(self.affected_objectives):
            errors["affected_objectives"] = "Names an objective twice."
        if (self.residual_likelihood is None) != (self.residual_consequence is None):
            missing = "residual_consequence" if self.residual_consequence is None else "residual_likelihood"
            errors[missing] = "Rate residual likelihood and residual consequence together (or neither)."
        if self.status == RiskStatus.TREATING and not self.treatment_option:
            errors["treatment_option"] = "Choose a treatment option before the risk is being treated."
        if errors:
            raise ValidationError(errors)


class RiskAction(BaseModel):
    """One action of a risk's treatment plan: what, who, by when, done or not."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_risk_actions"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    completed_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "risk action"
        ordering = ["due_date", "description"]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def status_badge(self) -> str:
        return badge_html(self.status, self.get_status_display())

    @property
    def overdue(self) -> bool:
        return self.status == ActionStatus.OPEN and self.due_date is not None and self.due_date < timezone.localdate()
