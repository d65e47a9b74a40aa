"""A risk owner reads an AI system's monitoring in a real browser: the monitoring demo's weekly fairness runs as
server-side SVG charts with their threshold lines, the per-group breakdown of the latest run, the nonconformity
the breach opened, then a breaching run and the evidence it is; with no Content-Security-Policy violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openaims.accounts.models import User
from openaims.accounts.selectors import actor_for
from openaims.audits.models import Nonconformity
from openaims.inventory.services import ai_system_create
from openaims.monitoring.demo import AGE_BANDS, WEEKS, load_demo_monitoring
from openaims.monitoring.models import Alert, MetricRun
from tests.conftest import PASSWORD, make_organization

pytestmark = [pytest.mark.e2e]

OWNER = "owner-acme@example.org"
SCREENSHOT = "/tmp/e2e-monitoring.png"


def test_monitoring_page_charts_groups_nonconformity_run_and_evidence(live_server, transactional_db, watched_page):
    page, errors = watched_page
    organization = make_organization("Acme AI", "acme")
    owner = User.objects.get(username=OWNER)
    actor = actor_for(owner, organization)
    system = ai_system_create(actor=actor, name="Retail credit scoring", purpose="Scores credit applications.")
    assert load_demo_monitoring(actor, {}) == WEEKS
    runs = list(MetricRun.objects.filter(organization=organization).order_by("window_start"))
    nonconformity = Nonconformity.objects.get(organization=organization, monitor=runs[-1].monitor)
    breached = Alert.objects.filter(organization=organization).order_by("-created_at").first().run

    # Sign in with the form, then the overview and the system's monitoring page.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("E-mail or username").fill(OWNER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/monitoring/")
    page.get_by_role("link", name="Retail credit scoring").first.click()
    expect(page).to_have_url(f"{live_server.url}/systems/{system.pk}/monitoring/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Monitoring: Retail credit scoring")

    # One chart per thresholded metric: an SVG image with its threshold line and a point per weekly run.
    charts = page.locator("figure.chart svg.metric-chart")
    expect(charts).to_have_count(2)
    for metric, label in (("demographic_parity_ratio", "threshold >= 0.8"), ("accuracy", "threshold >= 0.85")):
        chart = page.locator(f'svg.metric-chart[data-metric="{metric}"]')
        expect(chart).to_be_visible()
        expect(chart.locator("line.threshold")).to_have_count(1)
        expect(chart.locator("text", has_text=label)).to_have_count(1)
        expect(chart.locator("circle.point")).to_have_count(WEEKS)
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100, box
    parity = page.locator('svg.metric-chart[data-metric="demographic_parity_ratio"]')
    expect(parity).to_have_attribute("role", "img")
    expect(parity.locator('circle.point[data-passed="false"]')).to_have_count(2)  # the last two weeks breach
    expect(parity.locator("circle.point[data-passed=true]")).to_have_count(WEEKS - 2)
    expect(parity.locator("polygon.interval-band")).to_have_count(0)  # between-group metric: no interval
    expect(page.locator('svg.metric-chart[data-metric="accuracy"] polygon.interval-band')).to_have_count(1)

    # The latest run's breakdown by age band.
    groups = page.locator("table.groups tbody tr")
    expect(groups).to_have_count(len(AGE_BANDS))
    for band in AGE_BANDS:
        expect(groups.filter(has_text=band)).to_have_count(1)
    expect(page.locator("table.groups thead")).to_contain_text("Selection rate")

    # The same charts as a PDF: the report's download link.
    report = page.get_by_role("link", name="Download PDF report")
    expect(report).to_have_attribute("href", f"/systems/{system.pk}/monitoring/report.pdf")

    # The open nonconformity the breach raised.
    expect(page.locator("#nonconformities li")).to_have_count(1)
    expect(page.locator("#nonconformities")).to_contain_text(str(nonconformity))
    page.screenshot(path=SCREENSHOT, full_page=True)

    # The breaching run: its thresholds, groups and alert; then the evidence item it is.
    page.locator("#alerts table.alerts tbody tr").first.get_by_role("link", name="run").click()
    expect(page).to_have_url(f"{live_server.url}/metric-runs/{breached.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{breached.window_start:%Y-%m-%d}")
    parity_check = page.locator("#checks tbody tr", has_text="demographic_parity_ratio")
    expect(parity_check.locator(".badge")).to_have_text("breached")
    expect(page.locator("#checks tbody tr", has_text="accuracy").locator(".badge")).to_have_text("passed")
    expect(page.locator("#groups table.groups tbody tr")).to_have_count(len(AGE_BANDS))
    expect(page.locator("#alerts")).to_contain_text("demographic_parity_ratio")
    page.get_by_role("link", name=re.compile(r"^Metric run: ")).click()
    expect(page).to_have_url(f"{live_server.url}/evidence/{breached.evidence_id}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Metric run: Credit decisions: fairness by age")
    expect(page.locator("main")).to_contain_text("breached demographic_parity_ratio")

    assert not [e for e in errors if "content security policy" in e.lower()]
