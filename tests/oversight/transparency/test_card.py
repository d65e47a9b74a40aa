"""The AI system card: every field from the records, restricted copies, exports read back, API, page and CLI."""

from __future__ import annotations

import datetime as dt
import io
import json

import pypdf
import pytest
from django.urls import reverse
from typer.testing import CliRunner

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from openaims.cli.main import app
from openaims.inventory import services as inventory
from openaims.inventory.classification import ai_system_classify, classification_mark_stale
from openaims.inventory.selectors import current_classification
from openaims.oversight.transparency import services
from openaims.oversight.transparency.card import CARD_SECTIONS, build_card
from openaims.oversight.transparency.exports import render_html, render_markdown, render_pdf
from openaims.risk.services import risk_create
from tests.oversight.transparency.helpers import make_monitor, make_run, make_system

runner = CliRunner()


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def scorer(owner_actor):
    """A deployed credit scorer with data, two model versions, a measured monitor, risks and a classification."""
    actor = owner_actor
    data = inventory.dataset_create(
        actor=actor, name="Loan book 2019-2024", source="Core banking", provenance="Applications with outcomes."
    )
    system = make_system(
        actor,
        name="Credit scorer",
        purpose="Scores retail loan applications.",
        intended_use="Underwriters see the score and its reasons.",
        ai_roles=["provider", "customer"],
        human_oversight="human_on_the_loop",
        automation_level="partial",
        datasets=[data],
    )
    inventory.model_version_create(
        actor=actor, ai_system=system, version="2.0", status="validated", released_on=dt.date(2026, 3, 1)
    )
    inventory.model_version_create(
        actor=actor, ai_system=system, version="1.4", status="deployed", released_on=dt.date(2025, 6, 1)
    )
    monitor = make_monitor(actor, system)
    make_run(actor, monitor, week=0, passed=True, ratio=0.91)
    make_run(actor, monitor, week=1, passed=False, ratio=0.62)  # the latest window
    make_run(actor, monitor, week=2, status="error", passed=False)  # an error has no results: skipped
    risk_create(
        actor=actor,
        title="Young applicants refused more often",
        likelihood=4,
        consequence=4,
        ai_systems=[system],
        treatment_option="modify",
        treatment_plan="Reweigh the training data; monitor parity weekly.",
    )
    risk_create(actor=actor, title="Score drifts after a rate change", likelihood=1, consequence=2, ai_systems=[system])
    ai_system_classify(actor=actor, ai_system=system, answers={"roles": ["provider"], "a3_5b_creditworthiness": True})
    services.card_settings_update(
        actor=actor,
        ai_system=system,
        limitations="Few examples of self-employed income.",
        foreseeable_misuse="Refusing on the score alone.",
        contact="ai-governance@acme.example",
    )
    return system


def test_card_comes_from_the_records(scorer):
    card = build_card(scorer)
    assert card.sections == CARD_SECTIONS
    assert card.purpose == "Scores retail loan applications."
    assert card.intended_use == "Underwriters see the score and its reasons."
    assert card.limitations == "Few examples of self-employed income."
    assert card.foreseeable_misuse == "Refusing on the score alone." and card.contact == "ai-governance@acme.example"
    assert card.ai_roles == ["Provider", "Customer"]
    assert [(d.name, d.provenance) for d in card.datasets] == [("Loan book 2019-2024", "Applications with outcomes.")]
    assert [v.version for v in card.model_versions] == ["1.4", "2.0"]  # the deployed version first
    assert card.human_oversight == "Human-on-the-loop" and card.automation_level == "Partially automated"
    assert card.oversight == []
    # The latest completed run of the monitor (the error run after it is left out).
    [result] = card.results
    assert result.window_start == dt.datetime(2026, 1, 12, tzinfo=dt.UTC) and result.passed is False
    check = result.metrics[0]
    assert (check.metric, check.value, check.threshold, check.passed) == (
        "demographic_parity_ratio",
        0.62,
        ">= 0.8",
        False,
    )
    accuracy = next(m for m in result.metrics if m.metric == "accuracy")
    assert accuracy.value == 0.82 and accuracy.interval == pytest.approx((0.78, 0.86))
    assert [g.group for g in result.groups] == ["sex=F", "sex=M"]  # the small group is left out
    assert result.groups[0].interval == pytest.approx((0.40, 0.50))
    # Risks, highest level first, with their treatment.
    assert [r.title for r in card.risks] == ["Young applicants refused more often", "Score drifts after a rate change"]
    assert card.risks[0].treatment_option.startswith("Modify") and "Reweigh" in card.risks[0].treatment_plan
    assert card.eu_ai_act.tier == "high_risk" and not card.eu_ai_act.stale


