"""The overview with its heat maps, the criteria page and API, the SoA conflict flag on both sides."""

from __future__ import annotations

import re
from collections import Counter

from django.urls import reverse

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from openaims.controls.models import SoAEntry
from openaims.controls.services import soa_ensure_entries, soa_entry_update
from openaims.risk import scoring, services
from openaims.risk.heatmap import heat_map_svg
from openaims.risk.models import RiskCriteria
from openaims.risk.selectors import soa_conflicts
from tests.risk.helpers import make_risk

RANKS = ["low", "medium", "high", "critical"]


def _cell(svg: str, likelihood: int, consequence: int) -> dict:
    match = re.search(
        rf'<a href="([^"]+)" class="heat-cell" data-likelihood="{likelihood}" data-consequence="{consequence}" '
        rf'data-level="(\w+)" data-count="(\d+)"><title>([^<]+)</title>',
        svg,
    )
    assert match, (likelihood, consequence)
    return {"href": match[1], "level": match[2], "count": int(match[3]), "title": match[4]}


def test_heat_map_svg_counts_levels_links_and_text_alternative():
    criteria = RiskCriteria()
    svg = heat_map_svg(criteria, Counter({(4, 5): 2, (1, 1): 1}), register_url="/risks/")
    assert svg.startswith("<svg") and 'role="img"' in svg and "<script" not in svg and "style=" not in svg
    assert '<title id="heatmap-title">Inherent risk heat map: 3 risks</title>' in svg
    assert "2 at likelihood 4 (Likely) × consequence 5 (Severe), critical" in svg
    assert svg.count('class="heat-cell"') == 25
    assert _cell(svg, 4, 5) == {
        "href": "/risks/?likelihood=4&amp;consequence=5",
        "level": "critical",
        "count": 2,
        "title": "Likelihood 4 (Likely) × consequence 5 (Severe): critical, 2 risks",
    }
    assert _cell(svg, 1, 1)["count"] == 1 and _cell(svg, 3, 3)["count"] == 0
    residual = heat_map_svg(criteria, Counter(), residual=True, svg_id="r")
    assert "residual_likelihood=1&amp;residual_consequence=1" in residual and "No risks." in residual


def test_overview_shows_both_heat_maps_with_counts(ui_as, owner_actor):
    make_risk(owner_actor, title="A", likelihood=4, consequence=5, residual_likelihood=2, residual_consequence=2)
    make_risk(owner_actor, title="B", likelihood=4, consequence=5)
    make_risk(owner_actor, title="Closed", likelihood=4, consequence=5, status="closed")
    page = ui_as(Role.VIEWER).get(reverse("risk-overview"))
    assert page.status_code == 200
    html = page.content.decode()
    inherent = html.split('id="heatmap-inherent"', 1)[1].split("</svg>", 1)[0]
    residual = html.split('id="heatmap-residual"', 1)[1].split("</svg>", 1)[0]
    assert _cell(inherent, 4, 5)["count"] == 2  # the closed risk is left out
    assert _cell(residual, 2, 2)["count"] == 1 and _cell(residual, 4, 5)["count"] == 0
    assert "Content-Security-Policy" in page.headers and "<script>" not in html


def test_heat_cell_link_filters_the_register(ui_as, owner_actor):
    hit = make_risk(owner_actor, title="Hit", likelihood=4, consequence=5)
    miss = make_risk(owner_actor, title="Miss", likelihood=1, consequence=5)
    html = ui_as(Role.VIEWER).get(reverse("risks-list"), {"likelihood": 4, "consequence": 5}).content.decode()
    assert reverse("risks-detail", args=[hit.pk]) in html and reverse("risks-detail", args=[miss.pk]) not in html
    assert '<span class="badge badge-red">Critical</span>' in html  # 4 × 5, rendered as a badge, not escaped


def test_register_filters_overdue_and_untreated(api_as, owner_actor):
    overdue = make_risk(owner_actor, title="Overdue", review_date="2020-01-01")
    treated = make_risk(owner_actor, title="Treated", treatment_option="avoid")
    client = api_as(Role.VIEWER)
    assert [r["title"] for r in client.get("/api/v1/risks", {"overdue": "true"}).json()["items"]] == ["Overdue"]
    untreated = {r["title"] for r in client.get("/api/v1/risks", {"untreated": "true"}).json()["items"]}
    assert untreated == {"Overdue"}
    assert client.get(f"/api/v1/risks/{overdue.pk}").json()["review_overdue"] is True
    assert client.get(f"/api/v1/risks/{treated.pk}").json()["review_overdue"] is False


