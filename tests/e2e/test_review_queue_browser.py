"""A reviewer works the review queue in a real browser: oldest first, an override refused without a reason, an
escalation decided by a manager; the calling system then reads the final decision from the API."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from openaims.accounts.choices import Role
from openaims.accounts.models import User
from openaims.accounts.selectors import actor_for
from openaims.inventory.services import ai_system_create
from openaims.oversight.reviews import services
from openaims.oversight.reviews.models import ReviewItem
from tests.conftest import PASSWORD, make_member, make_organization

pytestmark = [pytest.mark.e2e]

REVIEWER, MANAGER = "rita.reviewer@example.org", "maria.manager@example.org"


def _sign_in(page, url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/login/")
    page.get_by_label("E-mail or username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_reviewers_decide_override_and_escalate(live_server, transactional_db, watched_page):
    page, _ = watched_page
    organization = make_organization("Acme AI", "acme")
    owner = actor_for(User.objects.get(username="owner-acme@example.org"), organization)
    make_member(organization, Role.REVIEWER, username=REVIEWER)
    make_member(organization, Role.MANAGER, username=MANAGER)
    scorer = ai_system_create(actor=owner, name="Credit scorer", purpose="Scores retail loan applications.")
    services.routing_rule_create(actor=owner, ai_system=scorer, name="Declines", kind="adverse_outcome",
                                 adverse_outcomes=["decline"])  # fmt: skip
    services.review_settings_create(actor=owner, ai_system=scorer, hours_to_decide=8, blind_share=0)
    for number, confidence in ((1, 0.41), (2, 0.77)):
        services.review_item_submit(
            actor=owner, ai_system=scorer, decision_id=f"LOAN-{number}", ai_output="decline", confidence=confidence,
            input_summary={"income": 31000, "amount": 15000}, explanation={"debt_to_income": -0.42},
        )  # fmt: skip
    services.review_item_submit(actor=owner, ai_system=scorer, decision_id="LOAN-3", ai_output="approve")  # not routed

    _sign_in(page, live_server.url, REVIEWER)
    page.locator("nav.mainnav").get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", name="Review queue", level=1)).to_be_visible()
    links = page.locator("table a", has_text="LOAN-")
    expect(links).to_have_count(2)
    expect(links.first).to_have_text("LOAN-1")  # oldest first

    # Override without a reason: refused, named, nothing recorded.
    links.first.click()
    expect(page.get_by_role("rowheader", name="debt_to_income")).to_be_visible()  # the explanation
    page.get_by_label("Override with another outcome").check()
    page.get_by_role("textbox", name="Outcome").fill("approve")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Required: say why the AI's output is overridden.")).to_be_visible()
    assert ReviewItem.objects.get(decision_id="LOAN-1").status == "pending"
    page.get_by_role("textbox", name="Reason").fill("Stable income on the tax returns.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator("#decisions")).to_contain_text("Stable income on the tax returns.")
    item = ReviewItem.objects.get(decision_id="LOAN-1")
    assert (item.status, item.final_outcome, item.decided_by_label) == ("decided", "approve", REVIEWER)

    # Escalate the second; only a higher role decides it.
    page.goto(f"{live_server.url}/reviews/{ReviewItem.objects.get(decision_id='LOAN-2').pk}/")
    page.get_by_label("Escalate to a second reviewer").check()
    page.get_by_role("textbox", name="Reason").fill("Self-employed: needs a senior view.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("heading", name="Second review")).to_be_visible()
    page.get_by_label("Approve the AI's output").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("higher role")).to_be_visible()
    assert ReviewItem.objects.get(decision_id="LOAN-2").status == "escalated"

    _sign_in(page, live_server.url, MANAGER)
    page.goto(f"{live_server.url}/reviews/{ReviewItem.objects.get(decision_id='LOAN-2').pk}/")
    page.get_by_label("Approve the AI's output").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator("#decisions")).to_contain_text("Second")
    item = ReviewItem.objects.get(decision_id="LOAN-2")
    assert (item.status, item.final_outcome, item.escalated) == ("decided", "decline", True)
    assert not ReviewItem.objects.filter(decision_id="LOAN-3").exists()
