"""An owner decides the Statement of Applicability in a real browser: sign in, open the SoA from the main
navigation, an exclusion refused for lack of a justification, the same exclusion with one (edited in place with
htmx), and the first SoA version issued with a named approver; with no Content-Security-Policy violations."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openaims.accounts.choices import Role
from openaims.accounts.models import User
from openaims.accounts.selectors import actor_for
from openaims.accounts.services import user_create
from openaims.base.models import TrailEvent
from openaims.controls import services
from openaims.controls.models import SoAEntry, SoAVersion
from tests.conftest import PASSWORD, make_member, make_organization

pytestmark = [pytest.mark.e2e]

OWNER = "owner-acme@example.org"
APPROVER = "maria.rossi@example.org"
CONTROL = "A.2.2"
REASON = "We develop no AI systems of our own: the AI policy of our parent company applies."
SCREENSHOT = "/tmp/e2e-soa-version.png"


def _updates_of(entry: SoAEntry):
    return TrailEvent.objects.filter(
        organization=entry.organization, object_type="controls.soaentry", object_id=str(entry.pk), action="update"
    )


def test_owner_excludes_a_control_and_issues_the_soa(live_server, transactional_db, watched_page):
    page, errors = watched_page
    organization = make_organization("Acme AI", "acme")
    owner_actor = actor_for(User.objects.get(username=OWNER), organization)
    user_create(username=APPROVER, password=PASSWORD, first_name="Maria", last_name="Rossi")
    approver = make_member(organization, Role.MANAGER, username=APPROVER)
    # 6.1.3: a version can be issued only once every control has its justification. The other 37 controls are
    # decided here through the services, not the UI; the browser decides only A.2.2, which starts without one.
    services.soa_ensure_entries(actor=owner_actor)
    for other in SoAEntry.objects.filter(organization=organization).exclude(control_id=CONTROL):
        services.soa_entry_update(
            actor=owner_actor, soa_entry=other, justification=f"Needed for risk R-7 ({other.control_id})."
        )
    entry = SoAEntry.objects.get(organization=organization, control_id=CONTROL)
    assert entry.applicable and not entry.justification and not _updates_of(entry).exists()

    # Sign in with the form; the SoA from the main navigation.
    response = page.goto(f"{live_server.url}/login/")
    assert response is not None and response.ok
    page.get_by_label("E-mail or username").fill(OWNER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("header .role")).to_contain_text(OWNER)
    page.locator("nav.mainnav").get_by_role("link", name="SoA", exact=True).click()
    expect(page).to_have_url(re.compile(r"/soa/$"))
    expect(page.get_by_role("heading", name="Statement of Applicability", level=1)).to_be_visible()
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load"
    expect(page.locator("section.card").first).to_contain_text("38 applicable, 0 excluded")
    expect(page.locator("section.card").first).to_contain_text("1 without a justification")
    expect(page.locator("section.card").first).to_contain_text("No version issued yet")

    # Excluded without a justification: the row comes back as the form, the message on the justification.
    row = page.locator(f"table.soa tr[data-control='{CONTROL}']")
    expect(row.locator("[data-status]").first).to_have_text("Applicable")
    page.evaluate("window.__sameDocument = true")
    row.get_by_role("button", name="Edit").click()
    expect(row).to_have_class(re.compile(r"\bediting\b"))
    justification = page.get_by_label(f"Justification of {CONTROL}")
    expect(justification).to_have_value("")
    page.get_by_label(f"Applicability of {CONTROL}").select_option(label="Excluded")
    with page.expect_response(lambda r: r.request.method == "POST" and "/row/" in r.url):
        row.get_by_role("button", name="Save").click()
    expect(row.get_by_role("alert")).to_have_text("Say why this control is excluded.")
    expect(justification).to_have_attribute("aria-invalid", "true")
    expect(justification).to_have_accessible_description("Say why this control is excluded.")
    expect(page.get_by_label(f"Applicability of {CONTROL}")).to_have_value("false")  # the choice is kept
    entry.refresh_from_db()
    assert entry.applicable and entry.justification == ""
    assert not _updates_of(entry).exists(), "a refused decision wrote a trail event"

    # With the justification: saved in place, the row shows the control excluded, the trail has the change.
    justification.fill(REASON)
    with page.expect_response(lambda r: r.request.method == "POST" and "/row/" in r.url):
        row.get_by_role("button", name="Save").click()
    expect(row).not_to_have_class(re.compile(r"\bediting\b"))
    expect(row.locator("[data-status]").first).to_have_text("Excluded")
    expect(row).to_contain_text(REASON)
    expect(row.get_by_role("button", name="Edit")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True, "the row was saved by reloading the page, not htmx"
    entry.refresh_from_db()
    assert not entry.applicable and entry.justification == REASON
    (event,) = _updates_of(entry)
    assert event.actor_label.startswith(OWNER), event.actor_label
    assert json.loads(event.changes)["applicable"] == [True, False]

    # Reloaded, the page counts it among the excluded controls; nothing lacks a justification any more.
    page.reload()
    expect(page.locator("section.card").first).to_contain_text("37 applicable, 1 excluded")
    expect(page.locator("section.card").first).to_contain_text("every control justified")
    expect(row.locator("[data-status]").first).to_have_text("Excluded")

    # Issue SoA v1, approved yesterday by a named manager.
    approved_on = timezone.localdate() - dt.timedelta(days=1)
    page.locator(".page-head .actions").get_by_role("link", name="Issue a version").click()
    expect(page.get_by_role("heading", name="Issue the next SoA version")).to_be_visible()
    expect(page.get_by_role("heading", name="First version")).to_be_visible()
    page.get_by_label("Approved by").select_option(label="Maria Rossi")
    page.get_by_label("Approved on").fill(approved_on.isoformat())
    page.get_by_label("Note", exact=True).fill("First issue after the management review.")
    page.get_by_role("button", name="Issue").click()

    # Its page: v1, the approver and the date, A.2.2 frozen as excluded.
    expect(page).to_have_url(re.compile(r"/soa/versions/[0-9a-f-]{36}/$"))
    expect(page.locator(".messages")).to_contain_text("SoA v1 issued, approved by Maria Rossi.")
    expect(page.get_by_role("heading", name="SoA v1", level=1)).to_be_visible()
    fields = page.locator("dl.fields")
    expect(fields.locator("dt:text-is('Approved by') + dd")).to_have_text("Maria Rossi")
    expect(fields.locator("dt:text-is('Approved on') + dd")).to_have_text(approved_on.isoformat())
    frozen = page.locator(f"tr[data-control='{CONTROL}']")
    expect(frozen.locator("[data-status]").first).to_have_text("Excluded")
    expect(frozen).to_contain_text(REASON)
    page.screenshot(path=SCREENSHOT, full_page=True)

    # The list of versions.
    page.locator(".crumbs").get_by_role("link", name="Versions").click()
    expect(page.get_by_role("heading", name="SoA versions")).to_be_visible()
    versions = page.locator("table.records tbody tr")
    expect(versions).to_have_count(1)
    expect(versions.get_by_role("link", name="SoA v1")).to_be_visible()
    expect(versions.locator("td").nth(1)).to_have_text("Maria Rossi")
    expect(versions.locator("td").nth(2)).to_have_text(approved_on.isoformat())

    version = SoAVersion.objects.get(organization=organization)
    assert (version.number, version.approved_by, version.approved_on) == (1, approver, approved_on)
    assert version.approved_by_name == "Maria Rossi" and version.issued_by.startswith(OWNER)
    (frozen_entry,) = [row for row in version.entries if row["control_id"] == CONTROL]
    assert frozen_entry["applicable"] is False and frozen_entry["justification"] == REASON

    assert not [e for e in errors if "content security policy" in e.lower()]
