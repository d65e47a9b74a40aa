"""Notification duties an incident triggers, computed from its facts and its AI system's EU AI Act tier.

A pure function (no database, no Django): :func:`notification_deadlines` reads the incident's facts and the AI
system's latest classification and answers the duties with their deadlines. The rules, in our own words:

- EU AI Act Art. 73 (high-risk AI systems only; the provider reports to the market surveillance authority of the
  Member State where it happened). A serious incident (Art. 3(49)) is reported at the latest 15 days after the
  provider became aware of it. When a person died, at the latest 10 days after. For a widespread infringement
  (Art. 3(61)) or a serious and irreversible disruption of critical infrastructure (Art. 3(49)(b)), at the latest
  2 days after. When several apply, the shortest deadline counts.
- GDPR Art. 33: a personal data breach is notified to the supervisory authority within 72 hours of becoming aware
  (whatever the AI system's tier).

Every deadline counts from the moment the organization became aware (``detected_at``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

ART73 = "eu_ai_act_art73"
GDPR33 = "gdpr_art33"
HIGH_RISK = "high_risk"

ART73_DAYS = 15
ART73_DEATH_DAYS = 10
ART73_URGENT_DAYS = 2
GDPR33_HOURS = 72

MARKET_SURVEILLANCE = "Market surveillance authority of the Member State where the incident occurred"
SUPERVISORY_AUTHORITY = "Competent data protection supervisory authority"


class IncidentFacts(Protocol):
    serious_categories: list[str]
    involves_death: bool
    widespread_infringement: bool
    personal_data_breach: bool
    detected_at: dt.datetime


class TierHolder(Protocol):
    tier: str


@dataclass(frozen=True)
class Duty:
    """One notification an incident requires: which rule, to whom, on what basis, by when, and why."""

    rule: str
    recipient: str
    legal_basis: str
    deadline: dt.datetime
    reason: str


def _art73(incident: IncidentFacts) -> Duty | None:
    categories = set(incident.serious_categories or ())
    serious = bool(categories)
    if not (serious or incident.widespread_infringement):
        return None
    if incident.widespread_infringement or "critical_infrastructure" in categories:
        days, basis, reason = (
            ART73_URGENT_DAYS,
            "EU AI Act Art. 73(3)",
            "widespread infringement" if incident.widespread_infringement else "critical infrastructure disrupted",
        )
    elif incident.involves_death:
        days, basis, reason = ART73_DEATH_DAYS, "EU AI Act Art. 73(4)", "a person died"
    else:
        days, basis, reason = ART73_DAYS, "EU AI Act Art. 73(2)", "serious incident"
    return Duty(
        rule=ART73,
        recipient=MARKET_SURVEILLANCE,
        legal_basis=basis,
        deadline=incident.detected_at + dt.timedelta(days=days),
        reason=f"{reason} with a high-risk AI system: report within {days} days of becoming aware",
    )


def notification_deadlines(incident: IncidentFacts, classification: TierHolder | None) -> list[Duty]:
    """The notification duties ``incident`` triggers, earliest deadline first.

    Parameters
    ----------
    incident
        Any object with ``serious_categories`` (Art. 3(49) category values), ``involves_death``,
        ``widespread_infringement``, ``personal_data_breach`` and ``detected_at`` (an aware datetime).
    classification
        The AI system's latest EU AI Act classification (anything with ``tier``), or None when the incident names
        no system or the system was never classified: then no Art. 73 duty is computed.
    """
    duties: list[Duty] = []
    tier = getattr(classification, "tier", None)
    if tier == HIGH_RISK and (duty := _art73(incident)) is not None:
        duties.append(duty)
    if incident.personal_data_breach:
        duties.append(
            Duty(
                rule=GDPR33,
                recipient=SUPERVISORY_AUTHORITY,
                legal_basis="GDPR Art. 33(1)",
                deadline=incident.detected_at + dt.timedelta(hours=GDPR33_HOURS),
                reason=f"personal data breach: notify within {GDPR33_HOURS} hours of becoming aware",
            )
        )
    return sorted(duties, key=lambda d: d.deadline)
