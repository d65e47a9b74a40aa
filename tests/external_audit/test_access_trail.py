"""Every request a guest auditor makes, in the UI or the API, is one ``access`` event in the trail: who, the method,
the path without its query string, and the answer's status. Members' reads are not recorded."""

from __future__ import annotations

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from tests.conftest import bearer_client
from tests.external_audit.helpers import guest, signed_in


def _accesses():
    return list(
        TrailEvent.objects.filter(action="access", object_type="external_audit.guestaccess").order_by("sequence")
    )


def test_a_guest_list_read_is_one_access_event(owner_actor):
    user, guest_actor = guest(owner_actor)
    api = bearer_client(guest_actor)
    before = len(_accesses())
    assert api.get("/api/v1/risks", {"limit": 5}).status_code == 200
    events = _accesses()[before:]
    assert len(events) == 1
    event = events[0]
    assert event.actor_type == "token" and user.username in event.actor_label
    assert event.changes_dict == {"method": [None, "GET"], "path": [None, "/api/v1/risks"], "status": [None, 200]}
    assert event.object_label == "GET /api/v1/risks"


def test_ui_pages_and_refused_writes_are_recorded_too(owner_actor):
    user, guest_actor = guest(owner_actor)
    browser = signed_in(user)
    before = len(_accesses())
    assert browser.get("/risks/", {"q": "secret words"}).status_code == 200
    refused = bearer_client(guest_actor).post("/api/v1/risks", {}, content_type="application/json")
    assert refused.status_code == 403
    events = _accesses()[before:]
    assert [(e.actor_type, e.changes_dict["path"][1], e.changes_dict["status"][1]) for e in events] == [
        ("user", "/risks/", 200),
        ("token", "/api/v1/risks", 403),
    ]
    assert all("secret" not in e.changes for e in events)


def test_the_trail_shows_who_accessed_what_to_those_who_read_it(owner_actor, api_as):
    user, guest_actor = guest(owner_actor)
    bearer_client(guest_actor).get("/api/v1/systems")
    trail = api_as(Role.AUDITOR).get("/api/v1/trail", {"action": "access", "limit": 50})
    assert trail.status_code == 200, trail.content
    items = trail.json()["items"] if isinstance(trail.json(), dict) else trail.json()
    assert any(user.username in e["actor_label"] and e["object_label"] == "GET /api/v1/systems" for e in items)


def test_members_reads_are_not_recorded(owner_actor, api_as, ui_as):
    before = len(_accesses())
    api_as(Role.AUDITOR).get("/api/v1/risks")
    ui_as(Role.VIEWER).get("/risks/")
    assert len(_accesses()) == before
