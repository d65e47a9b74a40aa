"""Readiness: rules collected from every app, 6.1.3 derived from the SoA, manual assessments need evidence."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.controls import services
from openaims.controls.models import SoAEntry
from openaims.controls.readiness import RULES, Derived, soa_rule
from openaims.controls.selectors.readiness import collect_rules, readiness_report, requirement_readiness, rule_for
from tests.controls.conftest import make_evidence

DAY = dt.timedelta(days=1)


def test_rules_are_collected_from_every_app():
    rules = collect_rules()
    assert rules["6.1.3"] is RULES["6.1.3"]
    assert "4.1" in rules  # governance's rules
    assert rule_for("7.5.2")[0] == "7.5"  # a clause's rule decides the requirements beneath it
    assert rule_for("7.4") is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        Derived("met", "ok", "soa").status = "partial"
    with pytest.raises(ValueError):
        Derived("done", "", "soa")


def test_6_1_3_not_met_partial_met(owner_actor):
    org = owner_actor.organization
    derived = soa_rule(org)
    assert derived.status == "not_met" and "not been started" in derived.explanation
    reverse(derived.url_name)
    services.soa_ensure_entries(actor=owner_actor)
    derived = soa_rule(org)
    assert derived.status == "partial" and "No approved version" in derived.explanation
    assert "38 controls still lack a justification" in derived.explanation
    for entry in SoAEntry.objects.filter(organization=org):
        services.soa_entry_update(actor=owner_actor, soa_entry=entry, justification="Risk R-1.")
    assert soa_rule(org).status == "partial"
    services.soa_issue_version(actor=owner_actor)
    derived = soa_rule(org)
    assert derived.status == "met" and "SoA v1" in derived.explanation and "38 controls" in derived.explanation
    assert derived.url_name == "soa-versions"


def test_report_derives_assesses_and_orders_blockers(justified_soa):
    actor = justified_soa
    report = readiness_report(actor)
    assert len(report.items) == 32 and [c.clause_id for c in report.clauses] == ["4", "5", "6", "7", "8", "9", "10"]
    item = next(i for i in report.items if i.requirement_id == "6.1.3")
    assert item.source == "derived" and item.status == "partial"
    unassessed = next(i for i in report.items if i.requirement_id == "7.4")
    assert unassessed.source == "unassessed" and unassessed.status == "not_met"
    assert unassessed.url == reverse("readiness-requirement", args=["7.4"])
    statuses = [b.status for b in report.blockers]
    assert statuses == sorted(statuses, key=lambda s: 0 if s == "not_met" else 1)
    assert report.percent == round(100 * 1.0 / 32)  # 6.1.3 and 10.2 (no nonconformity handled yet) partly met

    services.soa_issue_version(actor=actor)
    evidence = make_evidence(actor)
    services.requirement_assessment_set(actor=actor, requirement_id="7.4", status="met", evidence=[evidence])
    services.requirement_assessment_set(actor=actor, requirement_id="8.1", status="partial", notes="Half done.")
    report = readiness_report(actor)
    assert report.percent == round(100 * 3.0 / 32)  # 6.1.3 and 7.4 met; 8.1 and 10.2 partly
    clause_7 = next(c for c in report.clauses if c.clause_id == "7")
    assert (clause_7.met, clause_7.partial) == (1, 0)
    blockers = [b.requirement_id for b in report.blockers]
    assert "7.4" not in blockers and "6.1.3" not in blockers and blockers[-1] == "10.2"


def test_manual_met_needs_unexpired_evidence(owner_actor, other_actor):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as none:
        services.requirement_assessment_set(actor=owner_actor, requirement_id="7.3", status="met")
    assert list(none.value.message_dict) == ["evidence"]
    expired = make_evidence(owner_actor, valid_until=today - DAY)
    with pytest.raises(ValidationError) as old:
        services.requirement_assessment_set(actor=owner_actor, requirement_id="7.3", status="met", evidence=[expired])
    assert "evidence" in old.value.message_dict
    theirs = make_evidence(other_actor)
    with pytest.raises(ValidationError) as foreign:
        services.requirement_assessment_set(actor=owner_actor, requirement_id="7.3", status="met", evidence=[theirs])
    assert "evidence" in foreign.value.message_dict
    assert not TrailEvent.objects.filter(object_type="controls.requirementassessment").exists()
    valid = make_evidence(owner_actor, valid_until=today)
    assessment = services.requirement_assessment_set(
        actor=owner_actor, requirement_id="7.3", status="met", evidence=[expired, valid], notes="Awareness training."
    )
    assert assessment.set_by == owner_actor.user
    item = requirement_readiness(owner_actor, "7.3")
    assert item.status == "met" and item.source == "assessed" and item.explanation == "Awareness training."
    services.requirement_assessment_set(actor=owner_actor, requirement_id="7.3", status="partial")
    events = TrailEvent.objects.filter(object_id=str(assessment.pk)).order_by("sequence")
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].changes_dict["status"] == ["met", "partial"]


def test_derived_requirements_and_unknown_ids_are_refused(owner_actor, actor_of):
    with pytest.raises(ValidationError) as derived:
        services.requirement_assessment_set(actor=owner_actor, requirement_id="6.1.3", status="partial")
    assert "requirement_id" in derived.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        services.requirement_assessment_set(actor=owner_actor, requirement_id="A.2.2", status="partial")
    assert "requirement_id" in unknown.value.message_dict
    with pytest.raises(PermissionDenied):
        services.requirement_assessment_set(actor=actor_of(Role.AUDITOR), requirement_id="7.3", status="not_met")


def test_api_readiness(api_as, owner_actor):
    client = api_as(Role.MANAGER)
    body = client.get("/api/v1/readiness").json()
    # 10.2 is partly met until a nonconformity is handled to closure.
    assert body["percent"] == round(100 * 0.5 / 32) and len(body["requirements"]) == 32 and len(body["clauses"]) == 7
    assert body["blockers"][0]["status"] == "not_met"
    # Annex A controls checked from the records, beside the clause requirements (A.8.5: reporting obligations).
    checks = {check["control_id"]: check for check in body["controls"]}
    assert checks["A.8.5"]["status"] == "not_met" and checks["A.8.5"]["title"]
    evidence = make_evidence(owner_actor)
    put = client.put(
        "/api/v1/readiness/requirements/7.4",
        {"status": "met", "evidence": [str(evidence.pk)], "notes": "Audit programme 2025."},
        content_type="application/json",
    )
    assert put.status_code == 200, put.content
    assert put.json()["status"] == "met" and put.json()["evidence"] == [str(evidence.pk)]
    refused = client.put("/api/v1/readiness/requirements/7.1", {"status": "met"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "evidence"
    derived = client.put("/api/v1/readiness/requirements/6.1.3", {"status": "met"}, content_type="application/json")
    assert derived.status_code == 422 and derived.json()["errors"][0]["field"] == "requirement_id"
    assert client.get("/api/v1/readiness/requirements/99.9").status_code == 404
    assert (
        client.put(
            "/api/v1/readiness/requirements/99.9", {"status": "met"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        api_as(Role.VIEWER)
        .put("/api/v1/readiness/requirements/7.4", {"status": "not_met"}, content_type="application/json")
        .status_code
        == 403
    )


def test_dashboard_and_requirement_pages(ui_as, owner_actor):
    page = ui_as(Role.VIEWER).get(reverse("readiness"))
    html = page.content.decode()
    assert page.status_code == 200 and "What stands between us and a certification audit" in html
    assert 'data-requirement="6.1.3"' in html and reverse("soa") in html
    assert 'data-control="A.8.5"' in html  # the Annex A controls checked from the records
    client = ui_as(Role.MANAGER)
    derived = client.get(reverse("readiness-requirement", args=["6.1.3"])).content.decode()
    assert "a person cannot set it" in derived and "<form" not in derived.split("<main>")[1].split("</main>")[0]
    refused = client.post(reverse("readiness-requirement", args=["7.4"]), {"status": "met"})
    assert refused.status_code == 422 and "has not expired" in refused.content.decode()
    evidence = make_evidence(owner_actor)
    saved = client.post(reverse("readiness-requirement", args=["7.4"]), {"status": "met", "evidence": [evidence.pk]})
    assert saved.status_code == 302
    assert requirement_readiness(owner_actor, "7.4").status == "met"
    assert client.get(reverse("readiness-requirement", args=["99.9"])).status_code == 404
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert reverse("readiness") in dashboard and reverse("soa") in dashboard
