"""Kinds of evidence, and the expiry states an item shows, each with its badge colour."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils.html import format_html

EXPIRING_SOON_DAYS = 30


class EvidenceKind(models.TextChoices):
    FILE = "file", "Uploaded file"
    URL = "url", "Link"
    RECORD = "record", "Record in OpenAIMS"


class ExpiryState(models.TextChoices):
    """Where an evidence item stands against its valid-until date."""

    NO_EXPIRY = "no_expiry", "No expiry"
    VALID = "valid", "Valid"
    EXPIRING = "expiring", "Expires soon"
    EXPIRED = "expired", "Expired"


BADGE_COLOURS = {
    ExpiryState.NO_EXPIRY: "grey",
    ExpiryState.VALID: "green",
    ExpiryState.EXPIRING: "orange",
    ExpiryState.EXPIRED: "red",
}


@dataclass(frozen=True)
class Expiry:
    """An item's expiry state for display; renders itself as a badge in templates (``__html__``)."""

    state: ExpiryState
    valid_until: dt.date | None

    @classmethod
    def of(cls, valid_until: dt.date | None, today: dt.date) -> Expiry:
        if valid_until is None:
            state = ExpiryState.NO_EXPIRY
        elif valid_until < today:
            state = ExpiryState.EXPIRED
        elif valid_until <= today + dt.timedelta(days=EXPIRING_SOON_DAYS):
            state = ExpiryState.EXPIRING
        else:
            state = ExpiryState.VALID
        return cls(state=state, valid_until=valid_until)

    @property
    def is_expired(self) -> bool:
        return self.state == ExpiryState.EXPIRED

    @property
    def label(self) -> str:
        if self.valid_until is None:
            return str(ExpiryState.NO_EXPIRY.label)
        when = self.valid_until.isoformat()
        return {
            ExpiryState.EXPIRED: f"Expired {when}",
            ExpiryState.EXPIRING: f"Expires {when}",
        }.get(self.state, f"Valid until {when}")

    @property
    def colour(self) -> str:
        return BADGE_COLOURS[self.state]

    def __str__(self) -> str:
        return self.label

    def __html__(self) -> str:
        return self.badge

    @property
    def badge(self) -> str:
        """The badge markup; templates write ``{{ item.expiry.badge }}`` (a plain ``{{ }}`` prints the label)."""
        return format_html(
            '<span class="badge badge-{}" data-expiry="{}">{}</span>', self.colour, self.state.value, self.label
        )
