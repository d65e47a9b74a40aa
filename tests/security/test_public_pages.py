"""Issue 11, attack 5: public pages show only what the organization published (DESIGN.md security rule 5).

The organization has one published system and several it never published: an idea, an internal tool, one out of
scope, one taken off the trust page again, and another organization's published system. None of the unpublished ones
may appear in any page answered without login (the trust page, its cards, the concern form, the follow-up page, and
every other address of the site, walked from the URL configuration), and none can be chosen on the concern form by
posting its id.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from openaims.accounts.models import User
from openaims.accounts.selectors import actor_for
from openaims.base.models import TrailEvent
from openaims.inventory.models import AISystem
from openaims.inventory.services import ai_system_create
from openaims.oversight.incidents import services as incidents
from openaims.oversight.incidents.forms import ConcernReportForm
from openaims.oversight.incidents.models import Concern
from openaims.oversight.transparency.choices import CARD_SECTIONS
from openaims.oversight.transparency.services import publication_publish, publication_unpublish
from tests.conftest import make_organization

pytestmark = pytest.mark.django_db

PUBLISHED = "Published Loan Scorer Alpha"
UNPUBLISHED = {
    "idea": "Secret Idea Zeta",
    "internal": "Internal HR Screener Omega",
    "out_of_scope": "Out Of Scope Sigma",
    "withdrawn": "Withdrawn Pricing Kappa",
}
THEIRS = "Globex Published Gamma"
INVALID_CHOICE = ConcernReportForm.base_fields["ai_system"].error_messages["invalid_choice"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def world(db):
    """Acme with one published and four unpublished systems; Globex with one published system."""
    acme = make_organization("Acme AI", "acme")
    owner = actor_for(User.objects.get(username="owner-acme@example.org"), acme)
    published = ai_system_create(
        actor=owner, name=PUBLISHED, purpose="Scores loan requests.", lifecycle_stage="development"
    )
    publication_publish(actor=owner, ai_system=published, public_sections=list(CARD_SECTIONS))
    hidden = {
        "idea": ai_system_create(actor=owner, name=UNPUBLISHED["idea"], purpose="Might price insurance one day."),
        "internal": ai_system_create(
            actor=owner,
            name=UNPUBLISHED["internal"],
            purpose="Ranks job applicants for the HR team.",
            lifecycle_stage="development",
            tags=["internal"],
        ),
        "out_of_scope": ai_system_create(
            actor=owner,
            name=UNPUBLISHED["out_of_scope"],
            purpose="Run by the parent company.",
            in_scope=False,
            scope_reason="Operated by the parent company.",
        ),
        "withdrawn": ai_system_create(actor=owner, name=UNPUBLISHED["withdrawn"], purpose="Prices loans."),
    }
    publication_publish(actor=owner, ai_system=hidden["withdrawn"], public_sections=list(CARD_SECTIONS))
    publication_unpublish(actor=owner, ai_system=hidden["withdrawn"])
    globex = make_organization("Globex", "globex")
    other = actor_for(User.objects.get(username="owner-globex@example.org"), globex)
    theirs = ai_system_create(actor=other, name=THEIRS, purpose="Their scorer.")
    publication_publish(actor=other, ai_system=theirs, public_sections=list(CARD_SECTIONS))
    return {"owner": owner, "published": published, "hidden": hidden, "theirs": theirs}


def _leaks(body: str, world, *, ids: bool = True) -> list[str]:
    """Names (and ids) of systems that must not be on an Acme public page."""
    secrets = [*UNPUBLISHED.values(), THEIRS]
    if ids:
        secrets += [str(s.pk) for s in world["hidden"].values()] + [str(world["theirs"].pk)]
    return [s for s in secrets if s in body]


def _public_get(path: str):
    return Client().get(path, REMOTE_ADDR="198.51.100.10")


def test_the_trust_page_shows_only_the_published_system(world):
    response = _public_get("/trust/acme/")
    body = response.content.decode()
    assert response.status_code == 200 and PUBLISHED in body
    assert _leaks(body, world) == []


@pytest.mark.parametrize("which", list(UNPUBLISHED))
def test_an_unpublished_systems_card_is_not_found(world, which):
    system = world["hidden"][which]
    response = _public_get(f"/trust/acme/{system.pk}/")
    assert response.status_code == 404 and _leaks(response.content.decode(), world, ids=False) == []
    assert _public_get(f"/trust/acme/{world['theirs'].pk}/").status_code == 404  # another organization's
    published = _public_get(f"/trust/acme/{world['published'].pk}/")
    assert published.status_code == 200 and _leaks(published.content.decode(), world) == []


def test_the_concern_form_offers_published_systems_and_another_none_chosen(world):
    response = _public_get("/trust/acme/concerns/new/")
    body = response.content.decode()
    assert response.status_code == 200 and _leaks(body, world) == []
    select = re.search(r'<select name="ai_system".*?</select>', body, re.S).group(0)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)
    assert [(value, label) for value, _selected, label in options] == [
        ("", "Choose…"),
        (str(world["published"].pk), PUBLISHED),
        ("other", "Another system / not sure"),
    ]
    assert [value for value, selected, _label in options if selected] in ([], [""])  # no system preselected


@pytest.mark.parametrize("which", [*UNPUBLISHED, "theirs"])
def test_posting_an_unpublished_systems_id_gets_the_form_again(world, which):
    system = world["theirs"] if which == "theirs" else world["hidden"][which]
    before = TrailEvent.objects.count()
    response = Client().post(
        "/trust/acme/concerns/new/",
        {"ai_system": str(system.pk), "description": "It refused me."},
        REMOTE_ADDR="198.51.100.11",
    )
    body = response.content.decode()
    assert response.status_code == 422 and 'name="ai_system"' in body
    assert "Choose one of the listed AI systems" in body
    assert _leaks(body.replace(str(system.pk), ""), world) == []  # only the posted value may come back, if at all
    assert not Concern.objects.exists() and TrailEvent.objects.count() == before


def test_posting_the_published_system_or_another_is_accepted(world):
    client = Client()
    for choice in (str(world["published"].pk), "other"):
        response = client.post(
            "/trust/acme/concerns/new/", {"ai_system": choice, "description": "It refused me."}, REMOTE_ADDR="1.1.1.1"
        )
        assert response.status_code == 200 and _leaks(response.content.decode(), world) == []
    assert [c.ai_system_id for c in Concern.objects.order_by("number")] == [world["published"].pk, None]
    missing = client.post("/trust/acme/concerns/new/", {"description": "No choice made."}, REMOTE_ADDR="1.1.1.1")
    assert missing.status_code == 422 and "Choose the AI system" in missing.content.decode()


def test_the_service_refuses_a_system_the_public_form_does_not_offer(world):
    """``concern_report`` itself (not only the form) accepts only a published, in-scope system of the organization."""
    organization = world["owner"].organization
    before = TrailEvent.objects.count()
    for system in [*world["hidden"].values(), world["theirs"]]:
        for value in (system, system.pk, str(system.pk)):
            with pytest.raises(ValidationError) as refused:
                incidents.concern_report(organization=organization, description="It refused me.", ai_system=value)
            assert refused.value.message_dict == {"ai_system": [INVALID_CHOICE]}
    assert not Concern.objects.exists() and TrailEvent.objects.count() == before
    concern, _code = incidents.concern_report(
        organization=organization, description="It refused me.", ai_system=world["published"].pk
    )
    assert concern.ai_system_id == world["published"].pk


def test_the_follow_up_page_names_no_unpublished_system(world):
    """A concern about a system taken off the trust page since is followed up without naming it."""
    internal = world["hidden"]["internal"]
    publication_publish(actor=world["owner"], ai_system=internal, public_sections=list(CARD_SECTIONS))
    concern, code = incidents.concern_report(
        organization=world["owner"].organization, description="It refused me.", ai_system=internal
    )
    publication_unpublish(actor=world["owner"], ai_system=internal)
    incidents.concern_reply_create(actor=world["owner"], concern=concern, text="We are looking into it.")
    response = Client().post("/trust/acme/concerns/follow-up/", {"code": code}, REMOTE_ADDR="198.51.100.12")
    body = response.content.decode()
    assert response.status_code == 200 and "We are looking into it." in body
    assert _leaks(body, world) == []


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _addresses(world) -> list[str]:
    """Every address of the site with its parameters filled: ids of the unpublished systems (and random ones),
    the organization's slug, any text."""
    ids = [str(s.pk) for s in world["hidden"].values()] + [str(world["theirs"].pk), str(uuid.uuid4())]
    paths = set()
    for route in _routes(get_resolver().url_patterns):
        if route.startswith("^") or "(?P" in route or route.startswith("static"):
            continue  # regular expressions: the impact transitions (POST only, behind login)
        for value in ids:
            path = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m, v=value: _fill(m.group(1) or "str", m.group(2), v), route)
            paths.add("/" + path)
    return sorted(paths)


