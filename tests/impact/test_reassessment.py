"""Reassessment: by date (mark due) and by significant change of the AI system (stale, with the reason)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from typer.testing import CliRunner

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from openaims.cli.impact import app as impact_cli
from openaims.impact import services
from openaims.impact.models import ImpactAssessment
from openaims.inventory import services as inventory_services
from tests.impact.conftest import make_assessment


def _reload(assessment) -> ImpactAssessment:
    return ImpactAssessment.objects.get(pk=assessment.pk)


def _last_event(assessment) -> TrailEvent:
    return TrailEvent.objects.filter(object_id=str(assessment.pk)).order_by("sequence").last()


def test_new_purpose_makes_the_approved_assessment_due(approved, contributor):
    inventory_services.ai_system_update(
        actor=contributor, ai_system=approved.ai_system, purpose="Scores loans and sets interest rates."
    )
    assessment = _reload(approved)
    assert assessment.status == "due_for_reassessment" and assessment.stale
    assert assessment.stale_reason.startswith("New purpose or intended use: purpose changed")
    assert not assessment.current and "purpose changed" in assessment.blocker
    event = _last_event(assessment)
    assert event.action == "transition" and event.actor_label == contributor.user.username
    assert event.changes_dict["status"] == ["approved", "due_for_reassessment"]
    assert event.changes_dict["significant_change"] == [None, "purpose"]


def test_lifecycle_transition_makes_it_stale(approved, owner_actor):
    inventory_services.ai_system_transition(actor=owner_actor, ai_system=approved.ai_system, to_stage="design")
    assessment = _reload(approved)
    assert assessment.status == "due_for_reassessment"
    assert assessment.stale_reason.startswith("Life cycle stage changed: Idea → Design")


def test_deployed_model_version_makes_it_stale(approved, owner_actor):
    version = inventory_services.model_version_create(actor=owner_actor, ai_system=approved.ai_system, version="2.0")
    assert _reload(approved).status == "approved"  # a candidate version is not a change of the deployed system
    inventory_services.model_version_update(actor=owner_actor, model_version=version, status="deployed")
    assessment = _reload(approved)
    assert assessment.status == "due_for_reassessment"
    assert "model version 2.0 deployed" in assessment.stale_reason


def test_other_systems_and_descriptive_edits_are_untouched(approved, owner_actor):
    other = inventory_services.ai_system_create(actor=owner_actor, name="Chatbot", purpose="Answers questions.")
    inventory_services.ai_system_update(actor=owner_actor, ai_system=other, purpose="Answers more questions.")
    inventory_services.ai_system_update(actor=owner_actor, ai_system=approved.ai_system, description="More words.")
    assert _reload(approved).status == "approved" and not _reload(approved).stale


def test_drafts_are_flagged_and_approval_clears_the_flag(contributor, manager):
    draft = make_assessment(contributor)
    inventory_services.ai_system_update(actor=contributor, ai_system=draft.ai_system, intended_use="Also leasing.")
    draft = _reload(draft)
    assert draft.status == "draft" and draft.stale and "intended use changed" in draft.stale_reason
    assert draft.blocker == ""  # not yet standing: a warning, not a blocker
    services.impact_assessment_submit(actor=contributor, impact_assessment=draft)
    approved = services.impact_assessment_approve(actor=manager, impact_assessment=draft)
    assert not approved.stale and approved.stale_reason == "" and approved.current
    assert _last_event(approved).changes_dict["was_stale"][1].startswith("New purpose")


def test_revision_of_a_stale_assessment_replaces_it(approved, contributor, manager):
    inventory_services.ai_system_update(actor=contributor, ai_system=approved.ai_system, purpose="New purpose.")
    revision = services.impact_assessment_revise(actor=contributor, impact_assessment=_reload(approved))
    services.impact_assessment_submit(actor=contributor, impact_assessment=revision)
    services.impact_assessment_approve(actor=manager, impact_assessment=revision)
    assert _reload(approved).status == "superseded"
    assert _reload(revision).current


def test_mark_due_by_date(approved, owner_actor, contributor):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    ImpactAssessment.objects.filter(pk=approved.pk).update(next_review_date=yesterday)
    assessment = _reload(approved)
    assert assessment.review_overdue and not assessment.current and "passed" in assessment.blocker
    fresh = make_assessment(contributor, title="Fresh")
    marked = services.mark_due_assessments(actor=owner_actor)
    assert [a.pk for a in marked] == [approved.pk]
    assessment = _reload(approved)
    assert assessment.status == "due_for_reassessment"
    assert _last_event(assessment).changes_dict["reason"] == [None, f"Review date {yesterday.isoformat()} passed."]
    assert _reload(fresh).status == "draft"
    assert services.mark_due_assessments(actor=owner_actor) == []


def test_cli_mark_due_and_templates(approved, org):
    ImpactAssessment.objects.filter(pk=approved.pk).update(next_review_date=timezone.localdate() - dt.timedelta(days=3))
    runner = CliRunner()
    result = runner.invoke(impact_cli, ["mark-due", "--org", org.slug])
    assert result.exit_code == 0, result.output
    assert "1 assessment(s) marked due for reassessment" in result.output
    result = runner.invoke(impact_cli, ["templates", "--json"])
    assert result.exit_code == 0 and '"eu_fria"' in result.output


def test_api_filters_stale_and_due(approved, api_as, contributor):
    inventory_services.ai_system_update(actor=contributor, ai_system=approved.ai_system, purpose="New purpose.")
    make_assessment(contributor, title="Other draft")
    client = api_as(Role.VIEWER)
    due = client.get("/api/v1/impact-assessments", {"due": "true"}).json()
    assert [item["id"] for item in due["items"]] == [str(approved.pk)]
    stale = client.get("/api/v1/impact-assessments", {"stale": "true", "status": "due_for_reassessment"}).json()
    assert stale["count"] == 1 and "purpose changed" in stale["items"][0]["blocker"]
    assert client.post("/api/v1/impact-assessments/mark-due").status_code == 403
    marked = api_as(Role.MANAGER).post("/api/v1/impact-assessments/mark-due")
    assert marked.status_code == 200 and marked.json() == {"marked": []}
