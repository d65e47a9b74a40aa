"""The impact assessment pages: generic views per model, the questionnaire, workflow buttons, harm → risk, exports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from openaims.accounts.choices import Permission
from openaims.base.views import ActorRequiredMixin, Column, Resource
from openaims.impact import forms, selectors, services
from openaims.impact.choices import EDITABLE_STATUSES, STANDING_STATUSES, AssessmentStatus
from openaims.impact.exports import FORMATS, export_assessment
from openaims.impact.models import Harm, ImpactAssessment


def _assessment_context(obj: ImpactAssessment) -> dict:
    template = obj.template
    sections = []
    if template is not None:
        for section in template.sections:
            rows = [(q, q.display(obj.answers.get(q.id))) for q in section.questions]
            answered = sum(1 for q in section.questions if q.id in obj.answers)
            sections.append({"section": section, "rows": rows, "answered": answered})
    missing = template.missing_required(obj.answers) if template else []
    return {
        "sections": sections,
        "missing": missing,
        "harms": selectors.assessment_harms(obj),
        "editable": obj.status in EDITABLE_STATUSES,
        "standing": obj.status in STANDING_STATUSES,
        "formats": list(FORMATS),
    }


def _harm_context(obj: Harm) -> dict:
    from openaims.risk.models import Risk

    risks = Risk.objects.filter(organization_id=obj.organization_id).only("id", "title").order_by("title")[:500]
    return {"linkable": obj.assessment.status != AssessmentStatus.SUPERSEDED, "risks": risks}


impact_assessments = Resource(
    model=ImpactAssessment,
    url_prefix="impact-assessments",
    form_class=forms.ImpactAssessmentForm,
    create_form_class=forms.ImpactAssessmentCreateForm,
    filter_form_class=forms.ImpactAssessmentFilterForm,
    columns=[
        Column("Title", "title", link=True),
        Column("AI system", "ai_system"),
        Column("Template", "template_title"),
        Column("Revision", "revision"),
        Column("Status", "status", badge=True),
        Column("Stale", "stale"),
        Column("Next review date", "next_review_date"),
        Column("Approved by", "approved_by"),
    ],
    queryset=selectors.impact_assessments,
    filter_queryset=selectors.filter_impact_assessments,
    create=services.impact_assessment_create,
    update=services.impact_assessment_update,
    delete=services.impact_assessment_delete,
    instance_kwarg="impact_assessment",
    detail_template="impact/impactassessment_detail.html",
    detail_fields=[
        "ai_system",
        "status",
        "author",
        "approved_by",
        "approved_at",
        "next_review_date",
        "conclusion",
    ],
    extra_detail_context=_assessment_context,
)

harms = Resource(
    model=Harm,
    url_prefix="harms",
    form_class=forms.HarmForm,
    create_form_class=forms.HarmCreateForm,
    filter_form_class=forms.HarmFilterForm,
    columns=[
        Column("Harm", "description", link=True),
        Column("Assessment", "assessment"),
        Column("Severity", "severity"),
        Column("Likelihood", "likelihood"),
        Column("Reversibility", "reversibility"),
        Column("Linked risk", "linked_risk"),
    ],
    queryset=selectors.harms,
    filter_queryset=selectors.filter_harms,
    create=services.harm_create,
    update=services.harm_update,
    delete=services.harm_delete,
    instance_kwarg="harm",
    detail_template="impact/harm_detail.html",
    detail_fields=[
        "assessment",
        "description",
        "affected_groups",
        "severity",
        "likelihood",
        "reversibility",
        "mitigations",
        "linked_risk",
    ],
    extra_detail_context=_harm_context,
)

RESOURCES = [impact_assessments, harms]


class AnswersView(ActorRequiredMixin, View):
    """The questionnaire of a draft, generated from its template, grouped by section."""

    resource = impact_assessments

    def _render(self, obj, form, status=200):
        return render(
            self.request,
            "impact/answers_form.html",
            self.base_context(object=obj, form=form, sections=form.sections(), required=form.required_ids()),
            status=status,
        )

    def get(self, request, pk):
        obj = self.get_object(pk)
        request.actor.require(Permission.CHANGE)
        form = forms.QuestionnaireForm(template=obj.template, initial=forms.QuestionnaireForm.initial_from(obj.answers))
        return self._render(obj, form)

    def post(self, request, pk):
        obj = self.get_object(pk)
        form = forms.QuestionnaireForm(request.POST, template=obj.template)
        if form.is_valid():
            try:
                services.impact_assessment_update(actor=request.actor, impact_assessment=obj, answers=form.answers())
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, f"Answers of “{obj}” saved.")
                return HttpResponseRedirect(self.resource.url("detail", pk))
        return self._render(obj, form, status=422)


ACTIONS = {
    "submit": (services.impact_assessment_submit, "submitted for review"),
    "return": (services.impact_assessment_return, "returned to draft"),
    "approve": (services.impact_assessment_approve, "approved"),
}


class AssessmentActionView(ActorRequiredMixin, View):
    """POST: submit, return to draft, approve, or start a revision."""

    resource = impact_assessments

    def post(self, request, pk, action):
        obj = self.get_object(pk)
        form = forms.NoteForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            if action == "revise":
                revision = services.impact_assessment_revise(actor=request.actor, impact_assessment=obj)
            elif action in ACTIONS:
                service, done = ACTIONS[action]
                service(actor=request.actor, impact_assessment=obj, note=note)
            else:
                return HttpResponseBadRequest("Unknown action.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(self.resource.url("detail", pk))
        if action == "revise":
            messages.success(
                request,
                f"Revision {revision.revision} started as a draft; “{obj}” stays in force until it is approved.",
            )
            return HttpResponseRedirect(self.resource.url("detail", revision.pk))
        messages.success(request, f"“{obj}” {done}.")
        return HttpResponseRedirect(self.resource.url("detail", pk))


class AssessmentExportView(ActorRequiredMixin, View):
    """Download an assessment (``?format=docx|pdf``)."""

    resource = impact_assessments

    def get(self, request, pk):
        obj = self.get_object(pk)
        fmt = request.GET.get("format", "")
        if fmt not in FORMATS:
            return HttpResponseBadRequest("Choose format docx or pdf.")
        exported = export_assessment(actor=request.actor, impact_assessment=obj, fmt=fmt)
        response = HttpResponse(exported.content, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        return response


class HarmToRiskView(ActorRequiredMixin, View):
    """POST: turn the harm into a risk of the register (one click), or link an existing risk (``risk`` field)."""

    resource = harms

    def post(self, request, pk):
        harm = self.get_object(pk)
        risk_id = request.POST.get("risk", "")
        try:
            if "risk" in request.POST:
                from openaims.base.selectors import get_scoped
                from openaims.risk.models import Risk

                risk = get_scoped(Risk, request.actor, risk_id) if risk_id else None
                harm = services.harm_link_risk(actor=request.actor, harm=harm, risk=risk)
                messages.success(request, f"Linked to “{harm.linked_risk}”." if risk else "Link to the risk removed.")
            else:
                harm = services.harm_to_risk(actor=request.actor, harm=harm)
                messages.success(request, f"Risk “{harm.linked_risk}” added to the register and linked.")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        back = request.POST.get("next", "")
        if back == "assessment":
            return HttpResponseRedirect(reverse("impact-assessments-detail", args=[harm.assessment_id]))
        return HttpResponseRedirect(self.resource.url("detail", pk))
