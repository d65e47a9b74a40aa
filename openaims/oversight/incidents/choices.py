"""Severities, EU AI Act serious-incident categories, statuses of incidents, duties and concerns, with badge colours."""

from django.db import models


class IncidentSeverity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class SeriousCategory(models.TextChoices):
    """What makes an incident *serious* (EU AI Act Art. 3(49), points (a) to (d); our paraphrase)."""

    HEALTH = "health", "Death of a person or serious harm to a person's health"
    CRITICAL_INFRASTRUCTURE = (
        "critical_infrastructure",
        "Serious and irreversible disruption of the management or operation of critical infrastructure",
    )
    FUNDAMENTAL_RIGHTS = "fundamental_rights", "Infringement of obligations under EU law protecting fundamental rights"
    PROPERTY_ENVIRONMENT = "property_environment", "Serious harm to property or the environment"


class IncidentStatus(models.TextChoices):
    """``open``: being handled. ``contained``: the harm is stopped (containment recorded). ``resolved``: the cause
    is removed. ``closed``: nothing left to do, every notification duty sent."""

    OPEN = "open", "Open"
    CONTAINED = "contained", "Contained"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class DutyRule(models.TextChoices):
    """Where a notification duty comes from: a rule OpenAIMS applies, or a person who added it."""

    EU_AI_ACT_ART73 = "eu_ai_act_art73", "EU AI Act Art. 73 (serious incident)"
    GDPR_ART33 = "gdpr_art33", "GDPR Art. 33 (personal data breach)"
    MANUAL = "manual", "Added by a person"


#: Rules whose duties OpenAIMS creates, updates and removes from the incident's facts.
COMPUTED_RULES = (DutyRule.EU_AI_ACT_ART73, DutyRule.GDPR_ART33)


class ConcernStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    UNDER_REVIEW = "under_review", "Under review"
    ACTION_TAKEN = "action_taken", "Action taken"
    CLOSED = "closed", "Closed"
    DISMISSED = "dismissed", "Dismissed"


#: Statuses of a concern nobody has looked at yet (the dashboard lists them).
UNTRIAGED_STATUSES = (ConcernStatus.RECEIVED,)
CLOSED_CONCERN_STATUSES = (ConcernStatus.CLOSED, ConcernStatus.DISMISSED)

BADGE_COLOURS = {
    IncidentSeverity.LOW: "green",
    IncidentSeverity.MEDIUM: "orange",
    IncidentSeverity.HIGH: "red",
    IncidentSeverity.CRITICAL: "dark",
    IncidentStatus.OPEN: "red",
    IncidentStatus.CONTAINED: "orange",
    IncidentStatus.RESOLVED: "blue",
    IncidentStatus.CLOSED: "green",
    ConcernStatus.RECEIVED: "red",
    ConcernStatus.UNDER_REVIEW: "orange",
    ConcernStatus.ACTION_TAKEN: "blue",
    ConcernStatus.CLOSED: "green",
    ConcernStatus.DISMISSED: "grey",
    # States of a notification duty.
    "due": "blue",
    "overdue": "red",
    "sent": "green",
    "late": "orange",
}
