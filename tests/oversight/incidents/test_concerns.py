"""Concerns: the public form (anonymous, CSRF, no scripts), the follow-up code, triage by the chosen role, the API."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from openaims.accounts.choices import Role
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.oversight.incidents import services
from openaims.oversight.incidents.models import Concern, ConcernReply
from openaims.oversight.transparency.services import publication_publish
from tests.oversight.incidents.helpers import make_incident, make_system

ADDRESS = "203.0.113.77"
AGENT = "ConcernTestBrowser/9.31 (unique-agent-string)"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def report_url(slug="acme"):
    return reverse("concern-report", args=[slug])


def follow_up_url(slug="acme"):
    return reverse("concern-follow-up", args=[slug])


def _report(client, system="other", description="The scorer refused my whole street.", contact=""):
    return client.post(
        report_url(),
        {"ai_system": str(system), "description": description, "contact": contact},
        REMOTE_ADDR=ADDRESS,
        HTTP_USER_AGENT=AGENT,
    )


def _code(response) -> str:
    return re.search(r'id="follow-up-code">([^<]+)<', response.content.decode()).group(1)


def _published(actor, **fields):
    system = make_system(actor, tier=None, **fields)
    publication_publish(actor=actor, ai_system=system, public_sections=["purpose"])
    return system


def test_form_lists_only_published_systems_and_has_no_scripts(owner_actor, other_actor):
    shown = _published(owner_actor)
    unpublished = make_system(owner_actor, tier=None)
    hidden = make_system(owner_actor, tier=None, in_scope=False, scope_reason="Internal tool.")
    theirs = _published(other_actor)
    response = Client().get(report_url(), REMOTE_ADDR=ADDRESS)
    page = response.content.decode()
    assert response.status_code == 200
    assert shown.name in page and "Another system / not sure" in page
    assert unpublished.name not in page and hidden.name not in page and theirs.name not in page
    assert not re.search(r'<option value="[^"]+" selected', page)  # nothing is chosen for the reporter
    assert "<script" not in page and "csrfmiddlewaretoken" in page
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"


def test_unknown_organization_is_404(org):
    assert Client().get(report_url("nobody-here")).status_code == 404
    assert Client().post(follow_up_url("nobody-here"), {"code": "x"}).status_code == 404


def test_csrf_is_enforced(org):
    client = Client(enforce_csrf_checks=True)
    assert client.post(report_url(), {"ai_system": "other", "description": "x"}).status_code == 403
    assert not Concern.objects.exists()


def test_report_stores_nothing_identifying_even_when_signed_in(ui_as, members, owner_actor):
    system = _published(owner_actor)
    client = ui_as(Role.VIEWER)  # a signed-in member reporting is still anonymous
    before = TrailEvent.objects.count()
    response = _report(client, system=system.pk)
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    concern = Concern.objects.get()
    user = members[Role.VIEWER]
    forbidden = {ADDRESS, AGENT, "ConcernTestBrowser", str(user.pk), user.pk.hex, user.username}
    for field in Concern._meta.concrete_fields:
        value = str(field.value_from_object(concern))
        assert not any(f in value for f in forbidden), field.name
    assert concern.contact == "" and concern.ai_system == system and concern.status == "received"
    events = list(TrailEvent.objects.order_by("sequence")[before:])
    assert [(e.action, e.object_type) for e in events] == [("create", "incidents.concern")]
    event = events[0]
    assert (event.actor_type, event.actor_id, event.actor_label) == ("system", "", services.PUBLIC_FORM_LABEL)
    for field in TrailEvent._meta.concrete_fields:
        value = str(field.value_from_object(event))
        assert not any(f in value for f in forbidden), field.name
    assert "contact" not in event.changes_dict and "follow_up_hash" not in event.changes_dict


def test_contact_only_when_given_and_kept_out_of_the_trail(org):
    _report(Client(), contact="reach me at river@example.org")
    concern = Concern.objects.get()
    assert concern.contact == "reach me at river@example.org"
    assert not TrailEvent.objects.filter(changes__contains="river@example.org").exists()


def test_bad_input_names_the_field_and_stores_nothing(owner_actor, other_actor):
    theirs = _published(other_actor)
    response = _report(Client(), system=theirs.pk)
    assert response.status_code == 422 and not Concern.objects.exists()
    response = _report(Client(), description="  ")
    assert response.status_code == 422 and "required" in response.content.decode().lower()
    response = _report(Client(), description="bad\x00text")
    assert response.status_code == 422 and not Concern.objects.exists()


def test_follow_up_code_shows_status_and_replies_only_with_the_right_code(actor_of, org):
    response = _report(Client())
    code = _code(response)
    concern = Concern.objects.get()
    assert len(code) >= 20 and code not in str(concern.__dict__)
    manager = actor_of(Role.MANAGER)
    services.concern_triage(actor=manager, concern=concern, triage_note="Internal: looks like INC-0001.")
    services.concern_reply_create(actor=manager, concern=concern, text="We are looking into it.")
    page = Client().post(follow_up_url(), {"code": code})
    body = page.content.decode()
    assert page.status_code == 200
    assert "We are looking into it." in body and "Under review" in body
    assert "Internal" not in body and manager.label not in body and "<script" not in body
    wrong = Client().post(follow_up_url(), {"code": code[:-2] + "xx"})
    assert wrong.status_code == 404 and "No concern matches" in wrong.content.decode()
    assert "We are looking" not in wrong.content.decode()
    assert Client().get(follow_up_url() + f"?code={code}").status_code == 200  # a code in the address is ignored
    assert "We are looking" not in Client().get(follow_up_url() + f"?code={code}").content.decode()


def test_another_organizations_code_finds_nothing(org, other_org):
    code = _code(_report(Client()))
    assert Client().post(follow_up_url("globex"), {"code": code}).status_code == 404


def test_reports_are_rate_limited(org):
    client = Client()
    statuses = [_report(client, description=f"Concern {n}").status_code for n in range(12)]
    assert statuses.count(200) == 10 and statuses[-1] == 429
    assert Concern.objects.count() == 10


def test_behind_a_trusted_proxy_each_person_has_their_own_limit(org, settings):
    """Behind a proxy every request comes from the proxy's address: the limit counts the forwarded one."""
    settings.AIMS_TRUSTED_PROXIES = ("10.0.0.0/8",)

    def report_via_proxy(person: str, description: str):
        return Client().post(
            report_url(),
            {"ai_system": "other", "description": description, "contact": ""},
            REMOTE_ADDR="10.1.2.3",
            HTTP_X_FORWARDED_FOR=person,
        )

    assert [report_via_proxy("198.51.100.1", f"Concern {n}").status_code for n in range(11)][-1] == 429
    assert report_via_proxy("198.51.100.2", "Mine, unrelated.").status_code == 200


