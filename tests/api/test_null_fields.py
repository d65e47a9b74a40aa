"""Null in any field of any write, on the demo organization's real records, is never a server error: each PATCH
and PUT field set to null, an empty PATCH, and each optional field of a POST set to null (on top of the
required ones). Null used to reach services that iterate lists or strip text (500)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from openaims.accounts.models import Organization, User
from openaims.accounts.selectors import actor_for
from openaims.accounts.services import token_create
from openaims.demo import DEMO_SLUG, DEMO_USERS, load_demo


@pytest.fixture
def demo_client(db) -> Client:
    load_demo()
    organization = Organization.objects.get(slug=DEMO_SLUG)
    owner = User.objects.get(username=DEMO_USERS[0][0])
    _, raw = token_create(actor=actor_for(owner, organization), user=owner, name="null fields")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", raise_request_exception=False)


class _Document:
    """The OpenAPI document, with references resolved and a minimal valid value per property."""

    def __init__(self, client: Client):
        self.client = client
        self.raw = client.get("/api/v1/openapi.json").json()
        self.ids: dict[str, str | None] = {}

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.raw["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def example(self, schema: dict):
        schema = self.resolve(schema)
        if "anyOf" in schema:
            return self.example(next(s for s in schema["anyOf"] if s.get("type") != "null"))
        if "allOf" in schema:
            return self.example(schema["allOf"][0])
        if "enum" in schema:
            return schema["enum"][0]
        kind, fmt = schema.get("type"), schema.get("format")
        if fmt == "uuid":
            return next((i for i in self.ids.values() if i), "00000000-0000-0000-0000-000000000000")
        if fmt == "date":
            return "2026-01-01"
        if fmt == "date-time":
            return "2026-01-01T00:00:00Z"
        return {
            "string": "x" * max(1, schema.get("minLength", 1)),
            "integer": max(1, schema.get("minimum", 1)),
            "number": 0.5,
            "boolean": True,
            "array": [],
            "object": {},
        }.get(kind, "x")

    def body_schema(self, operation: dict) -> dict | None:
        content = operation.get("requestBody", {}).get("content", {})
        return self.resolve(content["application/json"]["schema"]) if "application/json" in content else None

    def record_id(self, collection: str) -> str | None:
        """The id of a record of ``collection``: the first listed, else one created from the required fields."""
        if collection not in self.ids:
            found = None
            listed = self.client.get(collection, {"limit": 1})
            if listed.status_code == 200:
                body = listed.json()
                items = body.get("items") if isinstance(body, dict) else body
                found = items[0].get("id") if items and isinstance(items[0], dict) else None
            create = self.raw["paths"].get(collection, {}).get("post")
            schema = self.body_schema(create) if create and found is None else None
            if schema is not None:
                body = {name: self.example(schema["properties"][name]) for name in schema.get("required", [])}
                created = self.client.post(collection, json.dumps(body), content_type="application/json")
                found = created.json().get("id") if created.status_code == 201 else None
            self.ids[collection] = found
        return self.ids[collection]


def test_null_in_any_write_field_is_never_a_server_error(demo_client):
    document = _Document(demo_client)
    failures, tried = [], 0
    for path, operations in document.raw["paths"].items():
        for method in ("patch", "put", "post"):
            operation = operations.get(method)
            schema = document.body_schema(operation) if operation else None
            if schema is None:
                continue
            url = path
            if "{id}" in path:
                record = document.record_id(path.split("/{id}")[0])
                if record is None:
                    continue
                url = path.replace("{id}", record)
            if "{" in url:
                continue
            properties, required = schema.get("properties", {}), schema.get("required", [])
            if method == "post":
                base = {name: document.example(properties[name]) for name in required}
                bodies = [{**base, name: None} for name in properties if name not in required]
            else:
                bodies = [{}, *({name: None} for name in properties)]
            for body in bodies:
                tried += 1
                response = getattr(demo_client, method)(url, json.dumps(body), content_type="application/json")
                if response.status_code >= 500 or not response["Content-Type"].startswith("application/json"):
                    failures.append((method.upper(), path, body, response.status_code))
    assert tried > 300
    assert failures == []
