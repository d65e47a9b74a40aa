"""The internal audit's rules: numbering and due audits, the risk-weighted reproducible sample, impartiality, the
checklist from the scope, findings that raise nonconformities and improvements, and the audit's life."""

from __future__ import annotations

import collections
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.audits import internal_services as services
from openaims.audits.models import AuditChecklistItem, Improvement, InternalAudit, Nonconformity
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.controls import services as soa_services
from openaims.controls.models import SoAEntry
from openaims.inventory.classification import ai_system_classify
from openaims.risk.services import risk_create
from tests.audits.helpers import make_evidence, make_system
from tests.audits.internal_helpers import make_audit, make_programme

DAY = dt.timedelta(days=1)
HIGH_RISK_ANSWERS = {"roles": ["provider", "deployer"], "a3_4a_recruitment": True, "profiling": True}


def _events(obj) -> list[str]:
    return list(TrailEvent.objects.filter(object_id=str(obj.pk)).order_by("sequence").values_list("action", flat=True))


def _risky_system(actor, name: str):
    """A high-risk system (EU AI Act) with a critical open risk: weight 1 + 8 + 4 + 1 = 14."""
    system = make_system(actor, name=name)
    ai_system_classify(actor=actor, ai_system=system, answers=HIGH_RISK_ANSWERS)
    risk_create(actor=actor, title=f"Unfair refusals by {name}", ai_systems=[system], likelihood=4, consequence=5)
    return system


# --- Numbering, due audits, calendar --------------------------------------------------------------------------


