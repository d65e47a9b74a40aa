"""Transparency records: what a card says beyond the inventory, what the trust page publishes, and the reporting
obligations to interested parties with the records of what was sent (A.8.2-A.8.5)."""

from __future__ import annotations

import calendar
import datetime as dt
import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.html import format_html

from openaims.base.models import BaseModel, colour_badge
from openaims.oversight.transparency.choices import BADGE_COLOURS, CARD_SECTIONS, FREQUENCY_MONTHS, Frequency

#: A status badge coloured by this app's ``BADGE_COLOURS``.
badge_html = functools.partial(colour_badge, BADGE_COLOURS)


class CardSettings(BaseModel):
    """What an AI system's card says that no other record holds: its limitations, foreseeable misuse and contact.

    One per AI system, created the first time someone edits the card settings.
    """

    ai_system = models.OneToOneField(
        "inventory.AISystem", on_delete=models.CASCADE, related_name="card_settings", verbose_name="AI system"
    )
    limitations = models.TextField(
        blank=True, help_text="What the system cannot do well: conditions, groups or inputs where it is less reliable."
    )
    foreseeable_misuse = models.TextField(
        blank=True, help_text="Uses it is not meant for that people could reasonably attempt."
    )
    contact = models.CharField(
        max_length=300, blank=True, help_text="Who answers questions about the system: a team mailbox or a web page."
    )

    class Meta:
        verbose_name = "card settings"
        verbose_name_plural = "card settings"

    def __str__(self) -> str:
        return f"Card settings of {self.ai_system.name}" if self.ai_system_id else "Card settings"


def sections_problem(value) -> str | None:
    """Why ``value`` is not a list of card sections, or None."""
    if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
        return "Must be a list of card sections."
    unknown = [v for v in value if v not in CARD_SECTIONS]
    if unknown:
        return f"Not a card section: {', '.join(unknown)} (allowed: {', '.join(CARD_SECTIONS)})."
    if len(set(value)) != len(value):
        return "Names a section twice."
    return None


class PublicationSettings(BaseModel):
    """Whether an AI system's card is on the organization's public trust page, and which sections of it.

    Nothing is public by default: a system without settings, or not published, is not shown; a published system
    shows its name, the card's date and only the sections listed in ``public_sections``.
    """

    ai_system = models.OneToOneField(
        "inventory.AISystem", on_delete=models.CASCADE, related_name="publication", verbose_name="AI system"
    )
    published = models.BooleanField(default=False, help_text="Shown on the public trust page.")
    public_sections = models.JSONField(
        default=list, blank=True, help_text=f"Card sections shown publicly, of: {', '.join(CARD_SECTIONS)}."
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "publication settings"
        verbose_name_plural = "publication settings"
        indexes = [models.Index(fields=["organization", "published"])]

    def __str__(self) -> str:
        return f"Publication of {self.ai_system.name}" if self.ai_system_id else "Publication"

    def clean(self) -> None:
        if problem := sections_problem(self.public_sections):
            raise ValidationError({"public_sections": problem})


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_due_date(frequency: str, first_due_date: dt.date | None, records_sent: int) -> dt.date | None:
    """When an obligation is next due, given how many times it was met.

    Each record of what was sent meets one occurrence: a periodic obligation is next due ``records_sent`` periods
    after its first due date (counted from the first date, so the 31st stays the month's end); a one-off one is
    due until it was sent once; an event-driven one has no date.
    """
    if first_due_date is None or frequency == Frequency.EVENT:
        return None
    if frequency == Frequency.ONCE:
        return first_due_date if records_sent == 0 else None
    return add_months(first_due_date, FREQUENCY_MONTHS[frequency] * records_sent)


class ReportingObligation(BaseModel):
    """Information an interested party is to receive about an AI system (A.8.5): to whom, what, how often, who.

    ``next_due_date`` is derived from the first due date, the frequency and the records sent; services keep it.
    """

    ai_system = models.ForeignKey(
        "inventory.AISystem", on_delete=models.CASCADE, related_name="reporting_obligations", verbose_name="AI system"
    )
    title = models.CharField(max_length=200, help_text="What is reported, in a few words.")
    description = models.TextField(blank=True, help_text="What the information contains, its form and channel.")
    interested_party = models.ForeignKey(
        "governance.InterestedParty",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reporting_obligations",
        help_text="Who receives it, from the register of interested parties…",
    )
    recipient = models.CharField(max_length=300, blank=True, help_text="…or who receives it, in words.")
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.YEARLY)
    first_due_date = models.DateField(
        null=True, blank=True, help_text="When it is due first (not needed when it is sent on an event)."
    )
    next_due_date = models.DateField(null=True, blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_reporting_obligations",
    )

    class Meta:
        verbose_name = "reporting obligation"
        ordering = ["next_due_date", "title"]
        indexes = [models.Index(fields=["organization", "next_due_date"])]

    def __str__(self) -> str:
        return self.title

    @property
    def to_whom(self) -> str:
        return str(self.interested_party) if self.interested_party_id else self.recipient

    @property
    def overdue(self) -> bool:
        return self.next_due_date is not None and self.next_due_date < timezone.localdate()

    @property
    def frequency_badge(self) -> str:
        return badge_html(self.frequency, self.get_frequency_display())

    @property
    def due_label(self) -> str:
        if self.next_due_date is None:
            return "—"
        if self.overdue:
            return format_html('{} <span class="badge badge-red">overdue</span>', self.next_due_date)
        return str(self.next_due_date)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not self.interested_party_id and not self.recipient.strip():
            errors["recipient"] = "Name who receives it: an interested party, or in words."
        if self.frequency != Frequency.EVENT and self.first_due_date is None:
            errors["first_due_date"] = f"A {self.get_frequency_display().lower()} obligation needs its first due date."
        if errors:
            raise ValidationError(errors)


class ReportingRecord(BaseModel):
    """What was sent to meet a reporting obligation, when, and what shows it; each one moves the next due date."""

    obligation = models.ForeignKey(ReportingObligation, on_delete=models.CASCADE, related_name="records")
    sent_on = models.DateField(default=timezone.localdate)
    summary = models.TextField(help_text="What was sent, to whom, through which channel.")
    evidence = models.ForeignKey(
        "evidence.Evidence",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reporting_records",
        help_text="What shows it was sent (optional).",
    )

    class Meta:
        verbose_name = "reporting record"
        ordering = ["-sent_on", "-created_at"]

    def __str__(self) -> str:
        title = self.obligation.title if self.obligation_id else "?"
        return f"{title}: sent {self.sent_on}"

    def clean(self) -> None:
        if self.sent_on and self.sent_on > timezone.localdate():
            raise ValidationError({"sent_on": "Must not be in the future."})
