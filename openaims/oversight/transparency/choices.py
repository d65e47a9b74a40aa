"""Card sections, reporting frequencies and their badge colours."""

from __future__ import annotations

from django.db import models


class CardSection(models.TextChoices):
    """The sections of an AI system card, in the card's order; the unit the trust page publishes.

    The system's name and the card's date are always shown on a published card; every other part is one of these.
    """

    PURPOSE = "purpose", "Purpose and intended use"
    LIMITATIONS = "limitations", "Limitations and foreseeable misuse"
    AI_ROLES = "ai_roles", "AI roles"
    DATA = "data", "Data"
    MODELS = "models", "Model versions"
    RESULTS = "results", "Fairness and performance results"
    OVERSIGHT = "oversight", "Human oversight"
    RISKS = "risks", "Main risks and their treatment"
    EU_AI_ACT = "eu_ai_act", "EU AI Act tier"
    CONTACT = "contact", "Contact"


CARD_SECTIONS: tuple[str, ...] = tuple(CardSection.values)


class Frequency(models.TextChoices):
    """How often an interested party is informed (A.8.5)."""

    ONCE = "once", "Once"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    YEARLY = "yearly", "Yearly"
    EVENT = "event", "When an event occurs"


#: Months between two due dates of a periodic obligation.
FREQUENCY_MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.YEARLY: 12}

BADGE_COLOURS = {
    Frequency.ONCE: "grey",
    Frequency.MONTHLY: "blue",
    Frequency.QUARTERLY: "blue",
    Frequency.YEARLY: "blue",
    Frequency.EVENT: "orange",
    "overdue": "red",
    "published": "green",
    "private": "grey",
}
