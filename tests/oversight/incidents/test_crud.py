"""Incidents and notification duties run the generic cases with their own data."""

from __future__ import annotations

import itertools

from openaims.oversight.incidents.models import Incident, NotificationDuty
from tests.generic.cases import CRUDCases
from tests.oversight.incidents.helpers import make_duty, make_incident, make_system

_numbers = itertools.count(1)


class TestIncident(CRUDCases):
    api_path = "incidents"
    ui_prefix = "incidents"
    model = Incident
    filter_param = ("status", "open")

    def make(self, actor, **overrides):
        return make_incident(actor, **overrides)

    def create_payload(self, actor):
        system = make_system(actor)
        return {
            "title": f"Applicants refused by postcode {next(_numbers)}",
            "description": "Every applicant from two postcodes was refused.",
            "ai_system_id": str(system.pk),
            "severity": "high",
            "serious_categories": ["fundamental_rights"],
            "affected_count": 214,
            "affected_description": "Applicants from two postcodes.",
            "occurred_at": "2026-01-11T08:00:00Z",
            "detected_at": "2026-01-12T10:00:00Z",
        }

    def update_payload(self):
        return {"title": f"Refused by postcode {next(_numbers)}", "severity": "critical"}

    def ui_create_data(self, actor):
        system = make_system(actor)
        return {
            "title": f"UI incident {next(_numbers)}",
            "description": "The assistant quoted a wrong fee.",
            "ai_system": str(system.pk),
            "severity": "low",
            "status": "open",
            "serious_categories": ["property_environment"],
        }


class TestNotificationDuty(CRUDCases):
    api_path = "notification-duties"
    ui_prefix = "notification-duties"
    model = NotificationDuty
    filter_param = ("sent", "false")

    def make(self, actor, **overrides):
        return make_duty(actor, **overrides)

    def create_payload(self, actor):
        incident = make_incident(actor)
        return {
            "recipient": f"Cyber insurer {next(_numbers)}",
            "incident_id": str(incident.pk),
            "legal_basis": "Policy clause 7.2",
            "deadline": "2030-03-31T12:00:00Z",
            "notes": "Within 5 working days.",
        }

    def update_payload(self):
        return {"recipient": f"Insurer {next(_numbers)}", "reference": "CLM-77"}

    def ui_create_data(self, actor):
        incident = make_incident(actor)
        return {
            "incident": str(incident.pk),
            "recipient": f"UI recipient {next(_numbers)}",
            "deadline": "2030-03-31T12:00",
        }
