"""Bad input that once made the API answer 500: now a 4xx JSON problem naming the field, and nothing changed."""

from __future__ import annotations

import json

import pytest

from openaims.accounts.choices import Role
from openaims.accounts.models import Membership
from openaims.base.models import TrailEvent
from openaims.evidence.services import evidence_create
from openaims.inventory import services as inventory


def _send(client, method: str, url: str, body) -> object:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def _fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def _nested(depth: int):
    value: object = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.fixture
def system(owner_actor):
    return inventory.ai_system_create(actor=owner_actor, name="Scoring", purpose="Scores applications.")


# --- Members: the role rules before any parsing, and an empty PATCH -------------------------------------------


@pytest.mark.parametrize("body", [{}, {"role": "emperor"}, {"role": None}, {"role": "admin"}])
def test_viewer_changing_a_member_is_refused_before_the_body_is_read(api_as, members, org, body):
    target = Membership.objects.get(organization=org, user=members[Role.CONTRIBUTOR])
    client = api_as(Role.VIEWER)
    before = TrailEvent.objects.count()
    response = _send(client, "patch", f"/api/v1/members/{target.pk}", body)
    assert response.status_code == 403, response.content
    assert response.json()["status"] == 403
    target.refresh_from_db()
    assert target.role == Role.CONTRIBUTOR
    assert TrailEvent.objects.count() == before


def test_empty_member_patch_changes_nothing(api_as, members, org):
    target = Membership.objects.get(organization=org, user=members[Role.CONTRIBUTOR])
    client = api_as(Role.ADMIN)
    before = TrailEvent.objects.count()
    response = _send(client, "patch", f"/api/v1/members/{target.pk}", {})
    assert response.status_code == 200, response.content
    assert response.json()["role"] == Role.CONTRIBUTOR
    assert TrailEvent.objects.count() == before


def test_null_member_role_names_the_field(api_as, members, org):
    target = Membership.objects.get(organization=org, user=members[Role.CONTRIBUTOR])
    response = _send(api_as(Role.ADMIN), "patch", f"/api/v1/members/{target.pk}", {"role": None})
    assert response.status_code == 422 and _fields(response) == {"role"}


def test_unknown_member_of_a_viewer_is_not_a_server_error(api_as):
    response = _send(api_as(Role.VIEWER), "patch", "/api/v1/members/00000000-0000-0000-0000-000000000000", {})
    assert response.status_code in (403, 404)


# --- Null on lists and texts that cannot be empty ---------------------------------------------------------------


@pytest.mark.parametrize("field", ["datasets", "suppliers", "personal_data_categories", "tags", "ai_roles"])
def test_null_on_a_system_field_that_cannot_be_null_names_the_field(api_as, system, field):
    client = api_as(Role.OWNER)
    before = TrailEvent.objects.count()
    response = _send(client, "patch", f"/api/v1/systems/{system.pk}", {field: None})
    assert response.status_code == 422, response.content
    assert _fields(response) == {field}
    assert TrailEvent.objects.count() == before


def test_null_evidence_systems_names_the_field(api_as, owner_actor):
    item = evidence_create(actor=owner_actor, title="Model card", url="https://example.org/card")
    response = _send(api_as(Role.OWNER), "patch", f"/api/v1/evidence/{item.pk}", {"ai_systems": None})
    assert response.status_code == 422, response.content
    assert _fields(response) == {"ai_systems"}


# --- Free-form JSON: depth and size are capped ------------------------------------------------------------------


@pytest.fixture
def review_client(api_as, system):
    client = api_as(Role.OWNER)
    rule = {"ai_system_id": str(system.pk), "name": "Everything", "kind": "all"}
    assert _send(client, "post", "/api/v1/routing-rules", rule).status_code == 201
    return client


@pytest.mark.parametrize("field", ["input_summary", "explanation"])
def test_deeply_nested_review_json_is_refused(review_client, system, field):
    from openaims.oversight.reviews.models import ReviewItem

    body = {"decision_id": "d-1", "ai_output": "approve", field: _nested(500)}
    response = _send(review_client, "post", f"/api/v1/systems/{system.pk}/reviews", body)
    assert response.status_code == 422, response.content[:300]
    assert _fields(response) == {field}
    assert "deep" in response.json()["errors"][0]["message"]
    assert not ReviewItem.objects.exists()


def test_review_json_at_the_depth_limit_is_accepted(review_client, system):
    body = {"decision_id": "d-1", "ai_output": "approve", "input_summary": _nested(19)}
    response = _send(review_client, "post", f"/api/v1/systems/{system.pk}/reviews", body)
    assert response.status_code == 201, response.content[:300]
    assert response.json()["review"]["input_summary"] == _nested(19)


def test_oversized_review_json_is_refused(review_client, system):
    body = {"decision_id": "d-1", "ai_output": "approve", "input_summary": {"text": "x" * 70_000}}
    response = _send(review_client, "post", f"/api/v1/systems/{system.pk}/reviews", body)
    assert response.status_code == 422 and _fields(response) == {"input_summary"}


