"""Guest auditor invitations: invite, accept on the public page, read and export but write nothing, lapse, revoke."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.accounts.models import Membership, User
from openaims.accounts.selectors import actor_for
from openaims.base.models import TrailEvent
from openaims.external_audit import services
from openaims.external_audit.models import GuestInvitation
from tests.conftest import bearer_client
from tests.external_audit.helpers import GUEST_PASSWORD, guest, invite, signed_in
from tests.risk.helpers import make_risk


def _accept_path(raw: str) -> str:
    return f"/guest/accept/{raw}/"


def test_invite_accept_read_export_but_write_nothing(owner_actor, api_as, members):
    risk = make_risk(owner_actor)
    created = api_as(Role.ADMIN).post(
        "/api/v1/guest-invitations",
        {
            "email": "ada@certbody.example",
            "name": "Ada Auditor",
            "firm": "Cert Body Ltd",
            "expires_at": (timezone.now() + dt.timedelta(days=30)).isoformat(),
            "scope_frameworks": ["iso42001"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "pending" and body["token"].startswith("aimsg_")
    assert body["accept_path"] == _accept_path(body["token"])
    stored = GuestInvitation.objects.get(pk=body["id"])
    assert stored.token_hash != body["token"] and body["token"] not in TrailEvent.objects.last().changes
    listed = api_as(Role.ADMIN).get("/api/v1/guest-invitations").json()
    assert "token" not in listed["items"][0]
    assert api_as(Role.VIEWER).get("/api/v1/guest-invitations").status_code == 403

    browser = Client()
    page = browser.get(body["accept_path"])
    assert page.status_code == 200 and "Acme AI" in page.content.decode()
    weak = browser.post(body["accept_path"], {"username": "ada@certbody.example", "password": "12345678"})
    assert weak.status_code == 422 and not User.objects.filter(username="ada@certbody.example").exists()
    accepted = browser.post(body["accept_path"], {"username": "ada@certbody.example", "password": GUEST_PASSWORD})
    assert accepted.status_code == 302
    membership = Membership.objects.get(user__username="ada@certbody.example")
    assert membership.role == Role.GUEST_AUDITOR and membership.expires_at == stored.expires_at
    assert membership.scope_frameworks == ["iso42001"]
    stored.refresh_from_db()
    assert stored.status == "active" and stored.membership_id == membership.pk

    # The same link again: a clear page, never a second membership.
    again = Client().get(body["accept_path"])
    assert again.status_code == 410 and "already accepted" in again.content.decode()

    # Reads in the UI and the API, exports; writes nothing.
    assert browser.get("/risks/").status_code == 200
    assert browser.get(f"/risks/{risk.pk}/").status_code == 200
    assert browser.get(f"/risks/{risk.pk}/edit/").status_code == 403
    assert browser.get("/trail/").status_code == 403
    api = bearer_client(actor_for(membership.user, membership.organization))
    assert api.get(f"/api/v1/risks/{risk.pk}").status_code == 200
    export = api.get("/api/v1/soa-export", {"format": "xlsx"})
    assert export.status_code == 200, export.content
    before = TrailEvent.objects.exclude(action="access").count()
    made = api.post("/api/v1/risks", {"title": "x", "likelihood": 1, "consequence": 1}, content_type="application/json")
    assert made.status_code == 403
    changed = api.patch(f"/api/v1/risks/{risk.pk}", {"title": "Changed"}, content_type="application/json")
    assert changed.status_code == 403
    assert api.get("/api/v1/trail").status_code == 403
    assert api.post("/api/v1/guest-invitations", {}, content_type="application/json").status_code == 403
    assert TrailEvent.objects.exclude(action="access").count() == before
    risk.refresh_from_db()
    assert risk.title != "Changed"


def test_a_member_signed_in_accepts_as_themselves(owner_actor, other_actor):
    _, raw = invite(owner_actor)
    theirs = User.objects.get(username="owner-globex@example.org")
    response = signed_in(theirs).post(_accept_path(raw))
    assert response.status_code == 302
    assert Membership.objects.get(user=theirs, organization=owner_actor.organization).role == Role.GUEST_AUDITOR
    # An existing member of the organization cannot become a guest of it.
    _, raw = invite(owner_actor)
    refused = signed_in(owner_actor.user).post(_accept_path(raw))
    assert refused.status_code == 422 and "already a member" in refused.content.decode()


def test_unknown_revoked_and_lapsed_links_answer_a_clear_page(owner_actor):
    assert Client().get("/guest/accept/aimsg_nothing/").status_code == 410
    assert Client().get("/guest/accept/garbage/").status_code == 410
    invitation, raw = invite(owner_actor)
    services.guest_invitation_revoke(actor=owner_actor, invitation=invitation)
    revoked = Client().post(_accept_path(raw), {"username": "x@example.org", "password": GUEST_PASSWORD})
    assert revoked.status_code == 410 and "revoked" in revoked.content.decode()
    assert not User.objects.filter(username="x@example.org").exists()
    invitation, raw = invite(owner_actor)
    GuestInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    lapsed = Client().get(_accept_path(raw))
    assert lapsed.status_code == 410 and "lapsed" in lapsed.content.decode()


def test_a_lapsed_membership_is_refused_everywhere(owner_actor):
    from typer.testing import CliRunner

    from openaims.cli.main import app

    user, guest_actor = guest(owner_actor)
    api = bearer_client(guest_actor)
    browser = signed_in(user)
    assert api.get("/api/v1/me").status_code == 200
    assert browser.get("/risks/").status_code == 200
    assert CliRunner().invoke(app, ["risks", "list", "--user", user.username]).exit_code == 0
    Membership.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    refused = api.get("/api/v1/me")
    assert refused.status_code == 401 and refused.json()["status"] == 401
    page = browser.get("/risks/")
    assert page.status_code == 403 and "lapsed" in page.content.decode()
    cli = CliRunner().invoke(app, ["risks", "list", "--user", user.username])
    assert cli.exit_code == 1 and "lapsed" in cli.output
    # Signing in again to a lapsed-only account says why there is nothing.
    fresh = Client()
    assert fresh.post("/login/", {"username": user.username, "password": GUEST_PASSWORD}).status_code == 302
    assert "invitation" in fresh.get("/").content.decode()


def test_revoking_ends_the_access_at_once(owner_actor, api_as):
    user, guest_actor = guest(owner_actor)
    api = bearer_client(guest_actor)
    assert api.get("/api/v1/risks").status_code == 200
    invitation = GuestInvitation.objects.get(accepted_by=user)
    revoked = api_as(Role.ADMIN).post(f"/api/v1/guest-invitations/{invitation.pk}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert api.get("/api/v1/risks").status_code == 401
    assert signed_in(user).get("/risks/").status_code == 403
    actions = list(TrailEvent.objects.filter(object_id=str(invitation.pk)).values_list("action", flat=True))
    assert actions == ["create", "transition", "transition"]  # invited, accepted, revoked


def test_bad_invitations_name_the_field_and_change_nothing(owner_actor, api_as):
    client = api_as(Role.OWNER)
    before = TrailEvent.objects.count()
    good = {
        "email": "ada@certbody.example",
        "name": "Ada",
        "firm": "Cert Body",
        "expires_at": (timezone.now() + dt.timedelta(days=10)).isoformat(),
    }
    cases = [
        ({"expires_at": (timezone.now() - dt.timedelta(days=1)).isoformat()}, "expires_at"),
        ({"expires_at": (timezone.now() + dt.timedelta(days=181)).isoformat()}, "expires_at"),
        ({"email": "not-an-address"}, "email"),
        ({"scope_frameworks": ["iso99999"]}, "scope_frameworks"),
        ({"scope_systems": ["00000000-0000-0000-0000-000000000001"]}, "scope_systems"),
    ]
    for change, field in cases:
        response = client.post("/api/v1/guest-invitations", {**good, **change}, content_type="application/json")
        assert response.status_code == 422, (change, response.content)
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    assert TrailEvent.objects.count() == before and not GuestInvitation.objects.exists()


def test_invitation_pages(owner_actor, ui_as, members):
    client = ui_as(Role.ADMIN)
    form = client.get("/guest-invitations/new/")
    assert form.status_code == 200
    day = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    made = client.post(
        "/guest-invitations/new/", {"email": "ada@certbody.example", "name": "Ada", "firm": "Cert", "expires_on": day}
    )
    assert made.status_code == 200 and "/guest/accept/aimsg_" in made.content.decode()
    listed = client.get("/guest-invitations/").content.decode()
    assert "ada@certbody.example" in listed and "Pending" in listed
    assert "aimsg_" not in listed
    past = client.post(
        "/guest-invitations/new/",
        {"email": "b@certbody.example", "name": "B", "firm": "Cert", "expires_on": "2020-01-01"},
    )
    assert past.status_code == 422 and "future" in past.content.decode()
    assert ui_as(Role.VIEWER).get("/guest-invitations/").status_code == 403
    invitation = GuestInvitation.objects.get()
    assert client.post(f"/guest-invitations/{invitation.pk}/revoke/").status_code == 302
    assert "Revoked" in client.get("/guest-invitations/", {"status": "revoked"}).content.decode()


def test_guest_auditors_are_not_added_from_the_members_page(owner_actor, api_as):
    response = api_as(Role.OWNER).post(
        "/api/v1/members",
        {"username": "g@example.org", "role": "guest_auditor", "password": GUEST_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "role"


def test_accepting_needs_a_username_and_password(owner_actor):
    _, raw = invite(owner_actor)
    with pytest.raises(ValidationError) as caught:
        services.guest_invitation_accept(token=raw, username="", password=GUEST_PASSWORD)
    assert "username" in caught.value.message_dict
    response = Client().post(_accept_path(raw), {"username": "n@example.org", "password": ""})
    assert response.status_code == 422 and not User.objects.filter(username="n@example.org").exists()
