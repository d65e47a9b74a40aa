"""Records the incident tests build on, made through the services."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from openaims.inventory.classification import ai_system_classify
from openaims.inventory.services import ai_system_create
from openaims.oversight.incidents import services

_numbers = itertools.count(1)

BOTH = ["provider", "deployer"]
HIGH_RISK_ANSWERS = {"roles": BOTH, "a3_5b_creditworthiness": True, "profiling": True}
MINIMAL_ANSWERS = {"roles": BOTH}


def make_system(actor, *, tier: str | None = "high_risk", **fields):
    """An AI system, classified high-risk (default), minimal risk, or not at all (``tier=None``)."""
    system = ai_system_create(actor=actor, name=f"Scorer {next(_numbers)}", purpose="Scores loans.", **fields)
    if tier is not None:
        answers = HIGH_RISK_ANSWERS if tier == "high_risk" else MINIMAL_ANSWERS
        classification = ai_system_classify(actor=actor, ai_system=system, answers=answers)
        assert classification.tier == tier
    return system


def make_incident(actor, **overrides):
    fields = {
        "title": f"Incident {next(_numbers)}",
        "description": "Refused applicants wrongly.",
        "detected_at": timezone.now() - dt.timedelta(hours=1),
        **overrides,
    }
    return services.incident_create(actor=actor, **fields)


def make_duty(actor, incident=None, **overrides):
    fields = {
        "incident": incident or make_incident(actor),
        "recipient": f"Insurer {next(_numbers)}",
        "legal_basis": "Policy clause 7",
        "deadline": timezone.now() + dt.timedelta(days=3),
        **overrides,
    }
    return services.notification_duty_create(actor=actor, **fields)
