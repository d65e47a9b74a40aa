"""Governance records of clauses 4-7: scope, context, interested parties, documents, roles, objectives, competence."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from openaims.base.models import BaseModel
from openaims.governance.choices import (
    DocumentType,
    IssueCategory,
    IssueOrigin,
    ObjectiveStatus,
    PartyKind,
    ScopeStatus,
    VersionStatus,
)


def _past(day) -> bool:
    return day is not None and day < timezone.localdate()


class ReviewDateMixin(models.Model):
    """A record that is due for review on a date; past that date it is overdue."""

    next_review_date = models.DateField(null=True, blank=True, help_text="When the record is next due for review.")

    class Meta:
        abstract = True

    @property
    def review_overdue(self) -> bool:
        return _past(self.next_review_date)


class ScopeStatement(BaseModel):
    """The boundaries of the AI management system (4.3), versioned; one approved statement is in force at a time."""

    version = models.CharField(max_length=50, help_text="e.g. 1, 2 or 2025-1.")
    statement = models.TextField(help_text="What the AI management system covers, in a few sentences.")
    organizational_units = models.TextField(blank=True, help_text="Business units, teams and functions covered.")
    sites = models.TextField(blank=True, help_text="Locations and legal entities covered.")
    lifecycle_activities = models.TextField(
        blank=True, help_text="AI life cycle activities covered (design, development, operation, use, …)."
    )
    exclusions = models.TextField(blank=True, help_text="What is left out, each with the reason.")
    interfaces = models.TextField(
        blank=True, help_text="Interfaces and dependencies on activities outside the scope (suppliers, other units)."
    )
    status = models.CharField(max_length=20, choices=ScopeStatus.choices, default=ScopeStatus.DRAFT, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "version"], name="uniq_scope_statement_version"),
            models.UniqueConstraint(
                fields=["organization"], condition=Q(status="approved"), name="one_approved_scope_statement"
            ),
        ]

    def __str__(self) -> str:
        return f"Scope statement v{self.version}"


class ContextIssue(ReviewDateMixin, BaseModel):
    """An internal or external issue that shapes what the AI management system must achieve (4.1)."""

    title = models.CharField(max_length=200)
    origin = models.CharField(max_length=10, choices=IssueOrigin.choices, help_text="Internal or external.")
    category = models.CharField(max_length=20, choices=IssueCategory.choices)
    description = models.TextField(blank=True)
    effect_on_aims = models.TextField("effect on the AIMS", blank=True, help_text="How it affects the AIMS.")

    class Meta:
        ordering = ["origin", "category", "title"]
        indexes = [models.Index(fields=["organization", "next_review_date"])]

    def __str__(self) -> str:
        return self.title


class InterestedParty(ReviewDateMixin, BaseModel):
    """Someone with a stake in the AI management system, with their needs and how the AIMS meets them (4.2)."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=PartyKind.choices)
    needs_and_expectations = models.TextField(blank=True)
    compliance_obligation = models.BooleanField(
        default=False, help_text="Their requirements are treated as compliance obligations."
    )
    how_addressed = models.TextField(blank=True, help_text="How the AIMS addresses their needs.")

    class Meta:
        verbose_name_plural = "interested parties"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="uniq_interested_party_name")]

    def __str__(self) -> str:
        return self.name


