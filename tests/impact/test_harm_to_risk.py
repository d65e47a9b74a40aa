"""One click turns a harm into a risk of the register; or a harm links an existing risk."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from openaims.impact import services
from openaims.impact.services import _on_scale
from openaims.risk import services as risk_services
from openaims.risk.models import Risk
from tests.impact.conftest import make_assessment


@pytest.fixture
def harm(contributor):
    assessment = make_assessment(contributor)
    return services.harm_create(
        actor=contributor,
        assessment=assessment,
        description="Applicants from some postcodes are refused more often.",
        affected_groups="Applicants in low-income areas",
        rights_affected=["non_discrimination", "consumer"],
        severity=4,
        likelihood=2,
        reversibility="hard_to_reverse",
        mitigations="Monthly parity check.",
    )


def test_harm_becomes_a_linked_risk(harm, contributor, members):
    linked = services.harm_to_risk(actor=contributor, harm=harm)
    risk = Risk.objects.get(pk=linked.linked_risk_id)
    assert risk.title == "Harm: Applicants from some postcodes are refused more often."
    assert (risk.likelihood, risk.consequence) == (2, 4)
    assert list(risk.ai_systems.all()) == [harm.assessment.ai_system]
    assert risk.owner == harm.assessment.ai_system.owner
    for words in (
        "Applicants in low-income areas",
        "Non-discrimination (Art. 21)",
        "Hard to reverse",
        "Monthly parity",
    ):
        assert words in risk.description
    assert risk.inherent_level  # scored by the risk criteria
    assert TrailEvent.objects.filter(object_id=str(risk.pk), action="create").exists()
    event = TrailEvent.objects.filter(object_id=str(harm.pk)).order_by("sequence").last()
    assert event.action == "transition"
    assert event.changes_dict["linked_risk"] == [None, str(risk.pk)]
    assert event.changes_dict["risk_created"][1] == str(risk)
    with pytest.raises(ValidationError, match="Already linked"):
        services.harm_to_risk(actor=contributor, harm=linked)


def test_link_an_existing_risk_after_approval(harm, contributor, manager):
    assessment = harm.assessment
    services.impact_assessment_submit(actor=contributor, impact_assessment=assessment)
    services.impact_assessment_approve(actor=manager, impact_assessment=assessment)
    risk = risk_services.risk_create(actor=manager, title="Unfair refusals", likelihood=3, consequence=4)
    linked = services.harm_link_risk(actor=contributor, harm=harm, risk=risk)
    assert linked.linked_risk == risk
    unlinked = services.harm_link_risk(actor=contributor, harm=harm, risk=None)
    assert unlinked.linked_risk is None


def test_scale_mapping():
    assert [_on_scale(v, 5) for v in range(1, 6)] == [1, 2, 3, 4, 5]
    assert [_on_scale(v, 3) for v in range(1, 6)] == [1, 2, 2, 3, 3]
    assert _on_scale(1, 7) == 1 and _on_scale(5, 7) == 7


def test_api_to_risk_and_link(harm, api_as, actor_of, members, other_actor):
    client = api_as(Role.CONTRIBUTOR)
    response = client.post(
        f"/api/v1/harms/{harm.pk}/to-risk", {"owner_id": str(members[Role.MANAGER].pk)}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    risk = Risk.objects.get(pk=body["linked_risk_id"])
    assert body["linked_risk_title"] == risk.title and risk.owner == members[Role.MANAGER]
    assert (
        api_as(Role.VIEWER).post(f"/api/v1/harms/{harm.pk}/to-risk", {}, content_type="application/json").status_code
        == 403
    )
    theirs = risk_services.risk_create(actor=other_actor, title="Theirs", likelihood=1, consequence=1)
    refused = client.post(
        f"/api/v1/harms/{harm.pk}/link-risk", {"risk_id": str(theirs.pk)}, content_type="application/json"
    )
    assert refused.status_code == 404
    unlinked = client.post(f"/api/v1/harms/{harm.pk}/link-risk", {"risk_id": None}, content_type="application/json")
    assert unlinked.status_code == 200 and unlinked.json()["linked_risk_id"] is None


def test_ui_turn_into_a_risk_button(harm, ui_as):
    client = ui_as(Role.CONTRIBUTOR)
    detail = client.get(reverse("impact-assessments-detail", args=[harm.assessment_id])).content.decode()
    assert "Turn into a risk" in detail and reverse("harms-risk", args=[harm.pk]) in detail
    response = client.post(reverse("harms-risk", args=[harm.pk]), {"next": "assessment"})
    assert response.status_code == 302
    assert response["Location"] == reverse("impact-assessments-detail", args=[harm.assessment_id])
    harm.refresh_from_db()
    assert harm.linked_risk is not None
    detail = client.get(reverse("impact-assessments-detail", args=[harm.assessment_id])).content.decode()
    assert reverse("risks-detail", args=[harm.linked_risk_id]) in detail
    harm_page = client.get(reverse("harms-detail", args=[harm.pk])).content.decode()
    assert harm.linked_risk.title in harm_page
