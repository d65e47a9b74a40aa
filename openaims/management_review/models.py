"""The management review (9.3): reviews planned at intervals, the inputs each one considered (compiled from the
records when it is held and frozen, with their SHA-256), its decisions, and the actions it gave owners and due dates,
tracked to closure."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.html import format_html

from openaims.base.models import BaseModel, colour_badge
from openaims.base.trail import canonical_json
from openaims.management_review.choices import (
    BADGE_COLOURS,
    ManagementReviewStatus,
    ReviewActionStatus,
    ReviewDecisionCategory,
)

badge_html = functools.partial(colour_badge, BADGE_COLOURS)


def format_review_reference(number: int | None) -> str:
    return f"MR-{number:04d}" if number else "MR-?"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` calendar months on (the 31st becomes the month's last day when it has fewer)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def inputs_digest(inputs: dict) -> str:
    """The SHA-256 of a snapshot of inputs, over its canonical JSON (sorted keys, no spaces, UTF-8)."""
    return hashlib.sha256(canonical_json(inputs).encode("utf-8")).hexdigest()


class ManagementReview(BaseModel):
    """One management review: planned for a date, held by top management (chair and attendees), the inputs it
    considered frozen when held, its summary, and its minutes once issued (after which it is a record).

    ``number`` counts per organization (``reference`` MR-0001). ``interval_months`` says when the next review is
    due after this one. ``inputs`` is the snapshot compiled from the records when it was held, ``inputs_sha256``
    its digest (:func:`inputs_digest`).
    """

    number = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=200)
    planned_for = models.DateField(help_text="The date the review is planned for.")
    interval_months = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text="Months until the next review is due after this one.",
    )
    status = models.CharField(
        max_length=16, choices=ManagementReviewStatus.choices, default=ManagementReviewStatus.PLANNED, editable=False
    )
    held_on = models.DateField(null=True, blank=True, editable=False)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chaired_management_reviews",
        help_text="The member of top management who chairs the review.",
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="attended_management_reviews", help_text="Members present."
    )
    other_attendees = models.TextField(blank=True, help_text="Guests and attendees who are not members.")
    summary = models.TextField(blank=True, help_text="The review's conclusions and notes.")
    inputs = models.JSONField(default=dict, blank=True, editable=False)
    inputs_sha256 = models.CharField("inputs SHA-256", max_length=64, blank=True, editable=False)
    inputs_compiled_at = models.DateTimeField(null=True, blank=True, editable=False)
    minutes_issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    # The frozen inputs are recorded by their digest: the snapshot itself would fill the trail.
    trail_fields = (
        "number",
        "title",
        "planned_for",
        "interval_months",
        "status",
        "held_on",
        "chair",
        "attendees",
        "other_attendees",
        "summary",
        "inputs_sha256",
        "inputs_compiled_at",
        "minutes_issued_at",
        "issued_by",
    )

    class Meta:
        verbose_name = "management review"
        ordering = ["-planned_for", "-number"]
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="uniq_management_review_number")]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return format_review_reference(self.number)

    @property
    def is_held(self) -> bool:
        return self.status != ManagementReviewStatus.PLANNED

    @property
    def overdue(self) -> bool:
        """Planned, and its planned date has passed."""
        return self.status == ManagementReviewStatus.PLANNED and self.planned_for < timezone.localdate()

    @property
    def review_date(self) -> dt.date:
        """The day it was held, else the day it is planned for."""
        return self.held_on or self.planned_for

    @property
    def next_due(self) -> dt.date | None:
        """When the next review is due: ``interval_months`` after the day it was held (None while planned)."""
        return add_months(self.held_on, self.interval_months) if self.held_on else None

    @property
    def inputs_intact(self) -> bool:
        """Whether the frozen inputs still match their recorded SHA-256."""
        return bool(self.inputs_sha256) and inputs_digest(self.inputs) == self.inputs_sha256

    @property
    def status_badge(self) -> str:
        badge = badge_html(self.status, self.get_status_display())
        return format_html('{} <span class="badge badge-red">overdue</span>', badge) if self.overdue else badge


class ReviewDecision(BaseModel):
    """A decision of a management review: an improvement, a change to the AIMS, a resource need, or other."""

    review = models.ForeignKey(ManagementReview, on_delete=models.CASCADE, related_name="decisions")
    category = models.CharField(
        max_length=16, choices=ReviewDecisionCategory.choices, default=ReviewDecisionCategory.IMPROVEMENT
    )
    text = models.TextField("decision", help_text="What was decided.")

    class Meta:
        verbose_name = "management review decision"
        ordering = ["review", "created_at"]

    def __str__(self) -> str:
        label = self.text.strip().splitlines()[0] if self.text.strip() else "decision"
        return label[:80] + ("…" if len(label) > 80 else "")

    @property
    def label(self) -> str:
        """The decision's first line, shortened (the list's link)."""
        return str(self)


class ReviewAction(BaseModel):
    """An action a management review gave an owner and a due date; tracked to closure (done with a note, or
    cancelled), and listed in the inputs of the next review."""

    review = models.ForeignKey(ManagementReview, on_delete=models.CASCADE, related_name="actions")
    decision = models.ForeignKey(
        ReviewDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_actions"
    )
    due_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=ReviewActionStatus.choices, default=ReviewActionStatus.OPEN, editable=False
    )
    closed_on = models.DateField(null=True, blank=True, editable=False)
    closing_note = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = "management review action"
        ordering = ["due_date", "created_at"]
        indexes = [models.Index(fields=["organization", "status", "due_date"])]

    def __str__(self) -> str:
        return self.title

    @property
    def overdue(self) -> bool:
        return self.status == ReviewActionStatus.OPEN and self.due_date < timezone.localdate()

    @property
    def status_badge(self) -> str:
        badge = badge_html(self.status, self.get_status_display())
        return format_html('{} <span class="badge badge-red">overdue</span>', badge) if self.overdue else badge

    def clean(self) -> None:
        if self.review_id and self.due_date and self.due_date < self.review.review_date:
            raise ValidationError({"due_date": f"Must not be before the review ({self.review.review_date})."})
        if self.decision_id and self.review_id and self.decision.review_id != self.review_id:
            raise ValidationError({"decision": "Must be a decision of the same review."})