def test_free_form_json_type_caps_depth_and_size():
    from pydantic import TypeAdapter, ValidationError

    from openaims.base.schemas import JsonValue

    adapter = TypeAdapter(JsonValue)
    assert adapter.validate_python({"a": [1, 2.5, None, True, "x"]}) == {"a": [1, 2.5, None, True, "x"]}
    deep_list: object = 1
    for _ in range(21):
        deep_list = [deep_list]
    for bad in (_nested(21), deep_list, "x" * 70_000, {"n": float("nan")}):
        with pytest.raises(ValidationError):
            adapter.validate_python(bad)


# --- Date-times: offsets PostgreSQL refuses, naive values, values that overflow in UTC -------------------------

BAD_DATETIMES = [
    "2026-01-01T00:00:00+25:00",
    "2026-01-01T00:00:00+99:00",
    "2026-01-01T00:00:00+16:00",
    "2026-01-01T00:00:00-23:59",
    "0001-01-01T00:00:00+05:00",
]


@pytest.fixture
def incident_id(api_as):
    response = _send(api_as(Role.OWNER), "post", "/api/v1/incidents", {"title": "Outage", "description": "Down."})
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.mark.parametrize("value", BAD_DATETIMES)
def test_incident_time_zone_out_of_range_names_the_field(api_as, value):
    body = {"title": "Outage", "description": "Down.", "occurred_at": value}
    response = _send(api_as(Role.OWNER), "post", "/api/v1/incidents", body)
    assert response.status_code == 422, response.content
    assert _fields(response) == {"occurred_at"}


@pytest.mark.parametrize("value", BAD_DATETIMES)
def test_notification_duty_time_zone_out_of_range_names_the_field(api_as, incident_id, value):
    client = api_as(Role.OWNER)
    body = {"recipient": "Authority", "incident_id": incident_id, "deadline": value}
    created = _send(client, "post", "/api/v1/notification-duties", body)
    assert created.status_code == 422 and _fields(created) == {"deadline"}, created.content
    body["deadline"] = "2026-03-01T00:00:00Z"
    duty = _send(client, "post", "/api/v1/notification-duties", body).json()["id"]
    changed = _send(client, "patch", f"/api/v1/notification-duties/{duty}", {"deadline": value})
    assert changed.status_code == 422 and _fields(changed) == {"deadline"}, changed.content
    sent = _send(client, "post", f"/api/v1/notification-duties/{duty}/sent", {"sent_at": value})
    assert sent.status_code == 422 and _fields(sent) == {"sent_at"}, sent.content


def test_naive_date_times_are_read_as_utc(api_as):
    body = {"title": "Outage", "description": "Down.", "occurred_at": "2026-01-01T08:30:00"}
    response = _send(api_as(Role.OWNER), "post", "/api/v1/incidents", body)
    assert response.status_code == 201, response.content
    assert response.json()["occurred_at"].startswith("2026-01-01T08:30:00")
    assert response.json()["occurred_at"].endswith(("Z", "+00:00"))


def test_date_time_type_normalizes_to_utc():
    import datetime as dt

    from pydantic import TypeAdapter, ValidationError

    from openaims.base.schemas import DateTime

    adapter = TypeAdapter(DateTime)
    value = adapter.validate_python("2026-01-01T10:00:00+15:59")
    assert value == dt.datetime(2025, 12, 31, 18, 1, tzinfo=dt.UTC) and value.utcoffset() == dt.timedelta(0)
    with pytest.raises(ValidationError, match="offset"):
        adapter.validate_python("2026-01-01T10:00:00+16:00")


def test_impact_answers_are_capped_in_size():
    from pydantic import TypeAdapter, ValidationError

    from openaims.impact.schemas import Answers

    adapter = TypeAdapter(Answers)
    assert adapter.validate_python({"q1": "yes", "q2": ["a", "b"], "q3": 3})["q3"] == 3
    with pytest.raises(ValidationError, match="bytes as JSON"):
        adapter.validate_python({f"q{i}": "x" * 20000 for i in range(60)})


@pytest.mark.parametrize("content_type", ["application/json", "application/x-ndjson"])
def test_prediction_ingest_nested_too_deep_for_the_parser_is_refused(api_as, owner_actor, content_type):
    from openaims.monitoring.store import store_parts
    from tests.monitoring.helpers import make_store

    source = make_store(owner_actor)
    row = '{"ts": "2026-01-05T10:00:00", "label": 1, "approved": 1, "sex": ' + "[" * 5000 + "]" * 5000 + "}"
    body = f"[{row}]" if content_type == "application/json" else row + "\n"
    url = f"/api/v1/systems/{source.ai_system_id}/predictions"
    response = api_as(Role.OWNER).post(url, body, content_type=content_type)
    assert response.status_code == 400, response.content[:300]
    assert "deep" in response.json()["detail"]
    assert store_parts(source) == []