def test_a_stale_classification_shows_no_tier(scorer, owner_actor):
    classification_mark_stale(actor=owner_actor, classification=current_classification(scorer), reason="New purpose")
    tier = build_card(scorer).eu_ai_act
    assert tier.stale and tier.tier == "" and "reclassified" in tier.tier_label


def test_a_system_without_records_has_an_honest_card(owner_actor):
    card = build_card(make_system(owner_actor, name="Bare"))
    assert card.results == [] and card.risks == [] and card.eu_ai_act is None and card.limitations == ""
    html = render_html(card)
    assert "No fairness or performance measurement yet." in html and "Not classified yet." in html


def test_restricted_card_empties_every_other_section(scorer):
    card = build_card(scorer).restricted(["contact", "purpose", "unknown"])
    assert card.sections == ("purpose", "contact")
    assert card.purpose and card.contact
    assert card.limitations == card.foreseeable_misuse == card.human_oversight == ""
    assert card.datasets == card.model_versions == card.results == card.risks == card.ai_roles == []
    assert card.eu_ai_act is None
    html = render_html(card)
    assert "Few examples" not in html and "Loan book" not in html and "Young applicants" not in html


def test_exports_read_back(scorer):
    card = build_card(scorer)
    markdown = render_markdown(card)
    assert markdown.startswith("# AI system card: Credit scorer")
    assert (
        "## Limitations and foreseeable misuse" in markdown and "| demographic\\_parity\\_ratio | overall |" in markdown
    )
    text = pdf_text(render_pdf(card))
    for expected in ("AI system card: Credit scorer", "Few examples of self-employed income", "Loan book 2019-2024"):
        assert expected in text
    assert "High-risk AI system" in text and "0.620" in text


def test_markdown_escapes_what_records_hold(owner_actor):
    system = make_system(owner_actor, name="Pipe | [link](http://x)")
    markdown = render_markdown(build_card(system))
    assert "Pipe \\| \\[link\\]\\(http://x\\)" in markdown


