"""Fixtures of the impact tests: an AI system, complete answers, assessments at each status."""

from __future__ import annotations

import pytest

from openaims.accounts.choices import Role
from openaims.impact import services
from openaims.impact.questionnaires import get_template
from openaims.inventory import services as inventory_services
from openaims.inventory.models import AISystem


def system_for(actor, name: str = "Loan scorer") -> AISystem:
    found = AISystem.objects.filter(organization=actor.organization, name=name).first()
    return found or inventory_services.ai_system_create(
        actor=actor, name=name, purpose="Scores consumer loan applications.", owner=actor.user
    )


def complete_answers(template_id: str = "iso42005") -> dict:
    """A valid answer to every question of the template (required or not)."""
    answers = {}
    for question in get_template(template_id).questions.values():
        if question.kind == "text":
            answers[question.id] = f"Answer to {question.id}."
        elif question.kind == "choice":
            answers[question.id] = question.options[0]
        elif question.kind == "multi_choice":
            answers[question.id] = list(question.options[:2])
        elif question.kind == "yes_no":
            answers[question.id] = True
        else:
            answers[question.id] = question.max
    return answers


def make_assessment(actor, *, system=None, template_id: str = "iso42005", answers=None, **fields):
    return services.impact_assessment_create(
        actor=actor,
        ai_system=system or system_for(actor),
        template_id=template_id,
        title=fields.pop("title", "Loan scoring impact assessment"),
        answers=complete_answers(template_id) if answers is None else answers,
        **fields,
    )


@pytest.fixture
def contributor(actor_of):
    return actor_of(Role.CONTRIBUTOR)


@pytest.fixture
def manager(actor_of):
    return actor_of(Role.MANAGER)


@pytest.fixture
def approved(contributor, manager):
    """An assessment written by a contributor and approved by a manager."""
    assessment = make_assessment(contributor)
    services.impact_assessment_submit(actor=contributor, impact_assessment=assessment)
    return services.impact_assessment_approve(actor=manager, impact_assessment=assessment, note="Reviewed.")
