"""An owner registers an AI system in a real browser: sign in, a refused form, the created system, the htmx
search of the list and the trail event on its History page; with no Content-Security-Policy violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openaims.accounts.models import User
from openaims.accounts.selectors import actor_for
from openaims.inventory import services
from openaims.inventory.models import AISystem
from tests.conftest import PASSWORD, make_organization

pytestmark = [pytest.mark.e2e]

OWNER = "owner-acme@example.org"
SCREENSHOT = "/tmp/e2e-detail.png"
NAME_LABEL = re.compile(r"^Name\b")  # required labels end with " *"


def test_owner_registers_an_ai_system(live_server, transactional_db, watched_page):
    page, errors = watched_page
    organization = make_organization("Acme AI", "acme")
    owner = User.objects.get(username=OWNER)
    services.ai_system_create(
        actor=actor_for(owner, organization), name="Fraud screening", purpose="Flags suspicious payments."
    )

    # Sign in with the form.
    response = page.goto(f"{live_server.url}/login/")
    assert response is not None and response.ok
    page.get_by_label("E-mail or username").fill(OWNER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("header .role")).to_contain_text(OWNER)
    expect(page.locator("header .org")).to_have_text("Acme AI")

    # The list, served with the strict policy; htmx is loaded from our static files and runs under it.
    with page.expect_response(re.compile(r"/systems/$")) as listed:
        page.locator("nav.mainnav").get_by_role("link", name="AI systems").click()
    policy = listed.value.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, policy
    expect(page.get_by_role("heading", name="AI systems")).to_be_visible()
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load"

    # A missing required field: the form comes back with the message on that field, input kept.
    page.get_by_role("link", name="New AI system").click()
    expect(page.get_by_role("heading", name="New AI system")).to_be_visible()
    page.get_by_label(NAME_LABEL).fill("Credit scoring")
    page.get_by_role("button", name="Save").click()
    purpose_field = page.locator(".field.has-error", has=page.locator("#id_purpose"))
    expect(purpose_field.locator(".field-error")).to_have_text("This field is required.")
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(page.get_by_label(NAME_LABEL)).to_have_value("Credit scoring")
    assert not AISystem.objects.filter(name="Credit scoring").exists()

    # The whole form.
    page.get_by_label("Purpose").fill("Scores consumer credit applications.")
    page.get_by_label("Intended use").fill("Loan officers use the score to prioritise applications.")
    page.get_by_label("Owner").select_option(label=OWNER)
    page.get_by_label("Business unit").fill("Retail lending")
    page.get_by_label("Lifecycle stage").select_option("design")
    page.get_by_label("Provider").check()
    page.get_by_label("Human oversight").select_option("human_on_the_loop")
    page.get_by_label("Uses personal data").check()
    page.get_by_label("Personal data categories").fill("Income, employment history")
    page.get_by_label("Tags").fill("credit, high-impact")
    page.get_by_role("button", name="Save").click()

    # Its detail page.
    expect(page).to_have_url(re.compile(r"/systems/[0-9a-f-]{36}/$"))
    expect(page.locator(".messages")).to_contain_text("AI system “Credit scoring” created.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Credit scoring")
    expect(page.locator("h1 .badge")).to_have_text("Design")
    expect(page.locator("p.lead")).to_have_text("Scores consumer credit applications.")
    expect(page.locator("a.tag")).to_have_text(["credit", "high-impact"])
    expect(page.locator("table.history tr.event[data-action=create]")).to_contain_text("Created")
    page.screenshot(path=SCREENSHOT, full_page=True)
    system = AISystem.objects.get(organization=organization, name="Credit scoring")
    assert (system.owner, system.lifecycle_stage, system.ai_roles) == (owner, "design", ["provider"])
    assert system.uses_personal_data and system.tags == ["credit", "high-impact"]
    detail_url = page.url

    # The list shows both; the search box refreshes the table through htmx, without reloading the page.
    page.locator(".crumbs").get_by_role("link", name="AI systems").click()
    rows = page.locator("#record-table table.records tbody tr")
    expect(rows).to_have_count(2)
    page.evaluate("window.__sameDocument = true")
    with page.expect_response(lambda r: "q=credit" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Search").press_sequentially("credit")
    expect(rows).to_have_count(1)
    expect(rows.get_by_role("link", name="Credit scoring")).to_be_visible()
    expect(rows).to_contain_text("Design")
    expect(page.locator("#record-table .count")).to_have_text("1 AI system")
    expect(page).to_have_url(re.compile(r"[?&]q=credit"))
    assert page.evaluate("window.__sameDocument") is True, "the search reloaded the page instead of using htmx"

    # Its History page: the creation event, by the owner.
    rows.get_by_role("link", name="Credit scoring").click()
    expect(page).to_have_url(detail_url)
    page.locator(".page-head .actions").get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="History of Credit scoring")).to_be_visible()
    created = page.locator("table.history tr.event[data-action=create]")
    expect(created).to_have_count(1)
    expect(created.locator("td").nth(2)).to_have_text(OWNER)
    expect(created.locator("td").nth(3)).to_have_text("Created")
    expect(created.locator("ul.changes")).to_contain_text("Scores consumer credit applications.")

    assert not [e for e in errors if "content security policy" in e.lower()]
