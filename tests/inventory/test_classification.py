"""EU AI Act classification stored on AI systems: service, trail, stale on purpose change, API and views."""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import ValidationError

from openaims.accounts.choices import Role
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.inventory import services
from openaims.inventory.classification import ai_system_classify
from openaims.inventory.models import Classification
from openaims.inventory.selectors import current_classification

CV_SCREENING = {"roles": ["provider", "deployer"], "a3_4a_recruitment": True, "profiling": True}


@pytest.fixture
def system(owner_actor):
    return services.ai_system_create(actor=owner_actor, name="CV screener", purpose="Ranks job applicants.")


def _events(obj):
    return list(TrailEvent.objects.filter(object_id=str(obj.pk)).order_by("sequence"))


# --- service and selector -----------------------------------------------------------------------------------------


def test_classify_stores_result_answers_and_trail(owner_actor, system):
    stored = ai_system_classify(actor=owner_actor, ai_system=system, answers=CV_SCREENING)
    assert stored.tier == "high_risk" and stored.basis == "Art. 6(2) + Annex III point 4(a)"
    assert stored.result["tier"] == "high_risk" and stored.answers["a3_4a_recruitment"] is True
    assert stored.answers["p5_1_a_manipulation"] is False  # defaults are stored too: the record is complete
    assert stored.classified_by == owner_actor.user and stored.classified_on is not None
    assert current_classification(system) == stored
    [event] = _events(stored)
    assert event.action == "create" and event.changes_dict["tier"] == [None, "high_risk"]
    assert event.changes_dict["answers"][1]["a3_4a_recruitment"] is True


def test_the_newest_classification_is_current_and_earlier_ones_are_kept(owner_actor, system):
    first = ai_system_classify(actor=owner_actor, ai_system=system, answers=CV_SCREENING)
    second = ai_system_classify(
        actor=owner_actor, ai_system=system, answers={**CV_SCREENING, "profiling": False, "exc_preparatory_task": True}
    )
    assert current_classification(system) == second and second.tier == "minimal"
    assert set(Classification.objects.filter(ai_system=system)) == {first, second}


def test_never_classified_has_no_current_classification(system):
    assert current_classification(system) is None


def test_wrong_answers_are_refused_with_the_question_named_and_nothing_written(owner_actor, system):
    before = TrailEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        ai_system_classify(actor=owner_actor, ai_system=system, answers={"roles": ["provider"], "profilng": True})
    assert "profilng" in caught.value.message_dict
    assert not Classification.objects.exists() and TrailEvent.objects.count() == before


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.VIEWER, Role.REVIEWER])
def test_read_only_roles_cannot_classify(actor_of, system, role):
    with pytest.raises(PermissionDenied):
        ai_system_classify(actor=actor_of(role), ai_system=system, answers=CV_SCREENING)


# --- stale when the purpose changes -------------------------------------------------------------------------------


def test_a_new_purpose_makes_the_classification_stale_with_a_trail_event(owner_actor, system):
    stored = ai_system_classify(actor=owner_actor, ai_system=system, answers=CV_SCREENING)
    services.ai_system_update(actor=owner_actor, ai_system=system, description="More words.")
    services.ai_system_transition(actor=owner_actor, ai_system=system, to_stage="design")
    stored.refresh_from_db()
    assert not stored.stale
    services.ai_system_update(actor=owner_actor, ai_system=system, intended_use="Also ranks internal candidates.")
    stored.refresh_from_db()
    assert stored.stale and "Intended use changed" in stored.stale_reason
    event = _events(stored)[-1]
    assert event.action == "update" and event.changes_dict["stale"] == [False, True]
    # A second change does not write another event; classifying again gives a fresh, current classification.
    services.ai_system_update(actor=owner_actor, ai_system=system, purpose="Ranks applicants and staff.")
    assert len(_events(stored)) == 2
    again = ai_system_classify(actor=owner_actor, ai_system=system, answers=CV_SCREENING)
    assert current_classification(system) == again and not again.stale


def test_only_the_current_classification_goes_stale(owner_actor, system):
    old = ai_system_classify(actor=owner_actor, ai_system=system, answers=CV_SCREENING)
    new = ai_system_classify(actor=owner_actor, ai_system=system, answers=CV_SCREENING)
    services.ai_system_update(actor=owner_actor, ai_system=system, purpose="Something else entirely.")
    old.refresh_from_db()
    new.refresh_from_db()
    assert new.stale and not old.stale