class Document(ReviewDateMixin, BaseModel):
    """A controlled document (5.2, A.2, 7.5): its versions, the one in force, its owner and review date."""

    title = models.CharField(max_length=200)
    document_type = models.CharField(max_length=20, choices=DocumentType.choices, default=DocumentType.OTHER)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_documents"
    )
    # The approved version in force; before any approval, the newest version. Set by the services only.
    current_version = models.ForeignKey(
        "DocumentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["organization", "title"], name="uniq_document_title")]
        indexes = [models.Index(fields=["organization", "document_type"])]

    def __str__(self) -> str:
        return self.title

    @property
    def current_version_number(self) -> str | None:
        return self.current_version.number if self.current_version_id else None

    @property
    def status(self) -> str | None:
        """The status of the current version (None without versions)."""
        return self.current_version.status if self.current_version_id else None

    def get_status_display(self) -> str:
        return VersionStatus(self.status).label if self.status else "No version"

    @property
    def in_force(self) -> bool:
        """The current version is approved and effective, and the document is not overdue for review."""
        version = self.current_version if self.current_version_id else None
        return (
            version is not None
            and version.status == VersionStatus.APPROVED
            and version.effective_date is not None
            and version.effective_date <= timezone.localdate()
            and not self.review_overdue
        )


class DocumentVersion(BaseModel):
    """One version of a document: content or link, change note, approval and effective date."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.CharField(max_length=50, help_text="e.g. 1.0")
    content = models.TextField(blank=True, help_text="The text, or a summary of it.")
    link = models.URLField(max_length=1000, blank=True, help_text="Where the full document lives.")
    change_note = models.TextField(blank=True, help_text="What changed since the previous version.")
    effective_date = models.DateField(
        null=True, blank=True, help_text="When it takes effect (the approval date if left empty)."
    )
    status = models.CharField(max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["document__title", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="uniq_document_version_number"),
            models.UniqueConstraint(
                fields=["document"], condition=Q(status="approved"), name="one_approved_document_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.title} v{self.number}" if self.document_id else f"v{self.number}"


class AIMSRole(BaseModel):
    """A role of the AI management system (5.3, A.3.2): responsibilities, authority, holders, AI systems covered."""

    name = models.CharField(max_length=200)
    responsibilities = models.TextField()
    authority = models.TextField(blank=True, help_text="What the holder may decide or approve.")
    # Members (memberships), so a person who leaves the organization no longer holds the role.
    holders = models.ManyToManyField("accounts.Membership", blank=True, related_name="aims_roles")
    ai_systems = models.ManyToManyField("inventory.AISystem", blank=True, related_name="aims_roles")

    class Meta:
        verbose_name = "AIMS role"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="uniq_aims_role_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def holder_names(self) -> str:
        return ", ".join(str(m.user) for m in self.holders.all())


class AIObjective(BaseModel):
    """A measurable AI objective (6.2): metric, target value and unit, owner, due date, status, AI systems."""

    objective = models.CharField(max_length=300)
    metric = models.CharField(max_length=200, blank=True, help_text="What is measured, e.g. demographic parity gap.")
    target_value = models.FloatField(null=True, blank=True)
    unit = models.CharField(max_length=50, blank=True, help_text="e.g. %, days, count.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_ai_objectives"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ObjectiveStatus.choices, default=ObjectiveStatus.PLANNED)
    ai_systems = models.ManyToManyField("inventory.AISystem", blank=True, related_name="ai_objectives")
    monitoring = models.TextField(blank=True, help_text="How progress is monitored and how often.")

    class Meta:
        verbose_name = "AI objective"
        ordering = ["due_date", "objective"]

    def __str__(self) -> str:
        return self.objective

    @property
    def measurable(self) -> bool:
        """A metric with a target value, an owner and a due date."""
        return (
            bool(self.metric.strip()) and self.target_value is not None and bool(self.owner_id) and bool(self.due_date)
        )

    @property
    def target(self) -> str:
        if self.target_value is None:
            return ""
        return f"{self.metric}: {self.target_value:g}{(' ' + self.unit) if self.unit else ''}".strip(": ")


class CompetenceRecord(BaseModel):
    """A member's competence or completed training (7.2), with validity and where the evidence is."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="competence_records")
    competence = models.CharField(max_length=300, help_text="The competence or training, e.g. AI risk assessment.")
    completed_on = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    evidence_reference = models.CharField(
        max_length=300, blank=True, help_text="Where the proof is: certificate number, LMS record, file name."
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["member__username", "-completed_on"]

    def __str__(self) -> str:
        return f"{self.competence} ({self.member})" if self.member_id else self.competence

    @property
    def expired(self) -> bool:
        return _past(self.valid_until)

    def clean(self) -> None:
        if self.completed_on and self.valid_until and self.valid_until < self.completed_on:
            raise ValidationError({"valid_until": "Must not be before the completion date."})
