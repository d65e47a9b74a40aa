"""The approval workflow: required answers, approval by another member, revisions, what changes when."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.impact import services
from openaims.impact.models import ImpactAssessment
from tests.impact.conftest import complete_answers, make_assessment


def test_submit_with_missing_required_answers_names_them(contributor):
    answers = complete_answers()
    del answers["worst_case"], answers["rights_touched"], answers["benefits"]  # benefits is optional
    assessment = make_assessment(contributor, answers=answers)
    with pytest.raises(ValidationError) as raised:
        services.impact_assessment_submit(actor=contributor, impact_assessment=assessment)
    messages = raised.value.message_dict["answers"]
    assert len(messages) == 2
    assert messages[0].startswith("rights_touched: required, not answered")
    assert messages[1].startswith("worst_case: required, not answered (What is the worst realistic outcome")
    assessment.refresh_from_db()
    assert assessment.status == "draft"


def test_blank_answers_count_as_missing(contributor):
    answers = complete_answers() | {"worst_case": "   ", "vulnerable_groups": []}
    assessment = make_assessment(contributor, answers=answers)
    assert "worst_case" not in assessment.answers and "vulnerable_groups" not in assessment.answers
    with pytest.raises(ValidationError, match="worst_case"):
        services.impact_assessment_submit(actor=contributor, impact_assessment=assessment)


def test_invalid_answers_are_refused_naming_the_question(contributor):
    with pytest.raises(ValidationError) as raised:
        make_assessment(contributor, answers={"overall_severity": 7})
    assert raised.value.message_dict["answers"] == ["overall_severity: must be a whole number from 1 to 5"]
    assert not ImpactAssessment.objects.exists()


def test_author_cannot_approve_even_with_the_approve_right(manager):
    assessment = make_assessment(manager)
    services.impact_assessment_submit(actor=manager, impact_assessment=assessment)
    with pytest.raises(ValidationError, match="author cannot approve"):
        services.impact_assessment_approve(actor=manager, impact_assessment=assessment)
    assessment.refresh_from_db()
    assert assessment.status == "in_review" and assessment.approved_by is None


def test_contributor_cannot_approve(contributor, actor_of):
    assessment = make_assessment(actor_of(Role.MANAGER))
    services.impact_assessment_submit(actor=contributor, impact_assessment=assessment)
    with pytest.raises(PermissionDenied):
        services.impact_assessment_approve(actor=contributor, impact_assessment=assessment)


def test_approval_records_who_when_and_plans_the_next_review(approved, members):
    assert approved.status == "approved"
    assert approved.approved_by == members[Role.MANAGER]
    assert approved.approved_at is not None
    assert approved.next_review_date == timezone.localdate() + dt.timedelta(days=365)
    assert approved.current
    events = TrailEvent.objects.filter(object_id=str(approved.pk)).order_by("sequence")
    assert [e.action for e in events] == ["create", "transition", "transition"]
    assert events.last().changes_dict["status"] == ["in_review", "approved"]
    assert events.last().changes_dict["note"] == [None, "Reviewed."]


def test_only_drafts_change_and_return_to_draft_reopens(contributor, manager):
    assessment = make_assessment(contributor)
    services.impact_assessment_submit(actor=contributor, impact_assessment=assessment)
    with pytest.raises(ValidationError, match="in review: return it to draft first"):
        services.impact_assessment_update(actor=contributor, impact_assessment=assessment, title="Other")
    services.impact_assessment_return(actor=manager, impact_assessment=assessment, note="Explain the contest route.")
    services.impact_assessment_update(actor=contributor, impact_assessment=assessment, title="Other")
    assessment.refresh_from_db()
    assert assessment.status == "draft" and assessment.title == "Other"


def test_approved_assessment_is_revised_not_edited(approved, contributor, manager):
    with pytest.raises(ValidationError, match="approved: start a revision"):
        services.impact_assessment_update(actor=contributor, impact_assessment=approved, answers={})
    with pytest.raises(ValidationError, match="stays on record"):
        services.impact_assessment_delete(actor=manager, impact_assessment=approved)
    with pytest.raises(ValidationError, match="harms change only in a draft"):
        services.harm_create(actor=contributor, assessment=approved, description="Wrongful refusal.")

    revision = services.impact_assessment_revise(actor=contributor, impact_assessment=approved)
    assert (revision.revision, revision.status, revision.previous_id) == (2, "draft", approved.pk)
    assert revision.answers == approved.answers
    with pytest.raises(ValidationError, match="newer revision exists"):
        services.impact_assessment_revise(actor=contributor, impact_assessment=approved)
    approved.refresh_from_db()
    assert approved.status == "approved"  # stays in force until the revision is approved

    services.impact_assessment_update(
        actor=contributor, impact_assessment=revision, answers=revision.answers | {"worst_case": "Denied credit."}
    )
    services.impact_assessment_submit(actor=contributor, impact_assessment=revision)
    services.impact_assessment_approve(actor=manager, impact_assessment=revision)
    approved.refresh_from_db()
    assert approved.status == "superseded"
    assert approved.answers["worst_case"] != "Denied credit."


def test_revision_copies_harms_with_their_risk_links(contributor, manager):
    draft = make_assessment(contributor)
    harm = services.harm_create(
        actor=contributor, assessment=draft, description="Wrongful refusal.", severity=4, rights_affected=["remedy"]
    )
    services.impact_assessment_submit(actor=contributor, impact_assessment=draft)
    services.impact_assessment_approve(actor=manager, impact_assessment=draft)
    services.harm_to_risk(actor=contributor, harm=harm)
    harm.refresh_from_db()
    revision = services.impact_assessment_revise(actor=contributor, impact_assessment=draft)
    copied = revision.harms.get()
    assert copied.pk != harm.pk
    assert (copied.description, copied.severity, copied.rights_affected) == ("Wrongful refusal.", 4, ["remedy"])
    assert copied.linked_risk_id == harm.linked_risk_id is not None
    assert draft.harms.count() == 1


def test_api_workflow_actions(api_as, actor_of, members):
    contributor = api_as(Role.CONTRIBUTOR)
    manager = api_as(Role.MANAGER)
    system_id = str(make_assessment(actor_of(Role.OWNER)).ai_system_id)
    created = contributor.post(
        "/api/v1/impact-assessments",
        {"title": "FRIA of the scorer", "ai_system_id": system_id, "template_id": "eu_fria"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["revision"] == 1 and body["status"] == "draft" and "complaint_mechanism" in body["missing_required"]
    url = f"/api/v1/impact-assessments/{body['id']}"

    refused = contributor.post(f"{url}/submit", {"note": ""}, content_type="application/json")
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert fields == {"answers"}
    assert any(e["message"].startswith("complaint_mechanism:") for e in refused.json()["errors"])

    patched = contributor.patch(url, {"answers": complete_answers("eu_fria")}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["missing_required"] == []
    assert contributor.post(f"{url}/submit", {}, content_type="application/json").status_code == 200
    assert contributor.post(f"{url}/approve", {}, content_type="application/json").status_code == 403
    author_try = api_as(Role.OWNER)
    assert author_try.post(f"{url}/approve", {}, content_type="application/json").status_code == 200
    approved = manager.get(url).json()
    assert approved["status"] == "approved" and approved["approved_by_id"] == str(members[Role.OWNER].pk)
    assert approved["current"] is True and approved["blocker"] == ""

    revised = contributor.post(f"{url}/revise", content_type="application/json")
    assert revised.status_code == 201 and revised.json()["revision"] == 2
    assert contributor.post(f"{url}/return", {}, content_type="application/json").status_code == 422

    templates = contributor.get("/api/v1/impact-templates").json()
    assert {t["id"] for t in templates} == {"iso42005", "eu_fria"}
    template = contributor.get("/api/v1/impact-templates/eu_fria").json()
    assert template["sections"][0]["questions"][0]["id"] == "deployer_process"
    assert contributor.get("/api/v1/impact-templates/nope").status_code == 404


def test_api_refuses_unknown_template_and_answers(api_as, owner_actor):
    client = api_as(Role.OWNER)
    system_id = str(make_assessment(owner_actor).ai_system_id)
    bad = client.post(
        "/api/v1/impact-assessments",
        {"title": "x", "ai_system_id": system_id, "template_id": "nope"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("template_id")
    bad = client.post(
        "/api/v1/impact-assessments",
        {"title": "x", "ai_system_id": system_id, "template_id": "iso42005", "answers": {"decision_role": "?"}},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"field": "answers", "message": bad.json()["errors"][0]["message"]}] and bad.json()[
        "errors"
    ][0]["message"].startswith("decision_role: must be one of")


def test_approval_needs_a_named_member(contributor, org):
    from openaims.base.context import system_actor

    assessment = make_assessment(contributor)
    services.impact_assessment_submit(actor=contributor, impact_assessment=assessment)
    with pytest.raises(ValidationError, match="needs a named member"):
        services.impact_assessment_approve(actor=system_actor(org), impact_assessment=assessment)


def test_api_harms_of_an_approved_assessment_are_frozen(approved, api_as):
    client = api_as(Role.MANAGER)
    refused = client.post(
        "/api/v1/harms",
        {"description": "Late harm.", "assessment_id": str(approved.pk)},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "assessment"
    assert "start a revision" in refused.json()["errors"][0]["message"]
