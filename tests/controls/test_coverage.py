"""Coverage of NIST AI RMF on a small constructed case: statuses of mapped controls, basis filter, numbers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from openaims.accounts.choices import Role
from openaims.base.errors import NotFound
from openaims.catalog import get_crosswalk
from openaims.controls import services
from openaims.controls.models import SoAEntry
from openaims.controls.selectors.coverage import coverage_report, coverage_summaries
from openaims.risk.services import risk_criteria_update


def decide(actor, control_id: str, status: str = "implemented", applicable: bool = True) -> None:
    entry = SoAEntry.objects.get(organization=actor.organization, control_id=control_id)
    services.soa_entry_update(
        actor=actor, soa_entry=entry, applicable=applicable, justification="Decided.", implementation_status=status
    )


@pytest.fixture
def constructed(owner_actor):
    actor = owner_actor
    services.soa_ensure_entries(actor=actor)
    decide(actor, "A.6.2.7")  # MAP 2.2: its only published mapping → implemented
    decide(actor, "A.5.4")  # MAP 1.6: one of three → partial
    decide(actor, "A.5.5", "partial")
    decide(actor, "A.9.3")  # GOVERN 1.2: the other mapped control is excluded → implemented
    decide(actor, "A.6.1.2", applicable=False)
    # MAP 1.5: clause 6.1.1 met → implemented. 6.1.1 is derived from the risk criteria, so set them.
    risk_criteria_update(actor=actor, methodology="Rated by the owner with the AI risk team, yearly.")
    return actor


def rows_by_id(report):
    return {row.requirement_id: row for row in report.rows}


def test_published_mappings_on_a_constructed_case(constructed):
    report = coverage_report(constructed, "nist-ai-rmf", ["published"])
    rows = rows_by_id(report)
    assert rows["MAP 2.2"].status == "implemented"
    assert rows["MAP 1.6"].status == "partial"
    assert rows["GOVERN 1.2"].status == "implemented"
    assert rows["MAP 1.5"].status == "implemented"
    assert rows["MAP 2.1"].status == "not_started"
    mapping = rows["MAP 2.2"].mappings[0]
    assert (mapping.iso_id, mapping.basis, mapping.source) == ("A.6.2.7", "published", "MSNIST")
    assert "Microsoft" in mapping.source_title and mapping.status == "implemented"
    excluded = next(m for m in rows["GOVERN 1.2"].mappings if m.iso_id == "A.6.1.2")
    assert excluded.status == "excluded"

    published_targets = {m.target_id for m in get_crosswalk("iso42001", "nist-ai-rmf") if m.basis == "published"}
    summary = report.summary
    assert summary["total"] == 72 and summary["reached"] == len(published_targets) == 8
    assert (summary["implemented"], summary["partial"], summary["not_started"]) == (3, 1, 4)
    assert summary["unreached"] == 64 and summary["implemented_percent"] == round(100 * 3 / 72)
    assert all(m.basis == "published" for row in report.rows for m in row.mappings)


def test_basis_filter_changes_what_is_reached(constructed):
    everything = coverage_report(constructed, "nist-ai-rmf")
    all_targets = {m.target_id for m in get_crosswalk("iso42001", "nist-ai-rmf")}
    assert everything.summary["reached"] == len(all_targets) > 8
    assert {m.basis for row in everything.rows for m in row.mappings} == {"published", "judgement"}
    with pytest.raises(ValidationError) as bad:
        coverage_report(constructed, "nist-ai-rmf", ["rumour"])
    assert "basis" in bad.value.message_dict
    with pytest.raises(NotFound):
        coverage_report(constructed, "iso42001")
    summaries = coverage_summaries(constructed, ["derived"])
    assert [r.framework.id for r in summaries] == ["eu-ai-act", "iso27001", "nist-ai-rmf", "soc2"]
    assert next(r for r in summaries if r.framework.id == "nist-ai-rmf").summary["reached"] == 0


def test_api_and_pages(constructed, api_as, ui_as):
    client = api_as(Role.VIEWER)
    listed = client.get("/api/v1/coverage", {"basis": "published"}).json()
    nist = next(f for f in listed if f["framework_id"] == "nist-ai-rmf")
    assert nist["summary"]["implemented"] == 3 and nist["basis"] == ["published"]
    one = client.get("/api/v1/coverage/nist-ai-rmf", {"basis": ["published", "judgement"]}).json()
    row = next(r for r in one["rows"] if r["requirement_id"] == "MAP 2.2")
    statuses = {m["iso_id"]: m["status"] for m in row["mappings"]}
    assert statuses["A.6.2.7"] == "implemented" and all(m["source_title"] for m in row["mappings"])
    assert row["status"] == ("implemented" if len(statuses) == 1 else "partial")
    assert client.get("/api/v1/coverage/nope").status_code == 404
    assert client.get("/api/v1/coverage/nist-ai-rmf", {"basis": "rumour"}).status_code == 422
    page = ui_as(Role.VIEWER).get(reverse("coverage"), {"basis": "published"})
    assert page.status_code == 200 and 'data-framework="soc2"' in page.content.decode()
    detail = ui_as(Role.VIEWER).get(
        reverse("coverage-framework", args=["nist-ai-rmf"]), {"status": "partial", "basis": "published"}
    )
    html = detail.content.decode()
    assert 'data-requirement="MAP 1.6"' in html and 'data-requirement="MAP 2.2"' not in html
    assert 'data-basis="published"' in html
    assert ui_as(Role.VIEWER).get(reverse("coverage-framework", args=["nope"])).status_code == 404
