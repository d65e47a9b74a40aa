"""Schemathesis, in-process, over the whole OpenAPI document: no server error, documented answers only."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from openaims.accounts.choices import Role
from openaims.accounts.services import token_create
from openaims.inventory import services

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _load_schema():
    # Serving openapi.json needs no database, so the schema loads at collection time.
    from openaims.web.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx, value) -> bytes:
    """JSON lines (prediction ingest): one JSON value per line."""
    rows = value if isinstance(value, list) else [value]
    return "\n".join(json.dumps(row) for row in rows).encode()


@schemathesis.serializer("application/vnd.apache.parquet")
def _parquet(ctx, value) -> bytes:
    """A Parquet upload: whatever bytes the fuzzer made (the API must refuse them cleanly)."""
    return value if isinstance(value, bytes) else str(value).encode()


schema = _load_schema()


@pytest.fixture
def keep_test_connection():
    """Calls go straight to the WSGI app, whose request signals would close the test's database connection
    (it is inside the test's transaction); Django's own test client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(actor_of, keep_test_connection):
    actor = actor_of(Role.MANAGER)
    system = services.ai_system_create(actor=actor, name="Fuzzed system", purpose="Target of the fuzzer.")
    services.model_version_create(actor=actor, ai_system=system, version="1.0")
    services.dataset_create(actor=actor, name="Fuzzed dataset")
    services.supplier_create(actor=actor, name="Fuzzed supplier")
    return token_create(actor=actor, user=actor.user, name="fuzz")[1]


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@pytest.mark.django_db
def test_api_conforms_to_its_openapi(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
