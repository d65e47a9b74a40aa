"""The impact assessment API: CRUD through ``register_crud``, workflow actions, harm → risk, templates, exports."""

from __future__ import annotations

import uuid
from typing import Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status

from openaims.base.api import register_crud
from openaims.base.errors import NotFound
from openaims.base.schemas import READ_ERRORS, WRITE_ERRORS, file_answer
from openaims.base.selectors import get_scoped
from openaims.impact import schemas as s
from openaims.impact import selectors, services
from openaims.impact.exports import FORMATS, export_assessment
from openaims.impact.models import Harm, ImpactAssessment
from openaims.impact.questionnaires import Template, get_template, templates

router = Router(tags=["Impact assessments"])


def _template_summary(template: Template) -> dict:
    return {
        "id": template.id,
        "title": template.title,
        "version": template.version,
        "basis": template.basis,
        "description": template.description,
        "question_count": len(template.questions),
        "required_count": sum(q.required for q in template.questions.values()),
    }


@router.get(
    "/impact-templates",
    response={200: list[s.TemplateSummaryOut], **READ_ERRORS},
    summary="List the impact assessment templates",
    operation_id="list_impact-templates",
)
def list_templates(request):
    return [_template_summary(t) for t in templates().values()]


@router.get(
    "/impact-templates/{template_id}",
    response={200: s.TemplateOut, **READ_ERRORS},
    summary="Read a template: its sections and questions (id, text, kind, required, help, options)",
    operation_id="read_impact-templates",
)
def read_template(request, template_id: str):
    template = get_template(template_id)
    if template is None:
        raise NotFound(f"No template {template_id!r}.")
    sections = []
    for section in template.sections:
        questions = []
        for q in section.questions:
            scale = q.kind == "scale"
            questions.append(
                {
                    "id": q.id,
                    "text": q.text,
                    "kind": q.kind,
                    "required": q.required,
                    "help": q.help,
                    "options": list(q.options),
                    "min": q.min if scale else None,
                    "max": q.max if scale else None,
                    "labels": q.labels,
                }
            )
        sections.append({"id": section.id, "title": section.title, "questions": questions})
    return {**_template_summary(template), "sections": sections}


@router.post(
    "/impact-assessments/mark-due",
    response={200: s.MarkDueOut, **WRITE_ERRORS},
    summary="Mark approved assessments past their review date as due for reassessment",
    operation_id="mark-due_impact-assessments",
)
def mark_due(request):
    return {"marked": [a.pk for a in services.mark_due_assessments(actor=request.auth)]}


register_crud(
    router,
    path="impact-assessments",
    model=ImpactAssessment,
    out=s.ImpactAssessmentOut,
    create_in=s.ImpactAssessmentIn,
    patch_in=s.ImpactAssessmentPatch,
    filters=s.ImpactAssessmentFilters,
    filter_queryset=selectors.filter_impact_assessments,
    create=services.impact_assessment_create,
    update=services.impact_assessment_update,
    delete=services.impact_assessment_delete,
    instance_kwarg="impact_assessment",
    queryset=lambda qs: qs.select_related("ai_system"),
)


def _assessment(request, id: uuid.UUID) -> ImpactAssessment:
    return get_scoped(ImpactAssessment, request.auth, id, queryset=selectors.impact_assessments(request.auth))


def _action(name: str, service, summary: str):
    @router.post(
        f"/impact-assessments/{{id}}/{name}",
        response={200: s.ImpactAssessmentOut, **WRITE_ERRORS},
        summary=summary,
        operation_id=f"{name}_impact-assessments",
    )
    def action(request, id: uuid.UUID, payload: s.NoteIn):
        service(actor=request.auth, impact_assessment=_assessment(request, id), note=payload.note)
        return _assessment(request, id)

    action.__name__ = f"{name}_impact_assessment"
    return action


_action("submit", services.impact_assessment_submit, "Submit a draft for review (every required question answered)")
_action("return", services.impact_assessment_return, "Return an assessment in review to draft, with a note")
_action(
    "approve",
    services.impact_assessment_approve,
    "Approve an assessment in review (approve right; not by its author)",
)


@router.post(
    "/impact-assessments/{id}/revise",
    response={201: s.ImpactAssessmentOut, **WRITE_ERRORS},
    summary="Start the next revision of an approved or due assessment (a draft with answers and harms copied)",
    operation_id="revise_impact-assessments",
)
def revise(request, id: uuid.UUID):
    revision = services.impact_assessment_revise(actor=request.auth, impact_assessment=_assessment(request, id))
    return Status(201, _assessment(request, revision.pk))


class AssessmentExportQuery(Schema):
    format: Literal["docx", "pdf"]


@router.get(
    "/impact-assessments/{id}/export",
    response={200: None, **READ_ERRORS},
    summary="Export an assessment as DOCX or PDF",
    description="Needs the export right. Cover: organization, AI system, template, status, approval.",
    operation_id="export_impact-assessments",
    openapi_extra=file_answer("The document, as an attachment", [ctype for _, ctype in FORMATS.values()]),
)
def export(request, id: uuid.UUID, query: Query[AssessmentExportQuery]):
    exported = export_assessment(actor=request.auth, impact_assessment=_assessment(request, id), fmt=query.format)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


register_crud(
    router,
    path="harms",
    model=Harm,
    out=s.HarmOut,
    create_in=s.HarmIn,
    patch_in=s.HarmPatch,
    filters=s.HarmFilters,
    filter_queryset=selectors.filter_harms,
    create=services.harm_create,
    update=services.harm_update,
    delete=services.harm_delete,
    instance_kwarg="harm",
    queryset=lambda qs: qs.select_related("linked_risk"),
)


def _harm(request, id: uuid.UUID) -> Harm:
    return get_scoped(Harm, request.auth, id, queryset=selectors.harms(request.auth))


@router.post(
    "/harms/{id}/to-risk",
    response={200: s.HarmOut, **WRITE_ERRORS},
    summary="Turn a harm into a risk of the register and link it (severity → consequence, likelihood → likelihood)",
    operation_id="to-risk_harms",
)
def harm_to_risk(request, id: uuid.UUID, payload: s.HarmToRiskIn):
    services.harm_to_risk(actor=request.auth, harm=_harm(request, id), owner=payload.owner_id)
    return _harm(request, id)


@router.post(
    "/harms/{id}/link-risk",
    response={200: s.HarmOut, **WRITE_ERRORS},
    summary="Link a harm to an existing risk of the register, or unlink it (risk_id null)",
    operation_id="link-risk_harms",
)
def harm_link_risk(request, id: uuid.UUID, payload: s.HarmLinkRiskIn):
    risk = None
    if payload.risk_id is not None:
        from openaims.risk.models import Risk

        risk = get_scoped(Risk, request.auth, payload.risk_id)
    services.harm_link_risk(actor=request.auth, harm=_harm(request, id), risk=risk)
    return _harm(request, id)
