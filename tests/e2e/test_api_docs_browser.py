"""The interactive API docs render in a real browser: every operation of the OpenAPI document is on the page and
Swagger UI reports no parser or resolver error; the operations that once broke the page (a file answer declaring
"200" twice, enums sharing a name) open with their answers and examples drawn from their own schemas."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e]

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
SLOW = 60_000  # the document is large and the machine may be busy: waits, never assertions on time

# operation id -> a text its 200 answer's example must show (the enum's own first value), or "" for a file answer.
OPENED = {
    "download_evidence": "",
    "export_soa": "",
    "export_impact-assessments": "",
    "monitoring-report_systems": "",
    "card_systems": "",
    "read_alerts": '"severity": "warning"',
    "read_nonconformities": '"severity": "minor"',
    "read_risk-actions": '"status": "open"',
    "read_corrective-actions": '"status": "planned"',
}


def _operation_ids() -> list[str]:
    document = Client().get("/api/v1/openapi.json").json()
    return [
        operation["operationId"]
        for operations in document["paths"].values()
        for method, operation in operations.items()
        if method in METHODS
    ]


def _assert_no_swagger_error(page) -> None:
    text = page.locator("body").inner_text()
    for error in ("Parser error", "Resolver error", "duplicated mapping key", "Failed to load API definition"):
        assert error not in text
    expect(page.locator(".errors-wrapper")).to_have_count(0)


def test_api_docs_render_every_operation(live_server, transactional_db, watched_page):
    page, errors = watched_page
    operation_ids = _operation_ids()
    assert len(operation_ids) > 100 and set(OPENED) <= set(operation_ids)

    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert response is not None and response.ok
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("OpenAIMS API", timeout=SLOW)
    expect(page.locator(".opblock")).to_have_count(len(operation_ids), timeout=SLOW)
    for operation_id in operation_ids[:: max(1, len(operation_ids) // 25)]:  # the ids Swagger UI gives the blocks
        expect(page.locator(f'.opblock[id$="-{operation_id}"]')).to_have_count(1)
    _assert_no_swagger_error(page)

    # Opening an operation makes Swagger UI resolve its references and draw its answers.
    for operation_id, example in OPENED.items():
        block = page.locator(f'.opblock[id$="-{operation_id}"]')
        block.locator(".opblock-summary-control").click()
        answer = block.locator('.responses-table tr.response[data-code="200"]')
        expect(answer).to_have_count(1, timeout=SLOW)
        if example:
            expect(answer.locator(".example, .microlight").first).to_contain_text(example, timeout=SLOW)
        block.locator(".opblock-summary-control").click()  # closed again: the page stays light
    _assert_no_swagger_error(page)
    assert not [e for e in errors if "favicon" not in e.lower()], errors
