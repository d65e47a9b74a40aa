"""The minutes exported as PDF and DOCX, read back with pypdf and python-docx; downloads by API, page and CLI's
service, recorded in the trail; the review page shows the inputs and their SVG charts."""

from __future__ import annotations

import io

import docx
import pypdf
import pytest
from django.urls import reverse

from openaims.accounts.choices import Role
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.management_review import services
from openaims.management_review.charts import bar_chart_svg
from openaims.management_review.minutes import export_minutes, render_minutes_docx, render_minutes_pdf
from tests.audits.helpers import make_nc
from tests.management_review.helpers import make_action, make_decision, make_review

# WeasyPrint warns when the system lacks libharfbuzz-subset (it subsets fonts with fontTools then): not ours.
pytestmark = pytest.mark.filterwarnings("ignore:HarfBuzz-Subset will be required:DeprecationWarning")


def text_of(fmt: str, content: bytes) -> str:
    if fmt == "docx":
        document = docx.Document(io.BytesIO(content))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def issued(owner_actor, members):
    make_nc(owner_actor, title="Skewed approvals")
    review = make_review(
        owner_actor,
        title="Annual review 2030",
        attendees=[owner_actor.user, members[Role.MANAGER]],
        other_attendees="Dr Lee",
    )
    review = services.management_review_hold(actor=owner_actor, management_review=review)
    make_decision(owner_actor, review, text="Fund a second fairness reviewer.", category="resource_need")
    make_action(owner_actor, review, title="Recruit the reviewer", owner=members[Role.MANAGER])
    return services.management_review_issue_minutes(actor=owner_actor, management_review=review)


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_minutes_read_back(issued, fmt):
    content = render_minutes_docx(issued) if fmt == "docx" else render_minutes_pdf(issued)
    text = text_of(fmt, content)
    for expected in (
        "Management review minutes MR-0001",
        "Annual review 2030",
        "owner-acme@example.org",
        "manager-acme@example.org",
        "Dr Lee",
        "Status of actions from previous management reviews",
        "Nonconformities and corrective actions",
        "Opportunities for continual improvement",
        "Fund a second fairness reviewer.",
        "Recruit the reviewer",
        issued.inputs_sha256[:16],
    ):
        assert expected in text, (fmt, expected)
    if fmt == "pdf":
        assert "Nonconformities opened and closed by month" in text  # the chart's caption


def test_minutes_downloads_are_in_the_trail(issued, api_as, ui_as, actor_of):
    pdf = api_as(Role.AUDITOR).get(f"/api/v1/management-reviews/{issued.pk}/minutes", {"format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    bad = api_as(Role.AUDITOR).get(f"/api/v1/management-reviews/{issued.pk}/minutes", {"format": "odt"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "format"
    assert (
        api_as(Role.VIEWER).get(f"/api/v1/management-reviews/{issued.pk}/minutes", {"format": "pdf"}).status_code == 403
    )
    page = ui_as(Role.MANAGER).get(reverse("management-reviews-minutes", args=[issued.pk]), {"format": "docx"})
    assert page.status_code == 200 and "Recruit the reviewer" in text_of("docx", page.content)
    with pytest.raises(PermissionDenied):
        export_minutes(actor=actor_of(Role.VIEWER), management_review=issued, fmt="pdf")
    accesses = TrailEvent.objects.filter(object_id=str(issued.pk), action="access")
    assert sorted(e.changes_dict["export"][1] for e in accesses) == ["docx", "pdf"]


def test_detail_page_shows_inputs_charts_decisions_actions(issued, ui_as):
    page = ui_as(Role.VIEWER).get(reverse("management-reviews-detail", args=[issued.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="review-chart"') >= 3
    assert 'id="mr-chart-nonconformities"' in html and 'role="img"' in html
    assert "Fund a second fairness reviewer." in html and "Recruit the reviewer" in html
    assert issued.inputs_sha256 in html and "Issue the minutes" not in html  # issued already; viewer anyway
    assert "<script" not in html.split('id="inputs"')[1].split("</section>")[0]  # CSP: no inline script


def test_page_buttons_hold_and_issue(owner_actor, ui_as, members):
    review = make_review(owner_actor, title="Page review")
    client = ui_as(Role.MANAGER)
    page = client.get(reverse("management-reviews-detail", args=[review.pk])).content.decode()
    assert "Hold the review" in page and "live preview" in page
    held = client.post(reverse("management-reviews-step", args=[review.pk, "hold"]), {})
    assert held.status_code == 302
    review.refresh_from_db()
    assert review.status == "held" and review.inputs_intact
    client.post(reverse("management-reviews-step", args=[review.pk, "issue"]))
    review.refresh_from_db()
    assert review.status == "held"  # no decision yet: refused with a message
    make_decision(owner_actor, review)
    action = make_action(owner_actor, review)
    page = client.get(reverse("management-reviews-detail", args=[review.pk])).content.decode()
    assert "Issue the minutes" in page
    ui_as(Role.CONTRIBUTOR).post(reverse("management-reviews-step", args=[review.pk, "issue"]))
    review.refresh_from_db()
    assert review.status == "held"  # a contributor may not approve
    client.post(reverse("management-reviews-step", args=[review.pk, "issue"]))
    review.refresh_from_db()
    assert review.status == "minutes_issued"
    done = client.post(
        reverse("management-review-actions-step", args=[action.pk, "close"]), {"note": "Done it.", "back": "review"}
    )
    assert done.status_code == 302 and done["Location"].endswith("#actions")
    action.refresh_from_db()
    assert action.status == "done" and action.closing_note == "Done it."
    listed = client.get(reverse("management-reviews-list"), {"status": "minutes_issued"}).content.decode()
    assert "MR-0001" in listed


def test_bar_chart_describes_every_figure():
    svg = bar_chart_svg("Trend", ["2030-01", "2030-02"], [("Opened", [3, 0]), ("Closed", [1, 2])], svg_id="t")
    assert "2030-01: Opened 3, Closed 1; 2030-02: Opened 0, Closed 2." in svg
    assert svg.count('class="bar"') == 4 and "<script" not in svg


def test_action_page_records_progress(owner_actor, ui_as):
    action = make_action(owner_actor, title="Update the AI policy")
    client = ui_as(Role.CONTRIBUTOR)
    page = client.get(reverse("management-review-actions-detail", args=[action.pk])).content.decode()
    assert "Record it done" in page and "Cancel the action" in page and page.count('id="id_note"') == 1
    empty = client.post(reverse("management-review-actions-step", args=[action.pk, "cancel"]), {"note": ""})
    assert empty.status_code == 302
    action.refresh_from_db()
    assert action.status == "open"
    client.post(reverse("management-review-actions-step", args=[action.pk, "cancel"]), {"note": "Policy retired."})
    action.refresh_from_db()
    assert action.status == "cancelled" and action.closing_note == "Policy retired."
    viewer = ui_as(Role.VIEWER).post(
        reverse("management-review-actions-step", args=[action.pk, "close"]), {"note": "x"}
    )
    assert viewer.status_code == 403
