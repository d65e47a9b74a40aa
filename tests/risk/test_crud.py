"""Risks and their treatment actions run the generic cases with their own data."""

from __future__ import annotations

import itertools

from openaims.risk import services
from openaims.risk.models import Risk, RiskAction
from tests.generic.cases import CRUDCases
from tests.risk.helpers import make_risk, make_system

_numbers = itertools.count(1)


class TestRisk(CRUDCases):
    api_path = "risks"
    ui_prefix = "risks"
    model = Risk
    filter_param = ("level", "medium")

    def make(self, actor, **overrides):
        return make_risk(actor, **overrides)

    def create_payload(self, actor):
        system = make_system(actor)
        return {
            "title": f"Unfair refusals {next(_numbers)}",
            "description": "The model refuses more applicants of some groups.",
            "ai_systems": [str(system.pk)],
            "risk_source": "C.3.4",
            "affected_objectives": ["C.2.5"],
            "likelihood": 4,
            "consequence": 4,
            "owner_id": str(actor.user.pk),
        }

    def update_payload(self):
        return {"treatment_option": "modify", "treatment_plan": "Reweigh the training data.", "status": "treating"}

    def ui_create_data(self, actor):
        system = make_system(actor)
        return {
            "title": f"UI risk {next(_numbers)}",
            "ai_systems": [str(system.pk)],
            "risk_source": "C.3.3",
            "likelihood": "2",
            "consequence": "5",
            "status": "identified",
        }


class TestRiskAction(CRUDCases):
    api_path = "risk-actions"
    ui_prefix = "risk-actions"
    model = RiskAction
    filter_param = ("status", "open")

    def make(self, actor, **overrides):
        risk = make_risk(actor)
        fields = {"risk": risk, "description": f"Retrain with reweighing {next(_numbers)}", **overrides}
        return services.risk_action_create(actor=actor, **fields)

    def create_payload(self, actor):
        risk = make_risk(actor)
        return {
            "risk_id": str(risk.pk),
            "description": f"Add a fairness monitor {next(_numbers)}",
            "owner_id": str(actor.user.pk),
            "due_date": "2030-03-31",
        }

    def update_payload(self):
        return {"description": f"Add a drift and fairness monitor {next(_numbers)}", "due_date": "2030-06-30"}

    def ui_create_data(self, actor):
        risk = make_risk(actor)
        return {"risk": str(risk.pk), "description": f"UI action {next(_numbers)}", "status": "open"}
