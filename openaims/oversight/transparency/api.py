"""The transparency API: system cards, card and publication settings, reporting obligations and records (CRUD)."""

from __future__ import annotations

import uuid

from django.http import HttpResponse
from ninja import Query, Router

from openaims.accounts.choices import Permission
from openaims.base.api import register_crud
from openaims.base.schemas import READ_ERRORS, WRITE_ERRORS, file_answer
from openaims.base.selectors import get_scoped
from openaims.inventory.models import AISystem
from openaims.oversight.transparency import schemas as s
from openaims.oversight.transparency import selectors, services
from openaims.oversight.transparency.card import SystemCard, build_card
from openaims.oversight.transparency.exports import FORMATS, export_card
from openaims.oversight.transparency.models import CardSettings, ReportingObligation, ReportingRecord

router = Router(tags=["Transparency"])


def _system(request, id: uuid.UUID) -> AISystem:
    return get_scoped(AISystem, request.auth, id)


@router.get(
    "/systems/{id}/card",
    response={200: SystemCard, **READ_ERRORS},
    summary="The AI system card, generated from the records: JSON, or a Markdown, HTML or PDF file",
    description="JSON needs the read right; the files need the export right (recorded in the trail).",
    operation_id="card_systems",
    openapi_extra=file_answer(
        "The card (JSON), or the card as an attachment", [ctype for _, ctype in FORMATS.values()]
    ),
)
def card(request, id: uuid.UUID, query: Query[s.CardQuery]):
    system = _system(request, id)
    if query.format == "json":
        return build_card(system)
    exported = export_card(actor=request.auth, ai_system=system, fmt=query.format)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


def _card_settings_out(system: AISystem) -> dict:
    current = CardSettings.objects.filter(ai_system=system).first()
    if current is None:
        return {"ai_system_id": system.pk}
    return {
        "ai_system_id": system.pk,
        "limitations": current.limitations,
        "foreseeable_misuse": current.foreseeable_misuse,
        "contact": current.contact,
        "updated_at": current.updated_at,
    }


@router.get(
    "/systems/{id}/card-settings",
    response={200: s.CardSettingsOut, **READ_ERRORS},
    summary="Limitations, foreseeable misuse and contact of an AI system's card",
    operation_id="read_card-settings",
)
def read_card_settings(request, id: uuid.UUID):
    return _card_settings_out(_system(request, id))


@router.put(
    "/systems/{id}/card-settings",
    response={200: s.CardSettingsOut, **WRITE_ERRORS},
    summary="Set limitations, foreseeable misuse and contact of an AI system's card (fields left out stay)",
    operation_id="update_card-settings",
)
def update_card_settings(request, id: uuid.UUID, payload: s.CardSettingsIn):
    system = _system(request, id)
    services.card_settings_update(actor=request.auth, ai_system=system, **payload.model_dump())
    return _card_settings_out(system)


def _publication_out(system: AISystem) -> dict:
    current = selectors.publication_of(system)
    out = {"ai_system_id": system.pk, "trust_url": f"/trust/{system.organization.slug}/"}
    if current is not None:
        out |= {
            "published": current.published,
            "public_sections": current.public_sections,
            "published_at": current.published_at,
        }
    return out


@router.get(
    "/systems/{id}/publication",
    response={200: s.PublicationOut, **READ_ERRORS},
    summary="Whether the public trust page shows an AI system, and which sections of its card",
    operation_id="read_publication",
)
def read_publication(request, id: uuid.UUID):
    request.auth.require(Permission.VIEW)
    return _publication_out(_system(request, id))


@router.put(
    "/systems/{id}/publication",
    response={200: s.PublicationOut, **WRITE_ERRORS},
    summary="Publish or withdraw an AI system on the trust page and choose its public sections (approve right)",
    operation_id="update_publication",
)
def update_publication(request, id: uuid.UUID, payload: s.PublicationIn):
    system = _system(request, id)
    sections = None if payload.public_sections is None else [str(v.value) for v in payload.public_sections]
    services.publication_update(
        actor=request.auth, ai_system=system, published=payload.published, public_sections=sections
    )
    return _publication_out(system)


register_crud(
    router,
    path="reporting-obligations",
    model=ReportingObligation,
    out=s.ReportingObligationOut,
    create_in=s.ReportingObligationIn,
    patch_in=s.ReportingObligationPatch,
    filters=s.ReportingObligationFilters,
    filter_queryset=selectors.filter_reporting_obligations,
    create=services.reporting_obligation_create,
    update=services.reporting_obligation_update,
    delete=services.reporting_obligation_delete,
    instance_kwarg="reporting_obligation",
    queryset=lambda qs: qs.select_related("interested_party"),
)

register_crud(
    router,
    path="reporting-records",
    model=ReportingRecord,
    out=s.ReportingRecordOut,
    create_in=s.ReportingRecordIn,
    patch_in=s.ReportingRecordPatch,
    filters=s.ReportingRecordFilters,
    filter_queryset=selectors.filter_reporting_records,
    create=services.reporting_record_create,
    update=services.reporting_record_update,
    delete=services.reporting_record_delete,
    instance_kwarg="reporting_record",
)
