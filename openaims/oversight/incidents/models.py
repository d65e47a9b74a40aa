"""AI incidents (A.8.4; EU AI Act Art. 73) with their timeline and notification duties, and concerns (A.3.3)."""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import format_html

from openaims.accounts.choices import MEMBER_ROLE_CHOICES, Role
from openaims.base.models import BaseModel, colour_badge
from openaims.oversight.incidents.choices import (
    BADGE_COLOURS,
    COMPUTED_RULES,
    ConcernStatus,
    DutyRule,
    IncidentSeverity,
    IncidentStatus,
    SeriousCategory,
)

#: A status badge coloured by this app's ``BADGE_COLOURS``.
badge_html = functools.partial(colour_badge, BADGE_COLOURS)


class Incident(BaseModel):
    """Something an AI system did (or failed to do) that harmed or could have harmed people, property or rights.

    ``number`` counts per organization (``reference`` INC-0001). It is *serious* (EU AI Act Art. 3(49)) when it
    falls in at least one ``serious_categories``; ``serious`` is kept in step by :meth:`save`. Notification duties
    are computed from these facts and the AI system's tier by the services.
    """

    number = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=200)
    ai_system = models.ForeignKey(
        "inventory.AISystem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
        verbose_name="AI system",
    )
    severity = models.CharField(max_length=10, choices=IncidentSeverity.choices, default=IncidentSeverity.MEDIUM)
    description = models.TextField("what happened")
    serious_categories = models.JSONField(
        "serious incident categories",
        default=list,
        blank=True,
        help_text="EU AI Act Art. 3(49): any of them makes it a serious incident.",
    )
    serious = models.BooleanField("serious incident", default=False, editable=False)
    involves_death = models.BooleanField("a person died", default=False)
    widespread_infringement = models.BooleanField(
        default=False, help_text="EU AI Act Art. 3(61): infringes EU law protecting people in several Member States."
    )
    personal_data_breach = models.BooleanField(default=False, help_text="GDPR Art. 4(12): notify within 72 hours.")
    affected_count = models.PositiveIntegerField("people affected", null=True, blank=True)
    affected_description = models.TextField("who was affected", blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True, help_text="When it happened, if known.")
    detected_at = models.DateTimeField(
        "became aware at",
        default=timezone.now,
        help_text="When the organization became aware: deadlines count from it.",
    )
    status = models.CharField(max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    containment = models.TextField(blank=True, help_text="What was done to stop the harm and limit its effects.")
    nonconformities = models.ManyToManyField(
        "audits.Nonconformity", blank=True, related_name="incidents", help_text="Corrective actions run through these."
    )

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="uniq_incident_number")]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"INC-{self.number:04d}" if self.number else "INC-?"

    @property
    def status_badge(self) -> str:
        return badge_html(self.status, self.get_status_display())

    @property
    def severity_badge(self) -> str:
        label = self.get_severity_display()
        if self.serious:
            return format_html("{} {}", badge_html(self.severity, label), badge_html("critical", "serious"))
        return badge_html(self.severity, label)

    @property
    def notification_badge(self) -> str:
        """Overdue when a notification duty is past its deadline and not sent (annotated by the selectors)."""
        overdue = getattr(self, "has_overdue_duty", None)
        if overdue is None:
            overdue = self.duties.filter(sent_at__isnull=True, deadline__lt=timezone.now()).exists()
        return badge_html("overdue", "overdue") if overdue else "—"

    @property
    def serious_category_labels(self) -> list[str]:
        labels = dict(SeriousCategory.choices)
        return [labels.get(value, value) for value in self.serious_categories or []]

    def save(self, *args, **kwargs):
        self.serious = bool(self.serious_categories)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        categories = self.serious_categories
        if not isinstance(categories, list) or any(c not in SeriousCategory.values for c in categories or []):
            errors["serious_categories"] = f"Must be a list of: {', '.join(SeriousCategory.values)}."
        elif len(set(categories)) != len(categories):
            errors["serious_categories"] = "Names a category twice."
        elif self.involves_death and SeriousCategory.HEALTH not in categories:
            errors["involves_death"] = "A death is a serious incident: add the category 'health' too."
        now = timezone.now()
        if self.detected_at and self.detected_at > now + dt.timedelta(minutes=5):
            errors["detected_at"] = "Must not be in the future."
        if self.occurred_at and self.detected_at and self.occurred_at > self.detected_at:
            errors["occurred_at"] = "Must not be after the time the organization became aware of it."
        if self.status != IncidentStatus.OPEN and not (self.containment or "").strip():
            errors["containment"] = f"Required once the incident is {self.get_status_display().lower()}."
        if errors:
            raise ValidationError(errors)


