"""Bad input answers a JSON problem naming the field, a 4xx, and changes nothing."""

from __future__ import annotations

import json

from django.test import Client, override_settings

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from openaims.inventory.models import AISystem


def test_openapi_documents_error_answers(db):
    document = Client().get("/api/v1/openapi.json").json()
    create = document["paths"]["/api/v1/systems"]["post"]["responses"]
    assert {"201", "400", "401", "403", "413", "422"} <= set(create)
    problem = document["components"]["schemas"]["Problem"]
    assert {"status", "title", "detail", "errors"} <= set(problem["properties"])


def test_docs_page_needs_no_cdn(db):
    page = Client().get("/api/v1/docs").content.decode()
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    assert "/static/ninja/swagger-ui-bundle.js" in page


def test_invalid_json_is_400(api_as):
    response = api_as(Role.OWNER).post("/api/v1/datasets", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["status"] == 400


def test_missing_and_wrong_fields_are_named(api_as):
    response = api_as(Role.OWNER).post(
        "/api/v1/systems", {"purpose": "p", "human_oversight": "sometimes"}, content_type="application/json"
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"name", "human_oversight"} <= fields


def test_nul_characters_are_refused_everywhere(api_as):
    client = api_as(Role.OWNER)
    body = client.post("/api/v1/datasets", json.dumps({"name": "a\u0000b"}), content_type="application/json")
    assert body.status_code == 422 and body.json()["errors"][0]["field"] == "name"
    query = client.get("/api/v1/systems", {"q": "x\x00y"})
    assert query.status_code == 422 and query.json()["errors"][0]["field"] == "q"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_oversized_bodies_are_refused(api_as):
    client = api_as(Role.OWNER)
    before = TrailEvent.objects.count()
    response = client.post(
        "/api/v1/systems", {"name": "Big", "purpose": "p", "description": "x" * 5000}, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "The request body is too large."
    assert not AISystem.objects.exists()
    assert TrailEvent.objects.count() == before


def test_unknown_ids_are_404_not_500(api_as):
    client = api_as(Role.OWNER)
    assert client.get("/api/v1/systems/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/api/v1/systems/not-a-uuid").status_code == 422


def test_list_queries_do_not_grow_with_page_size(api_as, owner_actor, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from openaims.inventory import services

    data = services.dataset_create(actor=owner_actor, name="Shared")
    for i in range(60):
        services.ai_system_create(actor=owner_actor, name=f"S{i:02}", purpose="p", datasets=[data], tags=["t"])
    client = api_as(Role.VIEWER)
    client.get("/api/v1/systems", {"limit": 1})  # token's last-used time is written once
    counts = []
    for limit in (1, 10, 50):
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get("/api/v1/systems", {"limit": limit}).json()["items"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0] <= 8, counts