def test_audits_are_numbered_per_organization_and_flagged_due(owner_actor, other_actor, ui_as):
    programme = make_programme(owner_actor)
    past = timezone.localdate() - 3 * DAY
    late = make_audit(owner_actor, programme, title="Late audit", planned_start=past, planned_end=past + 2 * DAY)
    future = make_audit(owner_actor, programme, title="Future audit")
    theirs = make_audit(other_actor)
    assert (late.reference, future.reference, theirs.reference) == ("IA-0001", "IA-0002", "IA-0001")
    assert late.due and not future.due
    assert _events(late) == ["create"]

    page = ui_as(Role.VIEWER).get(reverse("internal-audits-calendar"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Late audit" in body and f"{past:%Y-%m}" in body and "2030-03" in body and 'badge-red">due' in body
    assert "IA-0001" in body and theirs.title not in body

    services.internal_audit_start(actor=owner_actor, internal_audit=late)
    late.refresh_from_db()
    assert not late.due and late.started_on == timezone.localdate()


def test_api_lists_due_audits(api_as, owner_actor):
    past = timezone.localdate() - 3 * DAY
    late = make_audit(owner_actor, planned_start=past, planned_end=past + DAY)
    make_audit(owner_actor)
    body = api_as(Role.VIEWER).get("/api/v1/internal-audits", {"due": True}).json()
    assert [item["id"] for item in body["items"]] == [str(late.pk)] and body["items"][0]["due"] is True
    by_reference = api_as(Role.VIEWER).get("/api/v1/internal-audits", {"q": "IA-2"}).json()
    assert [item["reference"] for item in by_reference["items"]] == ["IA-0002"]


# --- Sampling -------------------------------------------------------------------------------------------------


def test_same_seed_same_sample_and_weights_recorded(owner_actor):
    risky = _risky_system(owner_actor, "CV screener")
    plain = [make_system(owner_actor, name=f"Helper {i}") for i in range(4)]
    audit = make_audit(owner_actor)
    first = services.internal_audit_draw_sample(actor=owner_actor, audit=audit, size=2, seed=42)
    drawn = sorted(str(pk) for pk in first.sampled_systems.values_list("pk", flat=True))
    assert len(drawn) == 2 and first.sample_seed == 42
    weights = {row["name"]: row for row in first.sample_weights}
    assert weights["CV screener"]["weight"] == 14 and "high_risk 4" in weights["CV screener"]["basis"]
    assert {weights[s.name]["weight"] for s in plain} == {1}
    assert weights["CV screener"]["ai_system_id"] == str(risky.pk)

    services.internal_audit_draw_sample(actor=owner_actor, audit=audit, size=2, seed=7)
    again = services.internal_audit_draw_sample(actor=owner_actor, audit=audit, size=2, seed=42)
    assert sorted(str(pk) for pk in again.sampled_systems.values_list("pk", flat=True)) == drawn
    event = TrailEvent.objects.filter(object_id=str(audit.pk)).order_by("-sequence").first()
    assert event.changes_dict["sample_seed"] == [7, 42] and "seed 42" in event.changes_dict["reason"][1]


def test_higher_risk_systems_are_drawn_more_often(owner_actor):
    _risky_system(owner_actor, "CV screener")
    medium = make_system(owner_actor, name="Chat helper")
    risk_create(actor=owner_actor, title="Wrong answers", ai_systems=[medium], likelihood=2, consequence=3)
    make_system(owner_actor, name="Spell checker")
    audit = make_audit(owner_actor)
    counts: collections.Counter = collections.Counter()
    for seed in range(150):
        drawn = services.internal_audit_draw_sample(actor=owner_actor, audit=audit, size=1, seed=seed)
        counts[drawn.sampled_systems.get().name] += 1
    weights = {row["name"]: row["weight"] for row in audit.__class__.objects.get(pk=audit.pk).sample_weights}
    assert weights["CV screener"] > weights["Chat helper"] > weights["Spell checker"] == 1
    assert counts["CV screener"] > counts["Chat helper"] > counts["Spell checker"]
    assert counts["CV screener"] > 150 / 2


def test_weighted_draw_matches_the_weights():
    """Oracle: with size 1 each key is drawn with probability weight / total."""
    candidates = [("a", 1), ("b", 3), ("c", 6)]
    draws = collections.Counter(services.draw_weighted(candidates, 1, seed)[0] for seed in range(6000))
    for key, weight in candidates:
        assert abs(draws[key] / 6000 - weight / 10) < 0.03
    assert services.draw_weighted(candidates, 3, 5) == services.draw_weighted(candidates, 3, 5)
    assert sorted(services.draw_weighted(candidates, 3, 5)) == ["a", "b", "c"]


def test_sample_bad_input_names_the_field(owner_actor, api_as):
    make_system(owner_actor)
    audit = make_audit(owner_actor)
    with pytest.raises(ValidationError) as too_big:
        services.internal_audit_draw_sample(actor=owner_actor, audit=audit, size=5, seed=1)
    assert "size" in too_big.value.message_dict
    client = api_as(Role.MANAGER)
    zero = client.post(f"/api/v1/internal-audits/{audit.pk}/sample", {"size": 0, "seed": 1}, "application/json")
    assert zero.status_code == 422 and zero.json()["errors"][0]["field"] == "size"
    negative = client.post(f"/api/v1/internal-audits/{audit.pk}/sample", {"size": 1, "seed": -1}, "application/json")
    assert negative.status_code == 422 and negative.json()["errors"][0]["field"] == "seed"
    audit.refresh_from_db()
    assert audit.sample_seed is None and _events(audit) == ["create"]


# --- Impartiality ---------------------------------------------------------------------------------------------


def test_lead_auditor_owning_a_system_in_scope_is_refused(api_as, owner_actor, members):
    manager = members[Role.MANAGER]
    system = make_system(owner_actor, name="Loan scorer", owner=manager)
    programme = make_programme(owner_actor)
    client = api_as(Role.OWNER)
    before = TrailEvent.objects.count()
    response = client.post(
        "/api/v1/internal-audits",
        {
            "title": "Lending audit",
            "programme_id": str(programme.pk),
            "ai_systems": [str(system.pk)],
            "lead_auditor_id": str(manager.pk),
            "planned_start": "2030-01-10",
            "planned_end": "2030-01-12",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "lead_auditor", "message": "owns the AI system 'Loan scorer' in this audit's scope"}
    ]
    assert not InternalAudit.objects.exists() and TrailEvent.objects.count() == before


def test_team_member_owning_an_soa_entry_in_scope_is_refused(owner_actor, members):
    soa_services.soa_ensure_entries(actor=owner_actor)
    contributor = members[Role.CONTRIBUTOR]
    entry = SoAEntry.objects.get(organization=owner_actor.organization, control_id="A.6.2.6")
    soa_services.soa_entry_update(actor=owner_actor, soa_entry=entry, owner=contributor, justification="R-1.")
    with pytest.raises(ValidationError) as refused:
        make_audit(owner_actor, control_ids=["A.6.2.6"], team=[contributor])
    assert refused.value.message_dict == {
        "team": [f"{contributor.username} owns the SoA entry 'A.6.2.6' of a control in this audit's scope"]
    }
    audit = make_audit(owner_actor, control_ids=["A.7.4"], team=[contributor])
    with pytest.raises(ValidationError) as widened:
        services.internal_audit_update(actor=owner_actor, internal_audit=audit, control_ids=["A.7.4", "A.6.2.6"])
    assert "team" in widened.value.message_dict
    audit.refresh_from_db()
    assert audit.control_ids == ["A.7.4"] and _events(audit) == ["create"]


def test_an_auditor_who_decided_an_soa_entry_in_scope_is_refused(owner_actor, members, api_as):
    soa_services.soa_ensure_entries(actor=owner_actor)
    manager = members[Role.MANAGER]
    entry = SoAEntry.objects.get(organization=owner_actor.organization, control_id="A.6.2.6")
    changed = api_as(Role.MANAGER).patch(
        f"/api/v1/soa-entries/{entry.pk}", {"justification": "Monitoring risk R-3."}, content_type="application/json"
    )
    assert changed.status_code == 200, changed.content
    with pytest.raises(ValidationError) as refused:
        make_audit(owner_actor, control_ids=["A.6.2.6"], lead_auditor=manager)
    assert refused.value.message_dict == {
        "lead_auditor": ["decided the SoA entry 'A.6.2.6' of a control in this audit's scope"]
    }
    assert make_audit(owner_actor, control_ids=["A.7.4"], lead_auditor=manager).lead_auditor == manager


def test_a_sample_drawing_the_lead_auditors_system_is_refused(owner_actor, members):
    manager = members[Role.MANAGER]
    make_system(owner_actor, name="Owned by the lead", owner=manager)
    audit = make_audit(owner_actor, lead_auditor=manager)
    with pytest.raises(ValidationError) as refused:
        services.internal_audit_draw_sample(actor=owner_actor, audit=audit, size=1, seed=1)
    assert refused.value.message_dict["lead_auditor"] == [
        "owns the AI system 'Owned by the lead' in this audit's scope"
    ]
    assert not audit.sampled_systems.exists()


def test_auditors_must_be_members(owner_actor, other_actor):
    with pytest.raises(ValidationError) as stranger:
        make_audit(owner_actor, lead_auditor=other_actor.user)
    assert "lead_auditor" in stranger.value.message_dict
    with pytest.raises(ValidationError) as bad_scope:
        make_audit(owner_actor, clause_ids=["9.9"], control_ids=["A.99"])
    assert set(bad_scope.value.message_dict) == {"clause_ids", "control_ids"}


# --- Checklist and findings -----------------------------------------------------------------------------------


@pytest.fixture
def issued_soa(owner_actor):
    """An issued SoA in which A.6.2.6 is applicable and A.7.4 excluded."""
    soa_services.soa_ensure_entries(actor=owner_actor)
    for entry in SoAEntry.objects.filter(organization=owner_actor.organization):
        applicable = entry.control_id != "A.7.4"
        soa_services.soa_entry_update(actor=owner_actor, soa_entry=entry, applicable=applicable, justification="R-1.")
    soa_services.soa_issue_version(actor=owner_actor)
    return owner_actor


def test_checklist_from_scope(issued_soa):
    actor = issued_soa
    system = make_system(actor, name="CV screener")
    audit = make_audit(actor, clause_ids=["9.2", "6.1.3"], control_ids=["A.6.2.6", "A.7.4"], ai_systems=[system])
    created = services.internal_audit_generate_checklist(actor=actor, audit=audit)
    lines = [(line.kind, line.reference) for line in created]
    assert lines[:4] == [
        ("requirement", "6.1.3"),
        ("requirement", "9.2.1"),
        ("requirement", "9.2.2"),
        ("control", "A.6.2.6"),
    ]
    assert ("control", "A.7.4") not in lines  # excluded in the issued SoA
    records = [line for line in created if line.kind == "record"]
    assert len(records) == len(services.SYSTEM_RECORDS) and {r.ai_system for r in records} == {system}
    assert [line.position for line in created] == list(range(1, len(created) + 1))
    assert all(_events(line) == ["create"] for line in created)
    assert services.internal_audit_generate_checklist(actor=actor, audit=audit) == []  # nothing twice


def test_no_issued_soa_no_control_lines(owner_actor):
    audit = make_audit(owner_actor, clause_ids=[], control_ids=["A.6.2.6"])
    assert services.internal_audit_generate_checklist(actor=owner_actor, audit=audit) == []


def _started_with_checklist(actor, **overrides):
    audit = make_audit(actor, **overrides)
    services.internal_audit_generate_checklist(actor=actor, audit=audit)
    return services.internal_audit_start(actor=actor, internal_audit=audit)


def test_findings_raise_nonconformities_and_improvements(owner_actor):
    system = make_system(owner_actor, name="CV screener")
    audit = _started_with_checklist(owner_actor, clause_ids=["9.2"], ai_systems=[system])
    first, second, *records = list(AuditChecklistItem.objects.filter(audit=audit).order_by("position"))
    evidence = make_evidence(owner_actor)

    major = services.audit_checklist_item_record_finding(
        actor=owner_actor, item=first, finding="major_nonconformity", notes="No programme.", evidence=[evidence]
    )
    nc = major.nonconformity
    assert nc.source == "internal_audit" and nc.severity == "major" and nc.requirement_ids == ["9.2.1"]
    assert nc.reference == "NC-0001" and list(nc.evidence.all()) == [evidence] and nc.description == "No programme."
    assert list(nc.audit_checklist_items.all()) == [major]
    assert _events(major) == ["create", "update"] and _events(nc) == ["create"]

    minor = services.audit_checklist_item_record_finding(actor=owner_actor, item=first, finding="minor_nonconformity")
    assert minor.nonconformity == nc and Nonconformity.objects.get(pk=nc.pk).severity == "minor"
    with pytest.raises(ValidationError) as kept:
        services.audit_checklist_item_record_finding(actor=owner_actor, item=first, finding="conformity")
    assert "NC-0001" in kept.value.message_dict["finding"][0]

    on_record = services.audit_checklist_item_record_finding(
        actor=owner_actor, item=records[0], finding="minor_nonconformity", notes="Stale classification."
    )
    assert on_record.nonconformity.ai_system == system and on_record.nonconformity.requirement_ids == []

    idea = services.audit_checklist_item_record_finding(
        actor=owner_actor, item=second, finding="opportunity", notes="Automate the schedule."
    )
    improvement = idea.improvement
    assert improvement.source == "internal_audit" and improvement.status == "proposed"
    assert improvement.description == "Automate the schedule." and improvement.title.startswith(audit.reference)
    services.audit_checklist_item_record_finding(actor=owner_actor, item=second, finding="opportunity")
    assert Improvement.objects.count() == 1
    with pytest.raises(ValidationError) as bad:
        services.audit_checklist_item_record_finding(actor=owner_actor, item=second, finding="great")
    assert "finding" in bad.value.message_dict


def test_findings_only_while_in_progress(owner_actor, actor_of):
    audit = make_audit(owner_actor)
    services.internal_audit_generate_checklist(actor=owner_actor, audit=audit)
    line = AuditChecklistItem.objects.filter(audit=audit).first()
    with pytest.raises(ValidationError) as planned:
        services.audit_checklist_item_record_finding(actor=owner_actor, item=line, finding="conformity")
    assert "status" in planned.value.message_dict
    services.internal_audit_start(actor=owner_actor, internal_audit=audit)
    with pytest.raises(PermissionDenied):
        services.audit_checklist_item_record_finding(actor=actor_of(Role.VIEWER), item=line, finding="conformity")


def test_report_and_close(owner_actor, actor_of):
    audit = _started_with_checklist(owner_actor, clause_ids=["9.2"])
    lines = list(AuditChecklistItem.objects.filter(audit=audit).order_by("position"))
    with pytest.raises(ValidationError) as open_lines:
        services.internal_audit_report(actor=owner_actor, internal_audit=audit, summary="Done.")
    assert "2 checklist line(s)" in open_lines.value.message_dict["checklist"][0]
    services.audit_checklist_item_record_finding(actor=owner_actor, item=lines[0], finding="conformity")
    services.audit_checklist_item_record_finding(actor=owner_actor, item=lines[1], finding="minor_nonconformity")
    with pytest.raises(ValidationError) as no_summary:
        services.internal_audit_report(actor=owner_actor, internal_audit=audit, summary=" ")
    assert "summary" in no_summary.value.message_dict
    reported = services.internal_audit_report(actor=owner_actor, internal_audit=audit, summary="One minor finding.")
    assert reported.status == "reported" and reported.reported_on == timezone.localdate()
    with pytest.raises(ValidationError):
        services.audit_checklist_item_record_finding(actor=owner_actor, item=lines[0], finding="observation")
    with pytest.raises(PermissionDenied):
        services.internal_audit_close(actor=actor_of(Role.CONTRIBUTOR), internal_audit=audit)
    closed = services.internal_audit_close(actor=owner_actor, internal_audit=audit)
    assert closed.status == "closed"
    assert _events(audit)[-3:] == ["transition", "transition", "transition"]
    with pytest.raises(ValidationError):
        services.internal_audit_delete(actor=owner_actor, internal_audit=audit)


# --- API and pages of the audit's life ------------------------------------------------------------------------


def test_api_flow(api_as, owner_actor, other_actor):
    make_system(owner_actor, name="Loan scorer")
    audit = make_audit(owner_actor, clause_ids=["9.2.2"])
    client = api_as(Role.MANAGER)
    base = f"/api/v1/internal-audits/{audit.pk}"
    sampled = client.post(f"{base}/sample", {"size": 1, "seed": 3}, content_type="application/json")
    assert sampled.status_code == 200 and sampled.json()["sample_seed"] == 3
    assert sampled.json()["sample_weights"][0]["name"] == "Loan scorer"
    generated = client.post(f"{base}/checklist")
    assert generated.status_code == 200
    assert [line["reference"] for line in generated.json()][0] == "9.2.2" and generated.json()[0]["finding"] is None
    assert client.post(f"{base}/start").json()["status"] == "in_progress"
    line_id = generated.json()[0]["id"]
    found = client.post(
        f"/api/v1/audit-checklist-items/{line_id}/finding", {"finding": "major_nonconformity"}, "application/json"
    )
    assert found.status_code == 200 and found.json()["nonconformity_id"]
    for line in generated.json()[1:]:
        client.post(
            f"/api/v1/audit-checklist-items/{line['id']}/finding", {"finding": "conformity"}, "application/json"
        )
    assert client.get(f"{base}/checklist").json()[0]["finding"] == "major_nonconformity"
    reported = client.post(f"{base}/report", {"summary": "One major finding."}, content_type="application/json")
    assert reported.status_code == 200 and reported.json()["status"] == "reported"
    assert api_as(Role.CONTRIBUTOR).post(f"{base}/close").status_code == 403  # a contributor does not approve
    assert api_as(Role.OWNER).post(f"{base}/close").json()["status"] == "closed"

    theirs = make_audit(other_actor)
    for step in ("start", "checklist"):
        assert client.post(f"/api/v1/internal-audits/{theirs.pk}/{step}").status_code == 404
    assert client.get(f"/api/v1/internal-audits/{theirs.pk}/checklist").status_code == 404
    theirs_line = services.internal_audit_generate_checklist(actor=other_actor, audit=theirs)[0]
    refused = client.post(
        f"/api/v1/audit-checklist-items/{theirs_line.pk}/finding", {"finding": "conformity"}, "application/json"
    )
    assert refused.status_code == 404
    assert api_as(Role.VIEWER).post(f"{base}/start").status_code == 403


def test_pages_show_checklist_and_record_findings(ui_as, owner_actor):
    audit = _started_with_checklist(owner_actor, clause_ids=["9.2"])
    client = ui_as(Role.MANAGER)
    page = client.get(reverse("internal-audits-detail", args=[audit.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "9.2.1" in body and "Record a finding" in body
    line = AuditChecklistItem.objects.filter(audit=audit).order_by("position").first()
    posted = client.post(reverse("audit-checklist-finding", args=[line.pk]), {"finding": "minor_nonconformity"})
    assert posted.status_code == 302
    line.refresh_from_db()
    assert line.finding == "minor_nonconformity" and line.nonconformity.reference == "NC-0001"
    shown = client.get(reverse("internal-audits-detail", args=[audit.pk])).content.decode()
    assert "NC-0001" in shown
    bad = client.post(reverse("internal-audits-step", args=[audit.pk, "report"]), {"summary": ""}, follow=True)
    assert "Not done: summary" in bad.content.decode()
    assert InternalAudit.objects.get(pk=audit.pk).status == "in_progress"
    sample = client.post(reverse("internal-audits-step", args=[audit.pk, "sample"]), {"size": "0", "seed": "1"})
    assert sample.status_code == 302 and InternalAudit.objects.get(pk=audit.pk).sample_seed is None
    viewer = ui_as(Role.VIEWER).post(reverse("internal-audits-step", args=[audit.pk, "start"]))
    assert viewer.status_code == 403


def test_api_operations_have_one_tag_each():
    """Swagger UI draws an operation once per tag: the internal audit's are under "Internal audit" only."""
    from django.test import Client

    document = Client().get("/api/v1/openapi.json").json()
    prefixes = ("/api/v1/audit-programmes", "/api/v1/internal-audits", "/api/v1/audit-checklist-items")
    tags = {
        (path, method): operation["tags"]
        for path, operations in document["paths"].items()
        if path.startswith(prefixes) or path.startswith("/api/v1/improvements")
        for method, operation in operations.items()
    }
    assert len(tags) == 27 and all(value == ["Internal audit"] for value in tags.values())


def test_null_in_any_patch_field_is_never_a_server_error(api_as, owner_actor):
    from tests.audits.internal_helpers import make_improvement

    client = api_as(Role.OWNER)
    records = {
        "audit-programmes": (make_programme(owner_actor), ["name", "objectives", "frequency", "methods", "criteria"]),
        "internal-audits": (
            make_audit(owner_actor),
            [
                "title",
                "programme_id",
                "clause_ids",
                "control_ids",
                "ai_systems",
                "criteria",
                "lead_auditor_id",
                "team",
                "planned_start",
                "planned_end",
            ],
        ),  # fmt: skip
        "improvements": (make_improvement(owner_actor), ["title", "description", "source", "owner_id", "status"]),
    }
    for path, (record, fields) in records.items():
        for field in fields:
            response = client.patch(f"/api/v1/{path}/{record.pk}", {field: None}, content_type="application/json")
            assert response.status_code in (200, 422), (path, field, response.content)
    line = services.internal_audit_generate_checklist(actor=owner_actor, audit=make_audit(owner_actor))[0]
    for body in (
        {"finding": None},
        {"finding": "conformity", "evidence": None},
        {"finding": "conformity", "notes": None},
    ):
        response = client.post(f"/api/v1/audit-checklist-items/{line.pk}/finding", body, "application/json")
        assert response.status_code in (200, 422), (body, response.content)
