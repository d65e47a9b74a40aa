"""Reads of the transparency app, shared by UI, API, CLI and the public trust page."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from openaims.accounts.models import Organization
from openaims.base.context import Actor
from openaims.base.selectors import filter_getter, scoped
from openaims.inventory.models import AISystem
from openaims.oversight.transparency.card import SystemCard, build_card
from openaims.oversight.transparency.models import PublicationSettings, ReportingObligation, ReportingRecord


def overdue_q() -> Q:
    """Obligations whose next due date has passed."""
    return Q(next_due_date__lt=timezone.localdate())


def reporting_obligations(actor: Actor) -> QuerySet[ReportingObligation]:
    return scoped(ReportingObligation, actor).select_related("ai_system", "interested_party", "owner")


def filter_reporting_obligations(qs: QuerySet[ReportingObligation], filters) -> QuerySet[ReportingObligation]:
    """Search and filters; the same names in UI and API."""
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(description__icontains=q)
            | Q(recipient__icontains=q)
            | Q(interested_party__name__icontains=q)
        )
    for name in ("ai_system_id", "interested_party_id", "frequency", "owner_id"):
        if (value := get(name)) not in (None, ""):
            qs = qs.filter(**{name: value})
    overdue = get("overdue")
    if overdue is True:
        qs = qs.filter(overdue_q())
    elif overdue is False:
        qs = qs.exclude(overdue_q())
    return qs


def overdue_obligations(actor: Actor) -> QuerySet[ReportingObligation]:
    """The obligations past their next due date, the longest overdue first."""
    return reporting_obligations(actor).filter(overdue_q()).order_by("next_due_date", "title")


def reporting_records(actor: Actor) -> QuerySet[ReportingRecord]:
    return scoped(ReportingRecord, actor).select_related("obligation", "obligation__ai_system", "evidence")


def filter_reporting_records(qs: QuerySet[ReportingRecord], filters) -> QuerySet[ReportingRecord]:
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(Q(summary__icontains=q) | Q(obligation__title__icontains=q))
    if value := get("obligation_id"):
        qs = qs.filter(obligation_id=value)
    if value := get("ai_system_id"):
        qs = qs.filter(obligation__ai_system_id=value)
    return qs


def publication_of(ai_system: AISystem) -> PublicationSettings | None:
    return PublicationSettings.objects.filter(ai_system=ai_system, organization_id=ai_system.organization_id).first()


# --- The public trust page: no actor, only what the organization published ----------------------------------


def trust_organization(slug: str) -> Organization | None:
    """The organization of a trust page, or None (unknown slug)."""
    return Organization.objects.filter(slug=slug).first()


def published_systems(organization: Organization) -> QuerySet[AISystem]:
    """The organization's AI systems on its trust page, by name."""
    return (
        AISystem.objects.filter(organization=organization, publication__published=True)
        .select_related("publication", "organization")
        .order_by("name", "id")
    )


def public_card(ai_system: AISystem) -> SystemCard:
    """The card of a published system holding only its public sections (nothing at all if it is not published)."""
    publication = publication_of(ai_system)
    sections = publication.public_sections if publication and publication.published else []
    return build_card(ai_system).restricted(sections)
