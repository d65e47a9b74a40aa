"""The public trust page: ``/trust/<organization-slug>/`` and one card per published system, without login.

Only published systems and their public sections are shown (a card is restricted before it reaches a template).
The answers carry a strict Content-Security-Policy of their own (no script at all, our stylesheet only); they
are rendered without the request, so no session or cookie is read or set.
"""

from __future__ import annotations

import uuid

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from openaims.oversight.transparency import selectors
from openaims.oversight.transparency.choices import CardSection

TRUST_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def _answer(template: str, context: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(render_to_string(template, context), status=status)
    response["Content-Security-Policy"] = TRUST_CONTENT_SECURITY_POLICY
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noarchive"
    return response


def _not_found() -> HttpResponse:
    return _answer("transparency/trust_404.html", {}, status=404)


def concern_url(slug: str) -> str:
    """Where a member of the public raises a concern (the incidents app's page)."""
    return f"/trust/{slug}/concerns/new/"


@require_safe
def trust_page(request, organization_slug: str):
    """Every published system of the organization with its public sections; 404 if there is none."""
    organization = selectors.trust_organization(organization_slug)
    if organization is None:
        return _not_found()
    systems = list(selectors.published_systems(organization))
    if not systems:
        return _not_found()
    cards = [(system, selectors.public_card(system)) for system in systems]
    context = {
        "organization": organization,
        "cards": cards,
        "concern_url": concern_url(organization.slug),
        "section_labels": dict(CardSection.choices),
    }
    return _answer("transparency/trust_page.html", context)


@require_safe
def trust_card(request, organization_slug: str, system_id: uuid.UUID):
    """One published system's public card; 404 for an unknown, unpublished or other organization's system."""
    organization = selectors.trust_organization(organization_slug)
    if organization is None:
        return _not_found()
    system = selectors.published_systems(organization).filter(pk=system_id).first()
    if system is None:
        return _not_found()
    context = {
        "organization": organization,
        "system": system,
        "card": selectors.public_card(system),
        "concern_url": concern_url(organization.slug),
    }
    return _answer("transparency/trust_card.html", context)
