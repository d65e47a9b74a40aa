"""The impact pages: questionnaire from the template, answers by section, workflow buttons, list filters."""

from __future__ import annotations

from django.urls import reverse

from openaims.accounts.choices import Role
from openaims.impact.models import ImpactAssessment
from openaims.inventory import services as inventory_services
from tests.impact.conftest import complete_answers, make_assessment


def test_questionnaire_is_generated_from_the_template_and_saves(contributor, ui_as):
    assessment = make_assessment(contributor, template_id="eu_fria", answers={})
    client = ui_as(Role.CONTRIBUTOR)
    url = reverse("impact-assessments-answers", args=[assessment.pk])
    page = client.get(url).content.decode()
    for words in (
        "Measures if the risks materialise",
        'name="complaint_mechanism"',
        'name="vulnerable_persons"',
        "Art. 27(1)(f)",
        "<fieldset>",
    ):
        assert words in page
    response = client.post(
        url,
        {
            "deployer_process": "Benefit claims triage.",
            "vulnerable_persons": ["Children", "Older people"],
            "oversight_can_override": "true",
            "frequency_of_use": "Daily",
        },
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.answers == {
        "deployer_process": "Benefit claims triage.",
        "vulnerable_persons": ["Children", "Older people"],
        "oversight_can_override": True,
        "frequency_of_use": "Daily",
    }
    again = client.get(url).content.decode()
    assert "Benefit claims triage." in again
    bad = client.post(url, {"frequency_of_use": "Hourly"})
    assert bad.status_code == 422 and "Hourly" in bad.content.decode()


def test_detail_shows_answers_by_section_and_the_workflow(contributor, ui_as, members):
    assessment = make_assessment(contributor, answers={"worst_case": "Wrongful refusal of credit."})
    client = ui_as(Role.CONTRIBUTOR)
    detail_url = reverse("impact-assessments-detail", args=[assessment.pk])
    page = client.get(detail_url).content.decode()
    assert "Severity and reversibility of harms" in page and "Wrongful refusal of credit." in page
    assert (
        "required questions not answered yet" in page
        and "Submit for review" in page
        and ">Approve</button>" not in page
    )
    submit = reverse("impact-assessments-action", args=[assessment.pk, "submit"])
    response = client.post(submit, follow=True)
    assert "purpose_and_decisions: required, not answered" in response.content.decode()
    ImpactAssessment.objects.filter(pk=assessment.pk).update(answers=complete_answers())
    client.post(submit, {"note": "Ready."})
    assessment.refresh_from_db()
    assert assessment.status == "in_review"
    manager = ui_as(Role.MANAGER)
    page = manager.get(detail_url).content.decode()
    assert ">Approve</button>" in page and "Return to draft" in page
    manager.post(reverse("impact-assessments-action", args=[assessment.pk, "approve"]))
    assessment.refresh_from_db()
    assert assessment.status == "approved" and assessment.approved_by == members[Role.MANAGER]
    page = manager.get(detail_url).content.decode()
    assert "Start a revision" in page and "Export PDF" in page
    response = manager.post(reverse("impact-assessments-action", args=[assessment.pk, "revise"]))
    revision = ImpactAssessment.objects.get(previous=assessment)
    assert response["Location"] == reverse("impact-assessments-detail", args=[revision.pk])


def test_author_sees_the_refusal_when_approving(manager, ui_as):
    assessment = make_assessment(manager, answers=complete_answers())
    client = ui_as(Role.MANAGER)
    client.post(reverse("impact-assessments-action", args=[assessment.pk, "submit"]))
    response = client.post(reverse("impact-assessments-action", args=[assessment.pk, "approve"]), follow=True)
    assert "author cannot approve" in response.content.decode()


def test_list_filters_and_stale_blocker(approved, contributor, ui_as):
    inventory_services.ai_system_update(actor=contributor, ai_system=approved.ai_system, purpose="New purpose.")
    draft = make_assessment(contributor, title="A draft elsewhere", answers={})
    client = ui_as(Role.VIEWER)
    listed = client.get(reverse("impact-assessments-list"), {"stale": "true"}).content.decode()
    assert reverse("impact-assessments-detail", args=[approved.pk]) in listed
    assert reverse("impact-assessments-detail", args=[draft.pk]) not in listed
    listed = client.get(reverse("impact-assessments-list"), {"status": "draft"}).content.decode()
    assert reverse("impact-assessments-detail", args=[draft.pk]) in listed
    page = client.get(reverse("impact-assessments-detail", args=[approved.pk])).content.decode()
    assert "Blocker — due for reassessment" in page and "purpose changed" in page
    assert reverse("impact-assessments-list") in client.get(reverse("impact-assessments-list")).content.decode()


def test_pages_carry_no_inline_scripts(approved, ui_as):
    client = ui_as(Role.OWNER)
    for url in (
        reverse("impact-assessments-list"),
        reverse("impact-assessments-detail", args=[approved.pk]),
        reverse("impact-assessments-create"),
        reverse("harms-create") + f"?assessment={approved.pk}",
    ):
        page = client.get(url).content.decode()
        assert "<script>" not in page and "onclick=" not in page
