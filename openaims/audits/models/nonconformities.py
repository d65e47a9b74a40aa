"""Nonconformities and their corrective actions (10.2): found by monitoring, audits, incidents or complaints,
corrected, and verified effective by a later measurement or by a person with evidence."""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import format_html

from openaims.audits.choices import (
    BADGE_COLOURS,
    CLOSED_STATUSES,
    ActionStatus,
    NonconformitySource,
    NonconformityStatus,
    Severity,
)
from openaims.base.models import BaseModel, colour_badge

#: Catalog kinds a nonconformity may name: clauses (4-10), their requirements, Annex A controls.
REQUIREMENT_KINDS = ("clause", "requirement", "control")


#: A status badge coloured by this app's ``BADGE_COLOURS``.
badge_html = functools.partial(colour_badge, BADGE_COLOURS)


@functools.cache
def requirement_titles() -> dict[str, str]:
    """``{id: title}`` of the ISO/IEC 42001 clauses, clause requirements and Annex A controls."""
    from openaims.catalog import get_framework

    return {item.id: item.title for item in get_framework("iso42001").of_kind(*REQUIREMENT_KINDS)}


def format_reference(number: int | None) -> str:
    return f"NC-{number:04d}" if number else "NC-?"


class Nonconformity(BaseModel):
    """A requirement not fulfilled (10.2): what, where it was found, how bad, who corrects it, and how it was closed.

    ``number`` counts per organization (``reference`` NC-0001). A monitoring nonconformity names its monitor, the run
    that raised it, the latest failing run, and the later passing run that verifies the fix.
    """

    number = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=20, choices=NonconformitySource.choices, default=NonconformitySource.OTHER)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MINOR)
    ai_system = models.ForeignKey(
        "inventory.AISystem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="nonconformities",
        verbose_name="AI system",
    )
    requirement_ids = models.JSONField(
        "requirements",
        default=list,
        blank=True,
        help_text="ISO/IEC 42001 clause, requirement or Annex A control ids it concerns, e.g. 9.1, A.6.2.6.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_nonconformities"
    )
    detected_on = models.DateField(default=timezone.localdate)
    due_date = models.DateField(null=True, blank=True, help_text="When it should be corrected and verified.")
    status = models.CharField(
        max_length=25, choices=NonconformityStatus.choices, default=NonconformityStatus.OPEN, editable=False
    )
    monitor = models.ForeignKey(
        "monitoring.Monitor", null=True, blank=True, on_delete=models.SET_NULL, related_name="nonconformities"
    )
    raised_by_run = models.ForeignKey(
        "monitoring.MetricRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="raised_nonconformities"
    )
    last_failing_run = models.ForeignKey(
        "monitoring.MetricRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The latest run of the monitor that breached a threshold while this was open.",
    )
    verified_by_run = models.ForeignKey(
        "monitoring.MetricRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="verified_nonconformities",
        help_text="A later run of the same monitor that passed.",
    )
    evidence = models.ManyToManyField("evidence.Evidence", blank=True, related_name="nonconformities")
    verification_evidence = models.ManyToManyField(
        "evidence.Evidence",
        blank=True,
        related_name="verified_nonconformities",
        help_text="What a person's verification of effectiveness rests on (given when closing).",
    )
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        help_text="The nonconformity closed as not effective that this one continues.",
    )
    closure_note = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    closed_by_label = models.CharField(max_length=300, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "nonconformity"
        verbose_name_plural = "nonconformities"
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="uniq_nonconformity_number")]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "due_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return format_reference(self.number)

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def overdue(self) -> bool:
        return not self.is_closed and self.due_date is not None and self.due_date < timezone.localdate()

    @property
    def requirement_labels(self) -> list[str]:
        titles = requirement_titles()
        return [f"{rid} {titles.get(rid, '')}".strip() for rid in self.requirement_ids or []]

    @property
    def status_badge(self) -> str:
        return badge_html(self.status, self.get_status_display())

    @property
    def severity_badge(self) -> str:
        return badge_html(self.severity, self.get_severity_display())

    @property
    def due_label(self) -> str:
        if self.due_date is None:
            return "—"
        return (
            format_html('{} <span class="badge badge-red">overdue</span>', self.due_date)
            if self.overdue
            else str(self.due_date)
        )

    def clean(self) -> None:
        errors: dict[str, str] = {}
        ids = self.requirement_ids
        if not isinstance(ids, list) or any(not isinstance(i, str) for i in ids or []):
            errors["requirement_ids"] = "Must be a list of ISO/IEC 42001 clause or Annex A control ids."
        else:
            unknown = [i for i in ids if i not in requirement_titles()]
            if unknown:
                errors["requirement_ids"] = (
                    f"Not an ISO/IEC 42001 clause, requirement or Annex A control id: {', '.join(unknown)} "
                    "(e.g. 9.1, 10.2, A.6.2.6)."
                )
            elif len(set(ids)) != len(ids):
                errors["requirement_ids"] = "Names a requirement twice."
        if self.due_date and self.detected_on and self.due_date < self.detected_on:
            errors["due_date"] = "Must not be before the detection date."
        if errors:
            raise ValidationError(errors)


class CorrectiveAction(BaseModel):
    """What removes the cause of a nonconformity: the root cause found, the action, who, by when, done or not."""

    nonconformity = models.ForeignKey(Nonconformity, on_delete=models.CASCADE, related_name="actions")
    root_cause = models.TextField(blank=True, help_text="Why the nonconformity happened.")
    # Not ``action``: update_record's keyword of that name is the trail action.
    description = models.TextField("action", help_text="What is done to remove the cause, so that it does not recur.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_corrective_actions",
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    completed_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "corrective action"
        ordering = ["due_date", "created_at"]

    def __str__(self) -> str:
        text = " ".join(self.description.split())
        return text[:80] + ("…" if len(text) > 80 else "")

    @property
    def status_badge(self) -> str:
        return badge_html(self.status, self.get_status_display())

    @property
    def overdue(self) -> bool:
        return self.status != ActionStatus.DONE and self.due_date is not None and self.due_date < timezone.localdate()

    def clean(self) -> None:
        if self.completed_on and self.status != ActionStatus.DONE:
            raise ValidationError({"completed_on": "Only a done action has a completion date."})
        if self.completed_on and self.completed_on > timezone.localdate():
            raise ValidationError({"completed_on": "Must not be in the future."})