class IncidentTimelineEntry(BaseModel):
    """One step of an incident's handling: when, what, by whom. Append-only: never changed, never deleted alone."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(default=timezone.now)
    what = models.TextField()
    by = models.CharField(max_length=300, editable=False, help_text="Who recorded it.")
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        verbose_name = "incident timeline entry"
        verbose_name_plural = "incident timeline entries"
        ordering = ["at", "created_at"]

    def __str__(self) -> str:
        text = " ".join(self.what.split())
        return f"{self.at:%Y-%m-%d %H:%M} {text[:60]}" + ("…" if len(text) > 60 else "")


class NotificationDuty(BaseModel):
    """A notification an incident requires: to whom, on what legal basis, by when; and when it was sent.

    Duties of a computed rule (EU AI Act Art. 73, GDPR Art. 33) are kept in step with the incident by the services
    while unsent; a person adds others (rule ``manual``).
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="duties")
    rule = models.CharField(max_length=20, choices=DutyRule.choices, default=DutyRule.MANUAL, editable=False)
    recipient = models.CharField(max_length=300, help_text="The authority or person to notify.")
    legal_basis = models.CharField(max_length=300, blank=True)
    deadline = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    reference = models.CharField(
        max_length=200, blank=True, help_text="The recipient's or our reference of the report."
    )
    notes = models.TextField(blank=True)
    evidence = models.ManyToManyField("evidence.Evidence", blank=True, related_name="notification_duties")

    class Meta:
        verbose_name = "notification duty"
        verbose_name_plural = "notification duties"
        ordering = ["deadline"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "rule"],
                condition=models.Q(rule__in=COMPUTED_RULES),
                name="uniq_computed_duty_per_incident",
            )
        ]
        indexes = [models.Index(fields=["organization", "sent_at", "deadline"])]

    def __str__(self) -> str:
        return f"{self.recipient[:80]} by {timezone.localtime(self.deadline):%Y-%m-%d %H:%M}"

    @property
    def sent(self) -> bool:
        return self.sent_at is not None

    @property
    def overdue(self) -> bool:
        return self.sent_at is None and self.deadline < timezone.now()

    @property
    def sent_late(self) -> bool:
        return self.sent_at is not None and self.sent_at > self.deadline

    @property
    def computed(self) -> bool:
        return self.rule in COMPUTED_RULES

    @property
    def state_badge(self) -> str:
        if self.sent_at is not None:
            return badge_html("late" if self.sent_late else "sent", "sent late" if self.sent_late else "sent")
        return badge_html("overdue", "overdue") if self.overdue else badge_html("due", "due")


class ConcernSettings(BaseModel):
    """How an organization handles concerns: which role triages them (owners and admins always may)."""

    triage_role = models.CharField(max_length=20, choices=MEMBER_ROLE_CHOICES, default=Role.MANAGER)

    class Meta:
        verbose_name = "concern settings"
        verbose_name_plural = "concern settings"
        constraints = [models.UniqueConstraint(fields=["organization"], name="uniq_concern_settings")]

    def __str__(self) -> str:
        return f"Concerns triaged by {self.get_triage_role_display()}"


class Concern(BaseModel):
    """A concern about an AI system raised by anyone through the public form (A.3.3).

    Anonymous by default: no IP address, user agent or user is stored; ``contact`` only if the reporter gave it.
    The reporter follows up with a secret code of which only the SHA-256 hash is kept.
    """

    number = models.PositiveIntegerField(editable=False)
    ai_system = models.ForeignKey(
        "inventory.AISystem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="concerns",
        verbose_name="AI system",
        help_text="Empty: other or unknown.",
    )
    description = models.TextField("concern")
    contact = models.CharField(max_length=300, blank=True, help_text="Only if the reporter chose to give it.")
    follow_up_hash = models.CharField(max_length=64, editable=False)
    status = models.CharField(max_length=20, choices=ConcernStatus.choices, default=ConcernStatus.RECEIVED)
    triage_note = models.TextField(blank=True, help_text="Internal: never shown to the reporter.")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="concerns")
    nonconformity = models.ForeignKey(
        "audits.Nonconformity", null=True, blank=True, on_delete=models.SET_NULL, related_name="concerns"
    )

    # The contact and the code's hash stay out of the trail, which is never erased.
    trail_fields = ("number", "ai_system", "description", "status", "triage_note", "incident", "nonconformity")

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="uniq_concern_number"),
            models.UniqueConstraint(fields=["follow_up_hash"], name="uniq_concern_follow_up_hash"),
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        text = " ".join(self.description.split())
        return f"{self.reference} {text[:60]}" + ("…" if len(text) > 60 else "")

    @property
    def short_description(self) -> str:
        text = " ".join(self.description.split())
        return text[:100] + ("…" if len(text) > 100 else "")

    @property
    def reference(self) -> str:
        return f"CON-{self.number:04d}" if self.number else "CON-?"

    @property
    def status_badge(self) -> str:
        return badge_html(self.status, self.get_status_display())


class ConcernReply(BaseModel):
    """A reply of the organization to the reporter of a concern, shown on the follow-up page."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="replies")
    text = models.TextField()
    by = models.CharField(max_length=300, editable=False, help_text="Who wrote it (not shown to the reporter).")

    class Meta:
        verbose_name = "concern reply"
        verbose_name_plural = "concern replies"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return " ".join(self.text.split())[:80]
