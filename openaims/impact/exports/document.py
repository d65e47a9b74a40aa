"""The content of an exported impact assessment, independent of the file format: cover, answers, harms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from openaims.base.context import Actor
from openaims.impact.choices import AssessmentStatus
from openaims.impact.models import ImpactAssessment
from openaims.impact.selectors import assessment_harms

HARM_COLUMNS = (
    "Harm",
    "Affected groups",
    "Rights affected",
    "Severity",
    "Likelihood",
    "Reversibility",
    "Mitigations",
    "Linked risk",
)


@dataclass
class AnswerRow:
    question_id: str
    question: str
    answer: str
    required: bool


@dataclass
class SectionRows:
    title: str
    rows: list[AnswerRow] = field(default_factory=list)


@dataclass
class AssessmentDocument:
    """Cover, sections and harms of one exported assessment."""

    title: str
    cover: list[tuple[str, str]]
    approved: bool
    sections: list[SectionRows]
    harms: list[tuple[str, ...]]
    conclusion: str
    warning: str = ""


def _approval(assessment: ImpactAssessment) -> str:
    if assessment.approved_at is None:
        return "Not approved"
    who = str(assessment.approved_by) if assessment.approved_by_id else "a former member"
    return f"Approved by {who} on {assessment.approved_at.astimezone(dt.UTC):%Y-%m-%d}"


def build_document(actor: Actor, assessment: ImpactAssessment) -> AssessmentDocument:
    template = assessment.template
    now = timezone.now().astimezone(dt.UTC)
    system = assessment.ai_system
    cover = [
        ("Organization", actor.organization.name),
        ("AI system", system.name),
        ("Purpose", system.purpose),
        ("Assessment", assessment.title),
        (
            "Template",
            f"{template.title} (v{assessment.template_version}) — {template.basis}"
            if template
            else assessment.template_id,
        ),
        ("Revision", str(assessment.revision)),
        ("Status", assessment.get_status_display()),
        ("Author", str(assessment.author) if assessment.author_id else "—"),
        ("Approval", _approval(assessment)),
        ("Next review", assessment.next_review_date.isoformat() if assessment.next_review_date else "—"),
        ("Generated", now.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    warning = ""
    if assessment.blocker:
        warning = f"Due for reassessment: {assessment.blocker}"
    elif assessment.stale:
        warning = f"The AI system changed since this assessment was started: {assessment.stale_reason}"
    if warning:
        cover.insert(7, ("Reassessment", warning))
    sections = []
    if template is not None:
        for section in template.sections:
            rows = [
                AnswerRow(q.id, q.text, q.display(assessment.answers.get(q.id)), q.required) for q in section.questions
            ]
            sections.append(SectionRows(section.title, rows))
    harms = [
        (
            h.description,
            h.affected_groups or "—",
            "; ".join(h.rights_labels) or "—",
            h.get_severity_display(),
            h.get_likelihood_display(),
            h.get_reversibility_display(),
            h.mitigations or "—",
            str(h.linked_risk) if h.linked_risk_id else "Not in the risk register",
        )
        for h in assessment_harms(assessment)
    ]
    return AssessmentDocument(
        title=f"Impact assessment — {system.name}",
        cover=cover,
        approved=assessment.status == AssessmentStatus.APPROVED,
        sections=sections,
        harms=harms,
        conclusion=assessment.conclusion,
        warning=warning,
    )
