"""The public trust page: only published systems and public sections, a strict policy, no login, no session."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from openaims.accounts.choices import Role
from openaims.base.errors import PermissionDenied
from openaims.base.models import TrailEvent
from openaims.oversight.transparency import services
from openaims.oversight.transparency.models import PublicationSettings
from openaims.oversight.transparency.public import TRUST_CONTENT_SECURITY_POLICY
from tests.oversight.transparency.helpers import make_system

SECRET_LIMITATION = "SECRET-LIMITATION-7f3a"
HIDDEN_SYSTEM = "HIDDEN-SYSTEM-91bc"


@pytest.fixture
def published(owner_actor):
    """One published system (purpose and contact public, limitations not) and one system never published."""
    system = make_system(owner_actor, name="Public scorer", purpose="Scores loans in the open.")
    services.card_settings_update(
        actor=owner_actor, ai_system=system, limitations=SECRET_LIMITATION, contact="trust@acme.example"
    )
    services.publication_publish(actor=owner_actor, ai_system=system, public_sections=["contact", "purpose"])
    make_system(owner_actor, name=HIDDEN_SYSTEM, purpose="Internal only.")
    return system


def test_trust_page_shows_only_published_systems_and_public_sections(published):
    response = Client().get("/trust/acme/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Public scorer" in html and "Scores loans in the open." in html and "trust@acme.example" in html
    assert SECRET_LIMITATION not in html and HIDDEN_SYSTEM not in html
    assert "Limitations and foreseeable misuse" not in html
    assert "Card of " in html
    assert 'href="/trust/acme/concerns/new/"' in html and "Raise a concern" in html
    assert f'href="/trust/acme/{published.pk}/"' in html


def test_trust_page_policy_no_script_no_session(published):
    response = Client().get("/trust/acme/")
    assert response["Content-Security-Policy"] == TRUST_CONTENT_SECURITY_POLICY
    for directive in ("default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"):
        assert directive in response["Content-Security-Policy"]
    assert "<script" not in response.content.decode() and "style=" not in response.content.decode()
    assert not response.cookies  # no session or CSRF cookie: nothing is stored about a reader
    assert response["X-Frame-Options"] == "DENY"


def test_signed_in_members_see_the_same_public_page(published, ui_as):
    html = ui_as(Role.OWNER).get("/trust/acme/").content.decode()
    assert SECRET_LIMITATION not in html and HIDDEN_SYSTEM not in html and "Public scorer" in html


def test_trust_card_page(published, owner_actor, other_actor):
    response = Client().get(f"/trust/acme/{published.pk}/")
    assert response.status_code == 200 and response["Content-Security-Policy"] == TRUST_CONTENT_SECURITY_POLICY
    html = response.content.decode()
    assert "Scores loans in the open." in html and SECRET_LIMITATION not in html
    hidden = make_system(owner_actor, name="Another hidden one")
    theirs = make_system(other_actor, name="Globex public")
    services.publication_publish(actor=other_actor, ai_system=theirs, public_sections=["purpose"])
    for path in (f"/trust/acme/{hidden.pk}/", f"/trust/acme/{theirs.pk}/", f"/trust/nowhere/{published.pk}/"):
        missing = Client().get(path)
        assert missing.status_code == 404 and missing["Content-Security-Policy"] == TRUST_CONTENT_SECURITY_POLICY
    assert Client().get(f"/trust/globex/{theirs.pk}/").status_code == 200
    assert Client().post(f"/trust/acme/{published.pk}/").status_code == 405


def test_unknown_slug_or_nothing_published_is_404(owner_actor):
    assert Client().get("/trust/nowhere/").status_code == 404
    system = make_system(owner_actor, name="Private")
    assert Client().get("/trust/acme/").status_code == 404  # nothing published by default
    services.publication_update(actor=owner_actor, ai_system=system, public_sections=["purpose"])
    assert Client().get("/trust/acme/").status_code == 404  # sections chosen, but not published
    services.publication_update(actor=owner_actor, ai_system=system, published=True)
    assert Client().get("/trust/acme/").status_code == 200
    services.publication_unpublish(actor=owner_actor, ai_system=system)
    response = Client().get("/trust/acme/")
    assert response.status_code == 404 and "Private" not in response.content.decode()


def test_publication_services_trail_and_rights(owner_actor, actor_of):
    system = make_system(owner_actor, name="Scorer")
    with pytest.raises(PermissionDenied):
        services.publication_publish(actor=actor_of(Role.CONTRIBUTOR), ai_system=system, public_sections=["purpose"])
    assert not PublicationSettings.objects.exists()
    publication = services.publication_publish(
        actor=actor_of(Role.MANAGER), ai_system=system, public_sections=["contact", "purpose"]
    )
    assert publication.public_sections == ["purpose", "contact"]  # in the card's order
    assert publication.published and publication.published_at is not None
    services.publication_unpublish(actor=actor_of(Role.MANAGER), ai_system=system)
    publication.refresh_from_db()
    assert not publication.published and publication.published_at is None and publication.public_sections
    events = TrailEvent.objects.filter(object_id=str(publication.pk)).order_by("sequence")
    assert [e.action for e in events] == ["create", "transition"]
    assert events[1].changes_dict["published"] == [True, False]


def test_publication_refuses_unknown_sections(owner_actor):
    from django.core.exceptions import ValidationError

    system = make_system(owner_actor, name="Scorer")
    with pytest.raises(ValidationError) as error:
        services.publication_publish(actor=owner_actor, ai_system=system, public_sections=["purpose", "salaries"])
    assert "salaries" in str(error.value.message_dict["public_sections"])
    assert not PublicationSettings.objects.exists()


def test_publication_api(owner_actor, api_as):
    system = make_system(owner_actor, name="Scorer")
    url = f"/api/v1/systems/{system.pk}/publication"
    assert api_as(Role.VIEWER).get(url).json() == {
        "ai_system_id": str(system.pk),
        "published": False,
        "public_sections": [],
        "published_at": None,
        "trust_url": "/trust/acme/",
    }
    payload = {"published": True, "public_sections": ["purpose", "results"]}
    assert api_as(Role.CONTRIBUTOR).put(url, payload, content_type="application/json").status_code == 403
    done = api_as(Role.MANAGER).put(url, payload, content_type="application/json")
    assert (
        done.status_code == 200
        and done.json()["published"]
        and done.json()["public_sections"] == ["purpose", "results"]
    )
    bad = api_as(Role.MANAGER).put(url, {"public_sections": ["salaries"]}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith("public_sections")
    assert PublicationSettings.objects.get().public_sections == ["purpose", "results"]


def test_publication_page_is_for_managers_and_up(owner_actor, ui_as):
    system = make_system(owner_actor, name="Scorer")
    url = reverse("publication-settings", args=[system.pk])
    assert ui_as(Role.CONTRIBUTOR).get(url).status_code == 403
    assert ui_as(Role.CONTRIBUTOR).post(url, {"published": "on"}).status_code == 403
    manager = ui_as(Role.MANAGER)
    assert manager.get(url).status_code == 200
    saved = manager.post(url, {"published": "on", "public_sections": ["purpose", "eu_ai_act"]})
    assert saved.status_code == 302
    assert PublicationSettings.objects.get().public_sections == ["purpose", "eu_ai_act"]
    refused = manager.post(url, {"published": "on", "public_sections": ["salaries"]})
    assert refused.status_code == 422 and PublicationSettings.objects.get().public_sections == ["purpose", "eu_ai_act"]
    index = manager.get(reverse("transparency-index")).content.decode()
    assert "published" in index and 'href="/trust/acme/"' in index
