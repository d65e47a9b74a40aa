"""The internal audit pages: programmes, audits (with sample, checklist and findings), the audit calendar, and the
improvement register. Generic views per model; the audit's life (start, sample, checklist, report, close) and
findings are POSTs to their services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, re_path
from django.views import View

from openaims.accounts.choices import Permission
from openaims.audits import internal_forms as forms
from openaims.audits import internal_selectors as selectors
from openaims.audits import internal_services as services
from openaims.audits.choices import InternalAuditStatus
from openaims.audits.internal_report import FORMATS, export_audit_report
from openaims.audits.models import AuditChecklistItem, AuditProgramme, Improvement, InternalAudit
from openaims.base.selectors import get_scoped
from openaims.base.views import ActorRequiredMixin, Column, DetailView, Resource

audit_programmes = Resource(
    model=AuditProgramme,
    url_prefix="audit-programmes",
    form_class=forms.AuditProgrammeForm,
    filter_form_class=forms.AuditProgrammeFilterForm,
    columns=[Column("Name", "name", link=True), Column("Frequency", "get_frequency_display")],
    queryset=selectors.audit_programmes,
    filter_queryset=selectors.filter_audit_programmes,
    create=services.audit_programme_create,
    update=services.audit_programme_update,
    delete=services.audit_programme_delete,
    instance_kwarg="audit_programme",
    detail_fields=["objectives", "frequency", "methods", "responsibilities", "criteria"],
    title_plural="Audit programmes",
)


def _audit_context(audit: InternalAudit) -> dict:
    return {
        "checklist": selectors.checklist(audit),
        "sample_form": forms.InternalAuditSampleForm(initial={"size": 1, "seed": audit.sample_seed or 1}),
        "report_form": forms.InternalAuditReportForm(),
        "finding_form": forms.AuditFindingForm(organization=audit.organization),
        "editable": audit.status in (InternalAuditStatus.PLANNED, InternalAuditStatus.IN_PROGRESS),
    }


internal_audits = Resource(
    model=InternalAudit,
    url_prefix="internal-audits",
    form_class=forms.InternalAuditForm,
    filter_form_class=forms.InternalAuditFilterForm,
    columns=[
        Column("Reference", "reference", link=True),
        Column("Title", "title"),
        Column("Programme", "programme"),
        Column("Lead auditor", "lead_auditor"),
        Column("Planned start", "planned_start"),
        Column("Planned end", "planned_end"),
        Column("Status", "status_badge"),
    ],
    queryset=selectors.internal_audits,
    filter_queryset=selectors.filter_internal_audits,
    create=services.internal_audit_create,
    update=services.internal_audit_update,
    delete=services.internal_audit_delete,
    instance_kwarg="internal_audit",
    detail_template="audits/internal_audit_detail.html",
    detail_fields=[
        "programme",
        "criteria",
        "lead_auditor",
        "team",
        "ai_systems",
        "planned_start",
        "planned_end",
        "status",
        "started_on",
        "reported_on",
    ],
    extra_detail_context=_audit_context,
    title_plural="Internal audits",
)

improvements = Resource(
    model=Improvement,
    url_prefix="improvements",
    form_class=forms.ImprovementForm,
    filter_form_class=forms.ImprovementFilterForm,
    columns=[
        Column("Title", "title", link=True),
        Column("Source", "get_source_display"),
        Column("Owner", "owner"),
        Column("Status", "status_badge"),
    ],
    queryset=selectors.improvements,
    filter_queryset=selectors.filter_improvements,
    create=services.improvement_create,
    update=services.improvement_update,
    delete=services.improvement_delete,
    instance_kwarg="improvement",
    detail_fields=["description", "source", "owner", "status"],
    title_plural="Improvements",
)

RESOURCES = [audit_programmes, internal_audits, improvements]


class InternalAuditDetailView(DetailView):
    """The generic detail page, plus whether the member may change the audit and close it."""

    def base_context(self, **extra):
        return super().base_context(can_approve=self.request.actor.can(Permission.APPROVE), **extra)


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{name}: {' '.join(errs)}" if name != "__all__" else " ".join(errs) for name, errs in exc.message_dict.items()
    )


class InternalAuditActionView(ActorRequiredMixin, View):
    """POST: start, draw the sample, generate the checklist, report or close an audit."""

    resource = internal_audits

    def post(self, request, pk, step):
        audit = self.get_object(pk)
        actor = request.actor
        try:
            if step == "start":
                services.internal_audit_start(actor=actor, internal_audit=audit)
            elif step == "sample":
                form = forms.InternalAuditSampleForm(request.POST)
                if not form.is_valid():
                    raise ValidationError({name: list(errs) for name, errs in form.errors.items()})
                services.internal_audit_draw_sample(actor=actor, audit=audit, **form.cleaned_data)
            elif step == "checklist":
                services.internal_audit_generate_checklist(actor=actor, audit=audit)
            elif step == "report":
                services.internal_audit_report(actor=actor, internal_audit=audit, summary=request.POST.get("summary"))
            elif step == "close":
                services.internal_audit_close(actor=actor, internal_audit=audit)
        except ValidationError as exc:
            messages.error(request, f"Not done: {_problems(exc)}")
        else:
            messages.success(request, f"{audit.reference}: {step} done.")
        return HttpResponseRedirect(self.resource.url("detail", pk))


class AuditFindingView(ActorRequiredMixin, View):
    """POST: record the finding on one checklist line."""

    resource = internal_audits

    def post(self, request, pk):
        item = get_scoped(AuditChecklistItem, request.actor, pk)
        form = forms.AuditFindingForm(request.POST, organization=request.actor.organization)
        try:
            if not form.is_valid():
                raise ValidationError({name: list(errs) for name, errs in form.errors.items()})
            services.audit_checklist_item_record_finding(
                actor=request.actor,
                item=item,
                finding=form.cleaned_data["finding"],
                notes=form.cleaned_data.get("notes", ""),
                evidence=list(form.cleaned_data.get("evidence") or ()),
            )
        except ValidationError as exc:
            messages.error(request, f"Finding not recorded: {_problems(exc)}")
        else:
            messages.success(request, f"Finding recorded on line {item.position}.")
        return HttpResponseRedirect(self.resource.url("detail", item.audit_id) + f"#line-{item.position}")


class InternalAuditExportView(ActorRequiredMixin, View):
    """Download the audit's report (``?format=docx|pdf``)."""

    resource = internal_audits

    def get(self, request, pk):
        audit = self.get_object(pk)
        fmt = request.GET.get("format", "")
        if fmt not in FORMATS:
            return HttpResponseBadRequest("Choose format docx or pdf.")
        exported = export_audit_report(actor=request.actor, internal_audit=audit, fmt=fmt)
        response = HttpResponse(exported.content, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        return response


class InternalAuditPackView(ActorRequiredMixin, View):
    """Download the audit's evidence pack (a zip), built in a staging file and streamed from it."""

    resource = internal_audits

    def get(self, request, pk):
        from openaims.audits.pack import CONTENT_TYPE, pack_filename, staged_pack

        audit = self.get_object(pk)
        handle = staged_pack(request.actor, audit=audit)
        return FileResponse(
            handle, as_attachment=True, filename=pack_filename(request.actor, audit), content_type=CONTENT_TYPE
        )


class EvidencePackView(ActorRequiredMixin, View):
    """Download the evidence pack of the whole AI management system."""

    resource = internal_audits

    def get(self, request):
        from openaims.audits.pack import CONTENT_TYPE, pack_filename, staged_pack

        handle = staged_pack(request.actor)
        return FileResponse(
            handle, as_attachment=True, filename=pack_filename(request.actor, None), content_type=CONTENT_TYPE
        )


class AuditCalendarView(ActorRequiredMixin, View):
    """The audits by month of their planned start; audits due (planned start passed, not started) flagged."""

    resource = internal_audits

    def get(self, request):
        qs = selectors.internal_audits(request.actor)
        context = self.base_context(months=selectors.audits_by_month(qs), due=qs.filter(selectors.audit_due_q()))
        return render(request, "audits/internal_audit_calendar.html", context)


def urls() -> list:
    """The generic pages of the three resources (the audit's detail page its own), the calendar and the POSTs."""
    patterns = [u for resource in RESOURCES for u in resource.urls() if u.name != "internal-audits-detail"]
    detail = InternalAuditDetailView.as_view(resource=internal_audits)
    return [
        path("internal-audits/calendar/", AuditCalendarView.as_view(), name="internal-audits-calendar"),
        path("internal-audits/<uuid:pk>/", detail, name="internal-audits-detail"),
        path("internal-audits/<uuid:pk>/export/", InternalAuditExportView.as_view(), name="internal-audits-export"),
        path("internal-audits/<uuid:pk>/pack/", InternalAuditPackView.as_view(), name="internal-audits-pack"),
        path("evidence-pack/", EvidencePackView.as_view(), name="evidence-pack"),
        re_path(
            r"^internal-audits/(?P<pk>[0-9a-f-]{36})/(?P<step>start|sample|checklist|report|close)/$",
            InternalAuditActionView.as_view(),
            name="internal-audits-step",
        ),
        path("audit-checklist-items/<uuid:pk>/finding/", AuditFindingView.as_view(), name="audit-checklist-finding"),
        *patterns,
    ]