# --- API ----------------------------------------------------------------------------------------------------------


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_api_classifies_without_saving(api_as, system):
    response = _post(api_as(Role.VIEWER), "/api/v1/classify/eu-ai-act", CV_SCREENING)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tier"] == "high_risk" and body["citation"] == "Art. 6(2) + Annex III point 4(a)"
    assert {"role": "deployer", "citation": "Art. 26(7)"}.items() <= next(
        o for o in body["obligations"] if o["citation"] == "Art. 26(7)"
    ).items()
    assert not Classification.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"roles": ["provider"], "a3_4a_recruitmnt": True}, "a3_4a_recruitmnt"),
        ({"roles": ["provider"], "profiling": "yes"}, "profiling"),
        ({"roles": ["seller"]}, "roles.0"),
        ({"roles": []}, "roles"),
        ({}, "roles"),
        ({"roles": ["provider"], "gpai_training_compute_flop": -5}, "gpai_training_compute_flop"),
        ({"roles": ["provider"], "subject": "robot"}, "subject"),
    ],
)
def test_api_422_names_the_field(api_as, body, field):
    response = _post(api_as(Role.VIEWER), "/api/v1/classify/eu-ai-act", body)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]], response.json()


def test_api_answers_schema_is_documented_from_the_question_data(client):
    schema = client.get("/api/v1/openapi.json").json()
    answers = schema["components"]["schemas"]["EUAIActAnswers"]
    assert answers["required"] == ["roles"] and answers["additionalProperties"] is False
    assert "Annex III point 5(b)" in answers["properties"]["a3_5b_creditworthiness"]["description"]
    assert answers["properties"]["subject"]["enum"] == ["ai_system", "gpai_model"]
    operation = schema["paths"]["/api/v1/classify/eu-ai-act"]["post"]
    assert {"200", "400", "401", "422"} <= set(operation["responses"])


def test_api_save_and_read_classification(api_as, system):
    url = f"/api/v1/systems/{system.pk}/classification"
    assert api_as(Role.VIEWER).get(url).status_code == 404  # not classified yet
    created = _post(api_as(Role.CONTRIBUTOR), url, CV_SCREENING)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["tier"] == "high_risk" and body["ai_system_id"] == str(system.pk) and body["stale"] is False
    assert body["classified_by"].startswith("contributor-acme")
    read = api_as(Role.AUDITOR).get(url)
    assert read.status_code == 200 and read.json()["id"] == body["id"]
    history = api_as(Role.VIEWER).get(f"{url}s")
    assert [c["id"] for c in history.json()] == [body["id"]]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.VIEWER])
def test_api_read_only_roles_cannot_save(api_as, system, role):
    response = _post(api_as(role), f"/api/v1/systems/{system.pk}/classification", CV_SCREENING)
    assert response.status_code == 403
    assert not Classification.objects.exists()


def test_api_another_organizations_system_is_404(api_as, other_actor):
    theirs = services.ai_system_create(actor=other_actor, name="Theirs", purpose="Not yours.")
    ai_system_classify(actor=other_actor, ai_system=theirs, answers=CV_SCREENING)
    client = api_as(Role.OWNER)
    url = f"/api/v1/systems/{theirs.pk}/classification"
    assert client.get(url).status_code == 404
    assert client.get(f"{url}s").status_code == 404
    assert _post(client, url, CV_SCREENING).status_code == 404
    assert Classification.objects.filter(ai_system=theirs).count() == 1


def test_api_save_with_bad_answers_is_422_and_writes_nothing(api_as, system):
    response = _post(api_as(Role.OWNER), f"/api/v1/systems/{system.pk}/classification", {"roles": ["x"]})
    assert response.status_code == 422
    assert not Classification.objects.exists()


# --- views --------------------------------------------------------------------------------------------------------


def test_detail_page_shows_tier_basis_date_and_stale_warning(ui_as, owner_actor, system):
    page = ui_as(Role.VIEWER).get(f"/systems/{system.pk}/")
    assert "Not classified yet" in page.content.decode()
    ai_system_classify(actor=owner_actor, ai_system=system, answers=CV_SCREENING)
    html = ui_as(Role.VIEWER).get(f"/systems/{system.pk}/").content.decode()
    assert "High-risk AI system" in html and "Art. 6(2) + Annex III point 4(a)" in html
    assert f"/systems/{system.pk}/classification/questionnaire/" in html and "Out of date" not in html
    services.ai_system_update(actor=owner_actor, ai_system=system, purpose="Ranks applicants and promotes staff.")
    html = ui_as(Role.VIEWER).get(f"/systems/{system.pk}/").content.decode()
    assert "Out of date" in html and "Purpose changed" in html