def test_triage_is_for_the_chosen_role(actor_of, ui_as, api_as):
    _report(Client())
    concern = Concern.objects.get()
    assert ui_as(Role.MANAGER).get(reverse("concerns-list")).status_code == 200
    assert ui_as(Role.REVIEWER).get(reverse("concerns-list")).status_code == 403
    assert api_as(Role.REVIEWER).get(f"/api/v1/concerns/{concern.pk}").status_code == 403
    with pytest.raises(PermissionDenied):
        services.concern_settings_update(actor=actor_of(Role.MANAGER), triage_role=Role.REVIEWER)
    services.concern_settings_update(actor=actor_of(Role.ADMIN), triage_role=Role.REVIEWER)
    assert ui_as(Role.REVIEWER).get(reverse("concerns-detail", args=[concern.pk])).status_code == 200
    assert ui_as(Role.MANAGER).get(reverse("concerns-list")).status_code == 403
    assert ui_as(Role.OWNER).get(reverse("concerns-list")).status_code == 200
    reply = ui_as(Role.REVIEWER).post(reverse("concerns-reply", args=[concern.pk]), {"text": "Thanks, we look."})
    assert reply.status_code == 302 and ConcernReply.objects.get().by == actor_of(Role.REVIEWER).label
    edit = ui_as(Role.REVIEWER).post(
        reverse("concerns-edit", args=[concern.pk]), {"status": "dismissed", "triage_note": "Not about our AI."}
    )
    assert edit.status_code == 302 and Concern.objects.get().status == "dismissed"
    actions = list(TrailEvent.objects.filter(object_id=str(concern.pk)).values_list("action", flat=True))
    assert actions == ["create", "transition", "transition"]
    with pytest.raises(ValidationError) as err:
        services.concern_settings_update(actor=actor_of(Role.ADMIN), triage_role=Role.AUDITOR)
    assert "triage_role" in err.value.message_dict


def test_concern_api_triage_and_tenancy(api_as, actor_of, other_actor):
    _report(Client())
    concern = Concern.objects.get()
    incident = make_incident(actor_of(Role.OWNER))
    client = api_as(Role.MANAGER)
    listed = client.get("/api/v1/concerns", {"status": "received"}).json()
    assert [item["id"] for item in listed["items"]] == [str(concern.pk)]
    changed = client.patch(
        f"/api/v1/concerns/{concern.pk}",
        {"status": "action_taken", "incident_id": str(incident.pk)},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["incident_id"] == str(incident.pk)
    replied = client.post(f"/api/v1/concerns/{concern.pk}/replies", {"text": "Fixed."}, content_type="application/json")
    assert replied.status_code == 201 and replied.json()["replies"][0]["text"] == "Fixed."
    bad = client.patch(f"/api/v1/concerns/{concern.pk}", {"status": "lost"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    theirs_incident = make_incident(other_actor)
    cross = client.patch(
        f"/api/v1/concerns/{concern.pk}", {"incident_id": str(theirs_incident.pk)}, content_type="application/json"
    )
    assert cross.status_code == 422 and cross.json()["errors"][0]["field"] == "incident"
    assert client.get(f"/api/v1/concerns/{concern.pk}/history").status_code == 200
    settings = api_as(Role.VIEWER).get("/api/v1/concern-settings").json()
    assert settings == {"triage_role": "manager"}
    assert (
        client.put("/api/v1/concern-settings", {"triage_role": "reviewer"}, content_type="application/json").status_code
        == 403
    )
    assert client.post("/api/v1/concerns", {}, content_type="application/json").status_code == 405


def test_other_organizations_concern_is_404(api_as, ui_as, other_org):
    Client().post(follow_up_url("globex"), {"code": "x"})
    Client().post(
        reverse("concern-report", args=["globex"]),
        {"ai_system": "other", "description": "Theirs."},
        REMOTE_ADDR=ADDRESS,
    )
    theirs = Concern.objects.get(organization=other_org)
    assert api_as(Role.OWNER).get(f"/api/v1/concerns/{theirs.pk}").status_code == 404
    assert (
        api_as(Role.OWNER)
        .patch(f"/api/v1/concerns/{theirs.pk}", {"status": "closed"}, content_type="application/json")
        .status_code
        == 404
    )
    assert ui_as(Role.OWNER).get(reverse("concerns-detail", args=[theirs.pk])).status_code == 404
    assert ui_as(Role.OWNER).post(reverse("concerns-reply", args=[theirs.pk]), {"text": "x"}).status_code == 404
    assert Concern.objects.get(pk=theirs.pk).status == "received"
