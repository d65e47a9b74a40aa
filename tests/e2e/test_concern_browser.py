"""A member of the public raises a concern in a real browser without an account, keeps the follow-up code, and
later reads the organization's reply with it; nothing that identifies the reporter is stored."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from openaims.accounts.models import User
from openaims.accounts.selectors import actor_for
from openaims.inventory.services import ai_system_create
from openaims.oversight.incidents import services
from openaims.oversight.incidents.models import Concern
from openaims.oversight.transparency.services import publication_publish
from tests.conftest import make_organization

pytestmark = [pytest.mark.e2e]

CONCERN = "The chatbot told me my loan was refused because of my postcode."


def test_a_concern_is_raised_anonymously_and_followed_up_with_its_code(live_server, transactional_db, watched_page):
    page, _ = watched_page
    organization = make_organization("Acme AI", "acme")
    owner = actor_for(User.objects.get(username="owner-acme@example.org"), organization)
    assistant = ai_system_create(
        actor=owner, name="Loan assistant", purpose="Answers questions about loan applications."
    )
    publication_publish(actor=owner, ai_system=assistant, public_sections=["purpose"])  # the form lists published ones
    ai_system_create(actor=owner, name="Internal triage model", purpose="Sorts internal tickets.")

    assert page.goto(f"{live_server.url}/trust/no-such-organization/concerns/new/").status == 404
    response = page.goto(f"{live_server.url}/trust/acme/concerns/new/")
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", name="Raise a concern about an AI system")).to_be_visible()
    assert page.evaluate("document.scripts.length") == 0
    assert "Internal triage model" not in page.content()  # not published: not offered

    # Submitting without a description changes nothing and names the field.
    page.get_by_role("button", name="Send the concern").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    assert not Concern.objects.exists()

    page.get_by_label("AI system").select_option(label="Loan assistant")
    page.get_by_label("Your concern").fill(CONCERN)
    page.get_by_role("button", name="Send the concern").click()
    expect(page.get_by_role("heading", name="Thank you: your concern was received")).to_be_visible()
    code = page.locator("#follow-up-code").inner_text().strip()
    assert len(code) >= 16

    concern = Concern.objects.get()
    assert concern.ai_system.name == "Loan assistant" and concern.description == CONCERN
    stored = " ".join(str(getattr(concern, f.attname)) for f in Concern._meta.concrete_fields)
    assert "127.0.0.1" not in stored and "Chrome" not in stored and code not in stored  # only the code's hash

    # The organization answers; the reporter reads the reply with the code (a wrong code shows nothing).
    services.concern_reply_create(actor=owner, concern=concern, text="We are reviewing the postcode feature.")
    page.get_by_role("link", name="the follow-up page").click()
    page.get_by_label("Follow-up code").fill("not-the-code")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#concern")).to_have_count(0)
    page.get_by_label("Follow-up code").fill(code)
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#concern")).to_contain_text(CONCERN)
    expect(page.locator("#concern")).to_contain_text("We are reviewing the postcode feature.")
    assert code not in page.url  # the code travels in the form body, never in the address
