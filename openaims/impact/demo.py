"""The impact assessment of the demo organization's credit-scoring system, written through the impact services.

Called by ``openaims.demo.load_demo`` after the risks; does nothing when the organization has assessments already.
"""

from __future__ import annotations

from openaims.accounts.choices import Role
from openaims.accounts.selectors import actor_for
from openaims.impact import services
from openaims.impact.models import ImpactAssessment
from openaims.inventory.models import AISystem
from openaims.risk.models import Risk

ANSWERS = {
    "purpose_and_decisions": "Scores consumer loan applications; the score sets approve, refer or decline bands.",
    "deployment_setting": "Online and branch applications in three countries, about 40,000 decisions a month.",
    "decision_role": "A person confirms or overrides each output",
    "foreseeable_misuse": "Using the score for pricing or for marketing eligibility, which it was not validated for.",
    "affected_groups": "Applicants, co-applicants and guarantors; indirectly their households.",
    "vulnerable_groups": ["Migrants and asylum seekers", "People in financial hardship", "Older people"],
    "rights_touched": ["Non-discrimination", "Protection of personal data", "Consumer protection"],
    "rights_explanation": (
        "Thin credit files can lower scores of young and recently arrived applicants (non-discrimination); the "
        "model uses bureau data (data protection); a wrong decline can block access to credit (consumer)."
    ),
    "worst_case": "A creditworthy applicant is declined repeatedly and turns to a high-cost lender.",
    "overall_severity": 3,
    "reversibility": "Reversible with effort",
    "protected_attributes": "Age, nationality and sex (not model inputs, but correlated with credit history length).",
    "fairness_tested": True,
    "people_informed": True,
    "explanations": "The four main reasons for the score, in plain words, on the decision letter.",
    "contest_route": "A credit officer reviews any contested decision within 10 working days.",
    "oversight_model": "Human-in-the-loop",
    "oversight_competence": 4,
    "physical_harm_possible": False,
    "personal_data": "Application data and bureau attributes; legal basis: pre-contractual necessity.",
    "dpia_done": "Yes",
    "environmental_significance": 1,
}


def load_demo_impact(actor, members) -> int:
    """One approved ISO 42005-style assessment with two harms, one linked to the register; returns the count."""
    if ImpactAssessment.objects.filter(organization=actor.organization).exists():
        return 0
    system = AISystem.objects.filter(organization=actor.organization, name="Retail credit scoring").first()
    if system is None:
        return 0
    manager = actor_for(members[Role.MANAGER], actor.organization)
    assessment = services.impact_assessment_create(
        actor=manager,
        ai_system=system,
        template_id="iso42005",
        title="Retail credit scoring: impact on applicants",
        answers=ANSWERS,
    )
    thin_files = services.harm_create(
        actor=manager,
        assessment=assessment,
        description="Applicants with short credit histories are declined more often than their repayment suggests.",
        affected_groups="Young adults; recently arrived migrants.",
        rights_affected=["non_discrimination"],
        severity=3,
        likelihood=4,
        reversibility="reversible",
        mitigations="Monthly approval-rate parity monitoring; human review band for thin files.",
    )
    services.harm_create(
        actor=manager,
        assessment=assessment,
        description="Bureau data errors lead to a wrong decline that the applicant cannot see.",
        affected_groups="Any applicant with an incorrect bureau record.",
        rights_affected=["data_protection"],
        severity=2,
        likelihood=2,
        reversibility="reversible",
        mitigations="Reason codes on every decline; free bureau-record check on request.",
    )
    register_risk = (
        Risk.objects.filter(organization=actor.organization, ai_systems=system).order_by("created_at").first()
    )
    if register_risk is not None:  # the register already holds it (openaims.risk.demo)
        services.harm_link_risk(actor=manager, harm=thin_files, risk=register_risk)
    else:
        services.harm_to_risk(actor=manager, harm=thin_files)
    services.impact_assessment_submit(actor=manager, impact_assessment=assessment)
    services.impact_assessment_approve(actor=actor, impact_assessment=assessment, note="Reviewed with legal.")
    return 1