def _fill(converter: str, name: str, system_id: str) -> str:
    if converter == "uuid":
        return system_id
    if converter == "slug" or name.endswith("slug"):
        return "acme"
    if converter == "int":
        return "1"
    return system_id  # str/path parameters get the id too


def test_no_page_answered_without_login_names_an_unpublished_system(world):
    """Walk the whole URL configuration anonymously: wherever an answer has a body, it holds no unpublished system's
    name or id (redirects to the login page have none)."""
    client = Client()
    public = set()
    checked = 0
    for path in _addresses(world):
        response = client.get(path, REMOTE_ADDR="198.51.100.13")
        checked += 1
        if getattr(response, "streaming", False):
            body = b"".join(response.streaming_content).decode(errors="replace")
        else:
            body = response.content.decode(errors="replace")
        assert _leaks(body, world, ids=response.status_code == 200) == [], path
        if response.status_code == 200:
            public.add(re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", path))
    assert checked > 200
    # What answers without login: the trust pages, the concern pages, health and sign-in, the API's description.
    # A new public page fails here until it is checked for what it shows.
    allowed = re.compile(r"^/(trust/acme/(concerns/(new|follow-up)/)?|healthz|login/|api/v1/(docs|openapi\.json))$")
    assert sorted(p for p in public if not allowed.match(p)) == []


def test_each_public_answer_of_acme_carries_no_system_of_globex(world):
    for path in ("/trust/acme/", "/trust/acme/concerns/new/", "/trust/acme/concerns/follow-up/"):
        body = _public_get(path).content.decode()
        assert THEIRS not in body and str(world["theirs"].pk) not in body
    assert AISystem.objects.filter(name=THEIRS).exists()