def test_criteria_page_rescores_and_names_changed_risks(ui_as, owner_actor):
    risk = make_risk(owner_actor, title="Bias in scoring", likelihood=3, consequence=3)
    client = ui_as(Role.MANAGER)
    page = client.get(reverse("risk-criteria"))
    assert page.status_code == 200 and "The default criteria apply" in page.content.decode()
    data = {
        "likelihood_labels": "Rare, Unlikely, Possible, Likely, Almost certain",
        "consequence_labels": "Negligible, Minor, Moderate, Major, Severe",
        "acceptance_threshold": "low",
        "review_interval_days": "180",
        "methodology": "Rated in a workshop per system.",
    }
    for lik in range(1, 6):
        for con in range(1, 6):
            data[f"cell_{lik}_{con}"] = scoring.default_matrix(5, 5)[lik - 1][con - 1]
    data["cell_3_3"] = "high"
    for lik, con in ((3, 4), (3, 5), (4, 3), (5, 3)):
        data[f"cell_{lik}_{con}"] = max(
            data[f"cell_{lik}_{con}"], "high", key=["low", "medium", "high", "critical"].index
        )
    response = client.post(reverse("risk-criteria"), data, follow=True)
    html = response.content.decode()
    assert "1 of 1 risks changed level" in html and "Bias in scoring: inherent medium → high" in html
    risk.refresh_from_db()
    assert risk.inherent_level == "high"
    bad = client.post(reverse("risk-criteria"), {**data, "likelihood_labels": "One, Two"})
    assert bad.status_code == 422 and "likelihood scale must have 3 to 7 points" in bad.content.decode()
    assert ui_as(Role.CONTRIBUTOR).post(reverse("risk-criteria"), data).status_code == 403


def test_criteria_api_get_and_put_lists_changed_risks(api_as, owner_actor):
    risk = make_risk(owner_actor, title="Leak", likelihood=5, consequence=3)  # 15 of 25: high
    client = api_as(Role.MANAGER)
    got = client.get("/api/v1/risk-criteria").json()
    assert got["defined"] is False and got["matrix"][1][2] == "medium" and len(got["likelihood_labels"]) == 5
    put = client.put(
        "/api/v1/risk-criteria",
        {"consequence_labels": ["Low", "Medium", "High"], "acceptance_threshold": "low"},
        content_type="application/json",
    )
    assert put.status_code == 200, put.content
    body = put.json()
    assert body["criteria"]["defined"] is True and len(body["criteria"]["matrix"][0]) == 3
    assert body["rescored"] == 1
    assert body["changed"] == [
        {
            "risk_id": str(risk.pk),
            "title": "Leak",
            "inherent_before": "high",
            "inherent_after": "critical",  # 10 of 15
            "residual_before": None,
            "residual_after": None,
            "acceptance_withdrawn": False,
        }
    ]
    risk.refresh_from_db()
    assert risk.consequence == 2  # 3 of 5 is 2 of 3
    bad = client.put("/api/v1/risk-criteria", {"matrix": [["low"] * 3] * 2}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("matrix")
    assert api_as(Role.CONTRIBUTOR).put("/api/v1/risk-criteria", {}, content_type="application/json").status_code == 403


def test_excluded_control_treating_a_high_risk_is_flagged_on_both_sides(ui_as, owner_actor):
    soa_ensure_entries(actor=owner_actor)
    entry = SoAEntry.objects.get(organization=owner_actor.organization, control_id="A.6.2.4")
    low = make_risk(owner_actor, title="Minor glitch", likelihood=1, consequence=1, controls=[entry])
    high = make_risk(owner_actor, title="Wrong credit decisions", likelihood=4, consequence=4, controls=[entry])
    assert soa_conflicts(owner_actor) == {}
    soa_entry_update(actor=owner_actor, soa_entry=entry, applicable=False, justification="Not our business.")
    assert soa_conflicts(owner_actor) == {entry.pk: [high]}
    client = ui_as(Role.VIEWER)
    risk_page = client.get(reverse("risks-detail", args=[high.pk])).content.decode()
    assert "Conflict with the Statement of Applicability" in risk_page and "A.6.2.4" in risk_page
    assert "Conflict with" not in client.get(reverse("risks-detail", args=[low.pk])).content.decode()
    soa_page = client.get(reverse("soa")).content.decode()
    row = soa_page.split('data-control="A.6.2.4"', 1)[1].split("</tr>", 1)[0]
    assert "soa-conflict" in row and "treats 1 high risk" in row and "Wrong credit decisions" in row
    assert "soa-conflict" not in soa_page.split('data-control="A.6.2.5"', 1)[1].split("</tr>", 1)[0]
    entry_page = client.get(reverse("soa-entries-detail", args=[entry.pk])).content.decode()
    assert "soa-conflict" in entry_page and "Minor glitch" in entry_page
    overview = client.get(reverse("risk-overview")).content.decode()
    assert "Wrong credit decisions</a> (high)" in overview


def test_accept_button_in_the_ui(ui_as, owner_actor, members):
    risk = make_risk(owner_actor, likelihood=5, consequence=5, owner=members[Role.MANAGER])
    refused = ui_as(Role.MANAGER).post(reverse("risks-accept", args=[risk.pk]), {"rationale": "x"}, follow=True)
    assert "only an admin or owner" in refused.content.decode()
    ok = ui_as(Role.ADMIN).post(reverse("risks-accept", args=[risk.pk]), {"rationale": "Appetite §2"}, follow=True)
    assert "accepted" in ok.content.decode()
    risk.refresh_from_db()
    assert risk.status == "accepted"
    assert TrailEvent.objects.filter(object_id=str(risk.pk), action="transition").count() == 1


def test_risk_action_done_records_completion(owner_actor):
    risk = make_risk(owner_actor)
    action = services.risk_action_create(actor=owner_actor, risk=risk, description="Reweigh", due_date="2020-01-01")
    assert action.overdue
    services.risk_action_update(actor=owner_actor, risk_action=action, status="done")
    action.refresh_from_db()
    assert action.completed_on is not None and not action.overdue
