"""Impact assessments and harms run the generic cases with their own data."""

from __future__ import annotations

import itertools

from openaims.impact import services
from openaims.impact.models import Harm, ImpactAssessment
from tests.generic.cases import CRUDCases
from tests.impact.conftest import make_assessment, system_for

_numbers = itertools.count(1)


def _draft(actor) -> ImpactAssessment:
    found = ImpactAssessment.objects.filter(organization=actor.organization, status="draft").first()
    return found or make_assessment(actor, answers={})


class TestImpactAssessment(CRUDCases):
    api_path = "impact-assessments"
    ui_prefix = "impact-assessments"
    model = ImpactAssessment
    filter_param = ("status", "draft")

    def make(self, actor, **overrides):
        fields = {"title": f"made-assessment {next(_numbers)}", "answers": {}, **overrides}
        return make_assessment(actor, **fields)

    def create_payload(self, actor):
        return {
            "title": f"Loan scoring assessment {next(_numbers)}",
            "ai_system_id": str(system_for(actor).pk),
            "template_id": "iso42005",
            "answers": {"purpose_and_decisions": "Approve or refer loan applications.", "fairness_tested": False},
        }

    def update_payload(self):
        return {"title": f"Renamed assessment {next(_numbers)}", "conclusion": "Acceptable with the measures listed."}

    def ui_create_data(self, actor):
        return {"ai_system": str(system_for(actor).pk), "template_id": "eu_fria", "title": f"FRIA {next(_numbers)}"}


class TestHarm(CRUDCases):
    api_path = "harms"
    ui_prefix = "harms"
    model = Harm
    filter_param = ("linked", "false")

    def make(self, actor, **overrides):
        fields = {"description": f"made-harm {next(_numbers)}", "severity": 4, "likelihood": 2, **overrides}
        return services.harm_create(actor=actor, assessment=_draft(actor), **fields)

    def create_payload(self, actor):
        return {
            "description": f"Applicants from some postcodes are refused more often {next(_numbers)}",
            "assessment_id": str(_draft(actor).pk),
            "affected_groups": "Applicants in low-income areas",
            "rights_affected": ["non_discrimination", "consumer"],
            "severity": 4,
            "likelihood": 3,
            "reversibility": "hard_to_reverse",
        }

    def update_payload(self):
        return {"mitigations": "Postcode removed as a feature; monthly parity check.", "severity": 3}

    def ui_create_data(self, actor):
        return {
            "assessment": str(_draft(actor).pk),
            "description": f"Wrongful refusal {next(_numbers)}",
            "rights_affected": ["non_discrimination"],
            "severity": "3",
            "likelihood": "2",
            "reversibility": "reversible",
        }