def test_classification_page_lists_obligations_and_rationale(ui_as, owner_actor, system):
    ai_system_classify(actor=owner_actor, ai_system=system, answers=CV_SCREENING)
    html = ui_as(Role.AUDITOR).get(f"/systems/{system.pk}/classification/").content.decode()
    assert "Art. 26(7)" in html and "Art. 43" in html and "profiles natural persons" in html


def test_questionnaire_is_generated_from_the_data_and_grouped_by_section(ui_as, system):
    response = ui_as(Role.CONTRIBUTOR).get(f"/systems/{system.pk}/classification/questionnaire/")
    html = response.content.decode()
    assert response.status_code == 200
    for title in (
        "Prohibited practices (Art. 5)",
        "High-risk areas (Art. 6(2) and Annex III)",
        "Transparency (Art. 50)",
    ):
        assert title in html
    assert 'name="a3_8b_elections"' in html and "Annex III point 8(b)" in html
    assert "<script" not in html.split("</head>", 1)[1]  # no inline script (CSP)
    assert "Save classification" in html
    assert (
        "Save classification"
        not in ui_as(Role.VIEWER).get(f"/systems/{system.pk}/classification/questionnaire/").content.decode()
    )


def test_questionnaire_saves_and_previews(ui_as, system):
    client = ui_as(Role.CONTRIBUTOR)
    url = f"/systems/{system.pk}/classification/questionnaire/"
    form = {"subject": "ai_system", "roles": ["deployer"], "meets_ai_definition": "on", "eu_nexus": "on"}
    form |= {"a3_5b_creditworthiness": "on", "annex_i_legislation": "a1_machinery"}
    preview = client.post(url, {**form, "preview": "1"}, HTTP_HX_REQUEST="true")
    assert preview.status_code == 200 and "Preview, not saved" in preview.content.decode()
    assert "Art. 27" in preview.content.decode()
    assert not Classification.objects.exists()
    saved = client.post(url, form)
    assert saved.status_code == 302 and saved["Location"] == f"/systems/{system.pk}/classification/"
    stored = current_classification(system)
    assert stored.tier == "high_risk" and stored.answers["roles"] == ["deployer"]


def test_questionnaire_errors_come_back_in_the_form(ui_as, system):
    client = ui_as(Role.CONTRIBUTOR)
    url = f"/systems/{system.pk}/classification/questionnaire/"
    response = client.post(url, {"subject": "ai_system", "annex_i_legislation": "a1_machinery"})
    assert response.status_code == 422 and "This field is required" in response.content.decode()
    assert not Classification.objects.exists()


def test_viewer_cannot_save_from_the_questionnaire(ui_as, system):
    url = f"/systems/{system.pk}/classification/questionnaire/"
    form = {"subject": "ai_system", "roles": ["provider"], "eu_nexus": "on", "annex_i_legislation": "a1_machinery"}
    assert ui_as(Role.VIEWER).post(url, form).status_code == 403
    assert not Classification.objects.exists()


def test_other_organizations_pages_are_404(ui_as, other_actor):
    theirs = services.ai_system_create(actor=other_actor, name="Theirs", purpose="Not yours.")
    client = ui_as(Role.OWNER)
    assert client.get(f"/systems/{theirs.pk}/classification/").status_code == 404
    assert client.get(f"/systems/{theirs.pk}/classification/questionnaire/").status_code == 404


def test_a_first_questionnaire_starts_from_the_defaults(ui_as, system):
    html = ui_as(Role.CONTRIBUTOR).get(f"/systems/{system.pk}/classification/questionnaire/").content.decode()
    inputs = {m.group(1): m.group(0) for m in re.finditer(r'<input type="checkbox" name="(\w+)"[^>]*>', html)}
    assert "checked" in inputs["eu_nexus"] and "checked" in inputs["meets_ai_definition"]
    assert "checked" not in inputs["excl_military"] and "checked" not in inputs["a3_4a_recruitment"]
