"""A guest invited to some AI systems sees those systems' records and the organization-wide ones; the rest answers
404, exactly like another organization's record, in the API and the UI."""

from __future__ import annotations

from openaims.accounts.selectors import actor_for
from openaims.base.selectors import scoped
from openaims.inventory.services import ai_system_delete
from openaims.monitoring.models import MetricRun
from openaims.risk.models import Risk
from tests.audits.helpers import make_monitor, make_run, make_system
from tests.conftest import bearer_client
from tests.external_audit.helpers import guest, signed_in
from tests.impact.conftest import make_assessment
from tests.risk.helpers import make_risk


def _world(owner_actor):
    a = make_system(owner_actor, name="Loan scorer")
    b = make_system(owner_actor, name="Fraud detector")
    records = {
        "a": a,
        "b": b,
        "risk_a": make_risk(owner_actor, ai_systems=[a]),
        "risk_b": make_risk(owner_actor, ai_systems=[b]),
        "risk_both": make_risk(owner_actor, ai_systems=[a, b]),
        "risk_org": make_risk(owner_actor),
        "assessment_a": make_assessment(owner_actor, system=a),
        "assessment_b": make_assessment(owner_actor, system=b),
    }
    records["run_a"] = make_run(owner_actor, make_monitor(owner_actor, a), week=0, passed=True, with_evidence=False)
    records["run_b"] = make_run(owner_actor, make_monitor(owner_actor, b), week=0, passed=True, with_evidence=False)
    return records


def test_scoped_guest_sees_system_a_and_not_b_in_the_api(owner_actor):
    w = _world(owner_actor)
    _, guest_actor = guest(owner_actor, systems=[w["a"]])
    api = bearer_client(guest_actor)

    systems = {item["id"] for item in api.get("/api/v1/systems").json()["items"]}
    assert systems == {str(w["a"].pk)}
    risks = {item["id"] for item in api.get("/api/v1/risks", {"limit": 200}).json()["items"]}
    assert risks == {str(w[k].pk) for k in ("risk_a", "risk_both", "risk_org")}
    runs = {item["id"] for item in api.get("/api/v1/metric-runs").json()["items"]}
    assert runs == {str(w["run_a"].pk)}

    for path, key in (
        ("systems", "a"),
        ("risks", "risk_a"),
        ("impact-assessments", "assessment_a"),
        ("metric-runs", "run_a"),
    ):
        assert api.get(f"/api/v1/{path}/{w[key].pk}").status_code == 200, path
    for path, key in (
        ("systems", "b"),
        ("risks", "risk_b"),
        ("impact-assessments", "assessment_b"),
        ("metric-runs", "run_b"),
    ):
        response = api.get(f"/api/v1/{path}/{w[key].pk}")
        assert response.status_code == 404, path
        assert response.json()["status"] == 404


def test_scoped_guest_sees_system_a_and_not_b_in_the_ui(owner_actor):
    w = _world(owner_actor)
    user, _ = guest(owner_actor, systems=[w["a"]])
    browser = signed_in(user)
    listed = browser.get("/risks/").content.decode()
    assert str(w["risk_a"].pk) in listed and str(w["risk_b"].pk) not in listed
    assert browser.get(f"/risks/{w['risk_a'].pk}/").status_code == 200
    assert browser.get(f"/risks/{w['risk_b'].pk}/").status_code == 404
    assert browser.get(f"/systems/{w['b'].pk}/").status_code == 404
    assert browser.get(f"/impact-assessments/{w['assessment_a'].pk}/").status_code == 200
    assert browser.get(f"/impact-assessments/{w['assessment_b'].pk}/").status_code == 404
    assert browser.get(f"/metric-runs/{w['run_a'].pk}/").status_code == 200
    assert browser.get(f"/metric-runs/{w['run_b'].pk}/").status_code == 404


def test_whole_organization_guest_and_members_see_everything(owner_actor, actor_of):
    w = _world(owner_actor)
    _, guest_actor = guest(owner_actor)
    assert guest_actor.system_scope is None
    for actor in (guest_actor, owner_actor):
        assert scoped(Risk, actor).count() == 4
        assert scoped(MetricRun, actor).count() == 2
    assert str(w["b"].pk) in bearer_client(guest_actor).get("/api/v1/systems").content.decode()


def test_the_dashboard_counts_and_names_only_systems_in_scope(owner_actor):
    w = _world(owner_actor)
    user, _ = guest(owner_actor, systems=[w["a"]])
    page = signed_in(user).get("/").content.decode()
    assert "Loan scorer" in page and "Fraud detector" not in page
    assert "Fraud detector" in signed_in(owner_actor.user).get("/").content.decode()


def test_exports_of_a_system_outside_the_scope_answer_404(owner_actor):
    w = _world(owner_actor)
    _, guest_actor = guest(owner_actor, systems=[w["a"]])
    api = bearer_client(guest_actor)
    assert api.get(f"/api/v1/systems/{w['b'].pk}/monitoring-report.pdf").status_code == 404
    assert api.get(f"/api/v1/impact-assessments/{w['assessment_b'].pk}/export", {"format": "pdf"}).status_code == 404


def test_members_show_a_guest_expiry_and_scope(owner_actor, api_as):
    w = _world(owner_actor)
    user, _ = guest(owner_actor, systems=[w["a"]])
    members = api_as("owner").get("/api/v1/members", {"q": user.username}).json()["items"]
    assert members[0]["role"] == "guest_auditor" and members[0]["expires_at"]
    assert members[0]["scope_systems"] == [str(w["a"].pk)]


def test_a_scope_whose_systems_are_deleted_shows_no_system_not_all(owner_actor):
    w = _world(owner_actor)
    gone = make_system(owner_actor, name="Short-lived")
    user, _ = guest(owner_actor, systems=[gone])
    ai_system_delete(actor=owner_actor, ai_system=gone)
    actor = actor_for(user, owner_actor.organization)
    assert actor.system_scope == frozenset()
    api = bearer_client(actor)
    assert api.get("/api/v1/systems").json()["items"] == []
    risks = {item["id"] for item in api.get("/api/v1/risks").json()["items"]}
    assert risks == {str(w["risk_org"].pk)}


def test_guest_scoped_to_frameworks_sees_only_their_coverage(owner_actor):
    _, guest_actor = guest(owner_actor, frameworks=["iso42001", "eu-ai-act"])
    api = bearer_client(guest_actor)

    summaries = api.get("/api/v1/coverage")
    assert summaries.status_code == 200
    assert [item["framework_id"] for item in summaries.json()] == ["eu-ai-act"]
    assert api.get("/api/v1/coverage/eu-ai-act").status_code == 200
    assert api.get("/api/v1/coverage/nist-ai-rmf").status_code == 404

    _, everywhere = guest(owner_actor)
    frameworks = {item["framework_id"] for item in bearer_client(everywhere).get("/api/v1/coverage").json()}
    assert "nist-ai-rmf" in frameworks
