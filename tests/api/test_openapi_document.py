"""The OpenAPI document is valid OpenAPI 3, has no duplicate keys (Swagger UI refuses them), and gives every
component one meaning: no two schemas share a name, so answers match the published schema."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from ninja.openapi.schema import OpenAPISchema
from openapi_spec_validator import validate

from openaims.web.api import api

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def raw_document() -> str:
    return Client().get("/api/v1/openapi.json").content.decode()


def _duplicate_keys(raw: str) -> list[tuple[str, list[str]]]:
    """Every JSON object of ``raw`` with a key given twice: (where, keys), found while parsing."""
    found = []

    def pairs_hook(pairs):
        keys = [key for key, _ in pairs]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            found.append((", ".join(keys[:8]), repeated))
        return dict(pairs)

    json.loads(raw, object_pairs_hook=pairs_hook)
    return found


def test_document_is_valid_openapi(raw_document):
    validate(json.loads(raw_document))


def test_document_has_no_duplicate_keys(raw_document):
    assert _duplicate_keys(raw_document) == []


def test_duplicate_key_check_finds_them():
    assert _duplicate_keys('{"responses": {"200": {}, "404": {}, "200": {}}}') == [("200, 404, 200", ["200"])]


def test_no_operation_has_a_response_code_twice(raw_document):
    repeated = []

    def pairs_hook(pairs):
        keys = [key for key, _ in pairs]
        if any(key.isdigit() for key in keys) and len(keys) != len(set(keys)):
            repeated.append(keys)
        return dict(pairs)

    document = json.loads(raw_document, object_pairs_hook=pairs_hook)
    assert repeated == []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                assert operation["responses"], f"{method.upper()} {path} documents no answer"


def test_every_component_name_means_one_thing(monkeypatch):
    """ninja merges each operation's schemas into one ``components`` map: a second schema of the same name
    silently replaces the first, and answers of the first no longer match the published document."""
    seen: dict[str, dict] = {}
    clashes: dict[str, list] = {}
    merge = OpenAPISchema.add_schema_definitions

    def checked(self, definitions):
        for name, definition in definitions.items():
            if name in seen and seen[name] != definition:
                clashes.setdefault(name, [seen[name], definition])
            seen.setdefault(name, definition)
        merge(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", checked)
    document = api.get_openapi_schema(path_prefix="")
    assert len(seen) > 50 and set(seen) <= set(document["components"]["schemas"])
    assert clashes == {}, {name: [json.dumps(d)[:200] for d in pair] for name, pair in clashes.items()}


def test_status_and_severity_enums_are_the_answers_own(raw_document):
    from openaims.audits.choices import CorrectiveActionStatus, NonconformitySeverity
    from openaims.monitoring.choices import AlertSeverity
    from openaims.risk.choices import RiskActionStatus

    schemas = json.loads(raw_document)["components"]["schemas"]
    for choices in (AlertSeverity, NonconformitySeverity, RiskActionStatus, CorrectiveActionStatus):
        assert schemas[choices.__name__]["enum"] == list(choices.values)
    assert "Severity" not in schemas and "ActionStatus" not in schemas and "ExportQuery" not in schemas


def test_file_answers_keep_one_200(raw_document):
    paths = json.loads(raw_document)["paths"]
    for path in (
        "/api/v1/evidence/{id}/download",
        "/api/v1/soa-export",
        "/api/v1/impact-assessments/{id}/export",
        "/api/v1/systems/{id}/monitoring-report.pdf",
        "/api/v1/systems/{id}/card",
    ):
        answer = paths[path]["get"]["responses"]["200"]
        assert any(media.get("schema", {}).get("format") == "binary" for media in answer["content"].values()), path
    assert "application/json" in paths["/api/v1/systems/{id}/card"]["get"]["responses"]["200"]["content"]