def test_api_card_json_and_files(scorer, api_as):
    response = api_as(Role.VIEWER).get(f"/api/v1/systems/{scorer.pk}/card")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Credit scorer" and body["sections"] == list(CARD_SECTIONS)
    assert body["results"][0]["metrics"][0]["value"] == 0.62 and body["eu_ai_act"]["tier"] == "high_risk"
    # Files need the export right, and are recorded in the trail.
    assert api_as(Role.VIEWER).get(f"/api/v1/systems/{scorer.pk}/card", {"format": "pdf"}).status_code == 403
    before = TrailEvent.objects.filter(object_id=str(scorer.pk), action="access").count()
    pdf = api_as(Role.AUDITOR).get(f"/api/v1/systems/{scorer.pk}/card", {"format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert 'filename="ai-system-card-credit-scorer.pdf"' in pdf["Content-Disposition"]
    assert "Credit scorer" in pdf_text(pdf.content)
    md = api_as(Role.AUDITOR).get(f"/api/v1/systems/{scorer.pk}/card", {"format": "markdown"})
    assert md["Content-Type"].startswith("text/markdown") and md.content.decode().startswith("# AI system card")
    html = api_as(Role.AUDITOR).get(f"/api/v1/systems/{scorer.pk}/card", {"format": "html"})
    assert html.content.decode().startswith("<!doctype html>") and "<script" not in html.content.decode()
    assert TrailEvent.objects.filter(object_id=str(scorer.pk), action="access").count() == before + 3
    bad = api_as(Role.AUDITOR).get(f"/api/v1/systems/{scorer.pk}/card", {"format": "docx"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "format"


def test_api_card_of_another_organization_is_404(api_as, other_actor):
    theirs = make_system(other_actor, name="Theirs")
    assert api_as(Role.OWNER).get(f"/api/v1/systems/{theirs.pk}/card").status_code == 404
    assert api_as(Role.OWNER).get(f"/api/v1/systems/{theirs.pk}/card", {"format": "pdf"}).status_code == 404


def test_card_settings_api_and_trail(scorer, api_as):
    url = f"/api/v1/systems/{scorer.pk}/card-settings"
    assert api_as(Role.VIEWER).put(url, {"contact": "x"}, content_type="application/json").status_code == 403
    changed = api_as(Role.CONTRIBUTOR).put(url, {"contact": "team@acme.example"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["contact"] == "team@acme.example"
    assert changed.json()["limitations"] == "Few examples of self-employed income."  # left out: kept
    event = TrailEvent.objects.filter(object_type="transparency.cardsettings").order_by("sequence").last()
    assert event.action == "update" and event.changes_dict["contact"] == [
        "ai-governance@acme.example",
        "team@acme.example",
    ]
    bad = api_as(Role.CONTRIBUTOR).put(url, {"contact": "a\x00b"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "contact"


def test_card_page_settings_page_and_download(scorer, ui_as):
    page = ui_as(Role.VIEWER).get(reverse("system-card", args=[scorer.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Few examples of self-employed income." in content and "Download PDF" not in content  # no export right
    auditor = ui_as(Role.AUDITOR)
    assert "Download PDF" in auditor.get(reverse("system-card", args=[scorer.pk])).content.decode()
    download = auditor.get(reverse("system-card-download", args=[scorer.pk]), {"format": "markdown"})
    assert download.status_code == 200 and b"# AI system card: Credit scorer" in download.content
    assert auditor.get(reverse("system-card-download", args=[scorer.pk]), {"format": "exe"}).status_code == 400
    settings_url = reverse("card-settings", args=[scorer.pk])
    assert ui_as(Role.VIEWER).get(settings_url).status_code == 403
    contributor = ui_as(Role.CONTRIBUTOR)
    assert contributor.get(settings_url).status_code == 200
    saved = contributor.post(
        settings_url, {"limitations": "Only retail loans.", "foreseeable_misuse": "", "contact": ""}
    )
    assert saved.status_code == 302
    assert build_card(scorer).limitations == "Only retail loans."
    refused = contributor.post(settings_url, {"limitations": "bad\x00", "foreseeable_misuse": "", "contact": ""})
    assert refused.status_code == 422 and build_card(scorer).limitations == "Only retail loans."


def test_card_pages_of_another_organization_are_404(ui_as, other_actor):
    theirs = make_system(other_actor, name="Theirs")
    client = ui_as(Role.OWNER)
    for name in ("system-card", "card-settings", "publication-settings"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.get(reverse("system-card-download", args=[theirs.pk]), {"format": "pdf"}).status_code == 404


def test_cli_card(scorer, tmp_path):
    out = tmp_path / "card.pdf"
    result = runner.invoke(app, ["card", "Credit scorer", "--format", "pdf", "--out", str(out), "--org", "acme"])
    assert result.exit_code == 0, result.output
    assert "Credit scorer" in pdf_text(out.read_bytes())
    md = tmp_path / "card.md"
    assert (
        runner.invoke(
            app, ["card", str(scorer.pk), "--format", "markdown", "--out", str(md), "--org", "acme"]
        ).exit_code
        == 0
    )
    assert md.read_text().startswith("# AI system card: Credit scorer")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Credit scorer", "--format", "docx"], "--format"),
        (["No such system", "--format", "pdf"], "no AI system"),
        (["Credit scorer", "--format", "pdf", "--org", "nowhere"], "--org"),
    ],
)
def test_cli_card_bad_input(scorer, tmp_path, args, message):
    out = tmp_path / "card.out"
    extra = [] if "--org" in args else ["--org", "acme"]
    result = runner.invoke(app, ["card", *args, "--out", str(out), *extra])
    assert result.exit_code == 1 and message in result.output
    assert len(result.output.strip().splitlines()) == 1 and not out.exists()


def test_card_json_is_json(scorer):
    assert json.loads(json.dumps(build_card(scorer).to_dict(), default=str))["name"] == "Credit scorer"


def test_card_states_the_review_arrangements_and_override_rate(owner_actor):
    from openaims.oversight.reviews.services import review_item_decide
    from tests.oversight.reviews.helpers import make_rule, make_settings, submit

    system = make_system(owner_actor)
    assert build_card(system).oversight == []  # no routing rule: nothing claimed
    make_rule(owner_actor, system, name="Unsure", kind="low_confidence", threshold=0.7, order=1)
    make_rule(owner_actor, system, name="Quality sample", kind="random_sample", share=0.05, order=2)
    make_settings(owner_actor, system, hours_to_decide=8, blind_share=0.1)
    for number in range(4):
        item = submit(owner_actor, system, decision_id=f"card-{number}", confidence=0.4).item
        if item.blind:
            continue
        action = {"action": "override", "outcome": "approve", "reason": "Income verified."} if number == 0 else {}
        review_item_decide(actor=owner_actor, item=item, **({"action": "approve"} | action))
    lines = build_card(system).oversight
    assert lines[:2] == [
        "Human review of confidence < 0.7 (rule “Unsure”).",
        "Human review of 5.0% of decisions (rule “Quality sample”).",
    ]
    assert "Reviewers decide within 8 hours." in lines
    assert any("shown without the AI's suggestion" in line for line in lines)
    assert any(line.startswith("In the last 90 days reviewers overrode") and "95% interval" in line for line in lines)
