"""Nonconformities and corrective actions run the generic cases with their own data."""

from __future__ import annotations

import itertools

from openaims.audits.models import CorrectiveAction, Nonconformity
from tests.audits.helpers import make_action, make_nc, make_system
from tests.generic.cases import CRUDCases

_numbers = itertools.count(1)


class TestNonconformity(CRUDCases):
    api_path = "nonconformities"
    ui_prefix = "nonconformities"
    model = Nonconformity
    filter_param = ("status", "open")

    def make(self, actor, **overrides):
        return make_nc(actor, **overrides)

    def create_payload(self, actor):
        system = make_system(actor)
        return {
            "title": f"Selection rates differ by sex {next(_numbers)}",
            "description": "The internal audit found no fairness check before release.",
            "source": "internal_audit",
            "severity": "major",
            "ai_system_id": str(system.pk),
            "requirement_ids": ["9.1", "A.6.2.6"],
            "owner_id": str(actor.user.pk),
            "detected_on": "2026-01-12",
            "due_date": "2030-03-31",
        }

    def update_payload(self):
        return {"title": f"Selection rates differ {next(_numbers)}", "due_date": "2030-06-30", "severity": "minor"}

    def ui_create_data(self, actor):
        system = make_system(actor)
        return {
            "title": f"UI nonconformity {next(_numbers)}",
            "source": "incident",
            "severity": "minor",
            "ai_system": str(system.pk),
            "requirement_ids": "10.2, a.6.2.6",
        }


class TestCorrectiveAction(CRUDCases):
    api_path = "corrective-actions"
    ui_prefix = "corrective-actions"
    model = CorrectiveAction
    filter_param = ("status", "planned")

    def make(self, actor, **overrides):
        return make_action(actor, make_nc(actor), **overrides)

    def create_payload(self, actor):
        nc = make_nc(actor)
        return {
            "description": f"Add a fairness check to the release pipeline {next(_numbers)}",
            "nonconformity_id": str(nc.pk),
            "root_cause": "No release gate measured fairness.",
            "owner_id": str(actor.user.pk),
            "due_date": "2030-03-31",
        }

    def update_payload(self):
        return {"description": f"Gate releases on fairness {next(_numbers)}", "due_date": "2030-06-30"}

    def ui_create_data(self, actor):
        nc = make_nc(actor)
        return {"nonconformity": str(nc.pk), "description": f"UI action {next(_numbers)}", "status": "planned"}
