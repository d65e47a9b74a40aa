"""A manager publishes one AI system's card on the public trust page in a real browser; a reader without a session
sees only that system and only the sections ticked, under the trust page's strict Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openaims.accounts.choices import Role
from openaims.accounts.models import User
from openaims.accounts.selectors import actor_for
from openaims.inventory.services import ai_system_create
from openaims.oversight.transparency import services
from openaims.oversight.transparency.models import PublicationSettings
from openaims.oversight.transparency.public import TRUST_CONTENT_SECURITY_POLICY
from tests.conftest import PASSWORD, make_member, make_organization

pytestmark = [pytest.mark.e2e]

MANAGER = "maria.manager@example.org"
#: Unique markers: one in a field that stays private, one in the name of a system that is never published.
PRIVATE_FIELD = "MARKER-PRIVATE-LIMITATION-5e21"
PRIVATE_SYSTEM = "MARKER-UNPUBLISHED-SYSTEM-a9c4"
SCREENSHOT = "/tmp/e2e-trust-page.png"


def test_only_published_systems_and_public_sections_reach_the_trust_page(live_server, transactional_db, watched_page):
    page, errors = watched_page
    organization = make_organization("Acme AI", "acme")
    owner = actor_for(User.objects.get(username="owner-acme@example.org"), organization)
    make_member(organization, Role.MANAGER, username=MANAGER)
    User.objects.filter(username=MANAGER).update(password=User.objects.get(username="owner-acme@example.org").password)
    scorer = ai_system_create(actor=owner, name="Credit scorer", purpose="Scores retail loan applications.")
    services.card_settings_update(
        actor=owner, ai_system=scorer, limitations=PRIVATE_FIELD, contact="ai-governance@acme.example"
    )
    ai_system_create(actor=owner, name=PRIVATE_SYSTEM, purpose="Internal experiment.")

    # Nothing is public by default.
    assert page.goto(f"{live_server.url}/trust/acme/").status == 404

    # The manager signs in and publishes the scorer with two sections.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("E-mail or username").fill(MANAGER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("nav.mainnav").get_by_role("link", name="Transparency").click()
    expect(page.get_by_role("heading", name="Transparency", level=1)).to_be_visible()
    page.locator("tr", has_text="Credit scorer").get_by_role("link", name="Publication").click()
    expect(page.get_by_role("heading", name="Publication: Credit scorer")).to_be_visible()
    page.get_by_label("Show on the public trust page").check()
    page.get_by_label("Purpose and intended use").check()
    page.get_by_label("Contact", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("“Credit scorer” is on the trust page")
    assert PublicationSettings.objects.get(ai_system=scorer).public_sections == ["purpose", "contact"]

    # A reader without a session: the page, its policy, the published fields only.
    page.context.clear_cookies()
    response = page.goto(f"{live_server.url}/trust/acme/")
    assert response is not None and response.status == 200
    assert response.headers.get("content-security-policy") == TRUST_CONTENT_SECURITY_POLICY
    expect(page.get_by_role("heading", name="AI systems of Acme AI")).to_be_visible()
    expect(page.get_by_role("link", name="Credit scorer")).to_be_visible()
    expect(page.get_by_text("Scores retail loan applications.")).to_be_visible()
    expect(page.get_by_text("ai-governance@acme.example")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Card of \d{4}-\d{2}-\d{2}$"))).to_be_visible()
    expect(page.get_by_role("link", name="Raise a concern")).to_have_attribute("href", "/trust/acme/concerns/new/")
    text, html = page.inner_text("body"), page.content()
    for marker in (PRIVATE_FIELD, PRIVATE_SYSTEM):
        assert marker not in text and marker not in html
    assert "Limitations and foreseeable misuse" not in text
    assert page.evaluate("document.scripts.length") == 0
    assert page.evaluate("document.styleSheets.length") == 1  # our stylesheet, allowed by style-src 'self'
    assert not page.context.cookies()
    page.screenshot(path=SCREENSHOT, full_page=True)

    # The system's own public card: the same restriction.
    page.get_by_role("link", name="Credit scorer").click()
    expect(page).to_have_url(re.compile(rf"/trust/acme/{scorer.pk}/$"))
    expect(page.get_by_role("heading", name="Credit scorer", level=1)).to_be_visible()
    assert PRIVATE_FIELD not in page.content() and PRIVATE_SYSTEM not in page.content()
    unexpected = [e for e in errors if "status of 404" not in e]  # the first visit's 404 is expected
    assert not unexpected, unexpected
