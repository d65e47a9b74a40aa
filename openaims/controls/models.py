"""The Statement of Applicability (6.1.3), its issued versions, and the assessments of clause requirements."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from openaims.base.models import BaseModel
from openaims.controls.choices import APPLICABILITY_LABELS, ImplementationStatus, ReadinessStatus

#: Position given to the organization's own controls: after the 38 Annex A controls.
CUSTOM_POSITION = 1000


class SoAEntry(BaseModel):
    """One control of the organization's Statement of Applicability: an Annex A control or one of its own.

    Every organization has one entry per Annex A control (created by ``soa_ensure_entries``); its own controls
    are added with a custom control id. The justification says why a control is excluded, or which risks and
    obligations make it necessary.
    """

    control_id = models.CharField("control id", max_length=50)
    title = models.CharField(max_length=300)
    group_id = models.CharField(
        "Annex A group", max_length=20, blank=True, editable=False, help_text="Empty for the organization's own."
    )
    custom = models.BooleanField(default=False, editable=False, help_text="The organization's own control.")
    position = models.PositiveIntegerField(default=CUSTOM_POSITION, editable=False)
    applicable = models.BooleanField(default=True, help_text="Applicable, or excluded from the AIMS.")
    justification = models.TextField(
        blank=True, help_text="Why it is excluded, or which risks or obligations make it necessary."
    )
    implementation_status = models.CharField(
        max_length=20, choices=ImplementationStatus.choices, default=ImplementationStatus.NOT_STARTED
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_soa_entries"
    )
    evidence = models.ManyToManyField("evidence.Evidence", blank=True, related_name="soa_entries")
    ai_systems = models.ManyToManyField("inventory.AISystem", blank=True, related_name="soa_entries")
    notes = models.TextField(blank=True)
    # The risks a control treats are ``risks`` (``risk.Risk.controls``), shown with the entry.

    trail_fields = (
        "control_id",
        "title",
        "applicable",
        "justification",
        "implementation_status",
        "owner",
        "evidence",
        "ai_systems",
        "notes",
    )

    class Meta:
        verbose_name = "SoA entry"
        verbose_name_plural = "SoA entries"
        ordering = ["position", "control_id"]
        constraints = [models.UniqueConstraint(fields=["organization", "control_id"], name="uniq_soa_control_id")]

    def __str__(self) -> str:
        return f"{self.control_id} {self.title}"

    @property
    def applicability_label(self) -> str:
        return APPLICABILITY_LABELS[self.applicable]


class SoAVersion(BaseModel):
    """An issued, approved version of the Statement of Applicability: a frozen snapshot of all its entries."""

    number = models.PositiveIntegerField()
    snapshot = models.JSONField(default=dict, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by_name = models.CharField(
        max_length=300, editable=False, help_text="The approver as named when the version was issued."
    )
    approved_on = models.DateField()
    issued_by = models.CharField(max_length=300, editable=False, help_text="Who issued it (user, token or CLI).")
    note = models.TextField(blank=True, help_text="What changed, or why this version was issued.")

    trail_fields = ("number", "approved_by", "approved_by_name", "approved_on", "note")

    class Meta:
        verbose_name = "SoA version"
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="uniq_soa_version_number")]

    def __str__(self) -> str:
        return f"SoA v{self.number}"

    @property
    def entries(self) -> list[dict]:
        return list(self.snapshot.get("entries", []))


class RequirementAssessment(BaseModel):
    """A person's assessment of one clause requirement (4-10) that no rule derives from records."""

    requirement_id = models.CharField("requirement id", max_length=20)
    status = models.CharField(max_length=10, choices=ReadinessStatus.choices, default=ReadinessStatus.NOT_MET)
    evidence = models.ManyToManyField("evidence.Evidence", blank=True, related_name="requirement_assessments")
    notes = models.TextField(blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    set_by_label = models.CharField(max_length=300, blank=True, editable=False)

    trail_fields = ("requirement_id", "status", "evidence", "notes", "set_by_label")

    class Meta:
        ordering = ["requirement_id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "requirement_id"], name="uniq_requirement_assessment")
        ]

    def __str__(self) -> str:
        return f"Requirement {self.requirement_id}"
