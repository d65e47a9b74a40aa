"""Audit programmes, internal audits and improvements run the generic cases with their own data."""

from __future__ import annotations

import itertools

from openaims.audits.models import AuditProgramme, Improvement, InternalAudit
from tests.audits.helpers import make_system
from tests.audits.internal_helpers import make_audit, make_improvement, make_programme
from tests.generic.cases import CRUDCases

_numbers = itertools.count(1)


class TestAuditProgramme(CRUDCases):
    api_path = "audit-programmes"
    ui_prefix = "audit-programmes"
    model = AuditProgramme
    filter_param = ("frequency", "quarterly")

    def make(self, actor, **overrides):
        return make_programme(actor, frequency="quarterly", **overrides)

    def create_payload(self, actor):
        return {
            "name": f"Programme {next(_numbers)}",
            "objectives": "Find where the AIMS does not conform.",
            "frequency": "semiannual",
            "methods": "Interviews.",
            "responsibilities": "The quality lead.",
            "criteria": "ISO/IEC 42001 and our policy.",
        }

    def update_payload(self):
        return {"name": f"Programme renamed {next(_numbers)}", "frequency": "annual"}


class TestInternalAudit(CRUDCases):
    api_path = "internal-audits"
    ui_prefix = "internal-audits"
    model = InternalAudit
    filter_param = ("status", "planned")

    def make(self, actor, **overrides):
        return make_audit(actor, **overrides)

    def create_payload(self, actor):
        programme = make_programme(actor)
        system = make_system(actor)
        return {
            "title": f"AIMS audit {next(_numbers)}",
            "programme_id": str(programme.pk),
            "clause_ids": ["9.2", "6.1.3"],
            "control_ids": ["A.6.2.6"],
            "ai_systems": [str(system.pk)],
            "criteria": "ISO/IEC 42001.",
            "lead_auditor_id": str(actor.user.pk),
            "planned_start": "2030-03-02",
            "planned_end": "2030-03-06",
        }

    def update_payload(self):
        return {"title": f"AIMS audit renamed {next(_numbers)}", "planned_end": "2030-03-09"}

    def ui_create_data(self, actor):
        programme = make_programme(actor)
        return {
            "title": f"UI audit {next(_numbers)}",
            "programme": str(programme.pk),
            "clause_ids": "9.2, 10.2",
            "control_ids": "a.6.2.6",
            "planned_start": "2030-04-01",
            "planned_end": "2030-04-03",
        }


class TestImprovement(CRUDCases):
    api_path = "improvements"
    ui_prefix = "improvements"
    model = Improvement
    filter_param = ("status", "proposed")

    def make(self, actor, **overrides):
        return make_improvement(actor, **overrides)

    def create_payload(self, actor):
        return {
            "title": f"Automate the fairness review {next(_numbers)}",
            "description": "Found in the internal audit.",
            "source": "internal_audit",
            "owner_id": str(actor.user.pk),
            "status": "planned",
        }

    def update_payload(self):
        return {"title": f"Automate reviews {next(_numbers)}", "status": "in_progress"}
