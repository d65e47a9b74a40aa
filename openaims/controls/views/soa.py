"""The SoA pages: the table grouped by Annex A group (edited in place with htmx), the entry pages, the
versions with their differences, the issue form and the downloads."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from openaims.accounts.choices import Permission
from openaims.base.views import ActorRequiredMixin, Column, Resource, apply_service_errors
from openaims.controls import forms, services
from openaims.controls.exports import FORMATS, export_soa
from openaims.controls.models import SoAEntry, SoAVersion
from openaims.controls.selectors import soa as selectors

soa_entries = Resource(
    model=SoAEntry,
    url_prefix="soa-entries",
    form_class=forms.SoAEntryForm,
    create_form_class=forms.SoAEntryCreateForm,
    filter_form_class=forms.SoAFilterForm,
    columns=[
        Column("Control", "control_id", link=True),
        Column("Title", "title"),
        Column("Applicability", "applicability_label"),
        Column("Status", "implementation_status"),
        Column("Owner", "owner"),
    ],
    queryset=selectors.soa_entries,
    filter_queryset=selectors.filter_soa_entries,
    create=services.soa_entry_create,
    update=services.soa_entry_update,
    delete=services.soa_entry_delete,
    instance_kwarg="soa_entry",
    detail_template="controls/soaentry_detail.html",
    detail_fields=["control_id", "title", "justification", "owner", "ai_systems", "notes"],
    title_plural="Statement of Applicability",
)


def _flags(actor) -> dict:
    return {
        "can_change": actor.can(Permission.CHANGE),
        "can_create": actor.can(Permission.CREATE),
        "can_approve": actor.can(Permission.APPROVE),
        "can_export": actor.can(Permission.EXPORT),
        "formats": list(FORMATS),
    }


class SoAView(ActorRequiredMixin, View):
    """The Statement of Applicability: every control grouped by Annex A group, with filters and downloads."""

    resource = soa_entries

    def get(self, request):
        actor = request.actor
        services.soa_ensure_entries(actor=actor)
        filter_form = forms.SoAFilterForm(request.GET or None, actor=actor)
        filters = filter_form.filters() if filter_form.is_valid() else {}
        all_entries = list(selectors.soa_entries(actor))
        shown = list(selectors.filter_soa_entries(selectors.soa_entries(actor), filters))
        latest, pending = selectors.draft_diff(actor)
        context = {
            "resource": self.resource,
            "filter_form": filter_form,
            "groups": selectors.group_entries(shown),
            "shown_count": len(shown),
            "counts": selectors.soa_counts(all_entries),
            "latest": latest,
            "pending": pending,
            **_flags(actor),
        }
        partial = request.htmx and request.htmx.target == "soa-table"
        return render(request, "controls/soa_table.html" if partial else "controls/soa.html", context)


class SoAEntryInlineView(ActorRequiredMixin, View):
    """One row of the SoA table: GET the row as a form (``?edit=1``) or as text; POST saves it in place."""

    resource = soa_entries

    def _row(self, entry, form=None, status=200):
        template = "controls/soa_row_form.html" if form is not None else "controls/soa_row.html"
        context = {"entry": entry, "form": form, **_flags(self.request.actor)}
        return render(self.request, template, context, status=status)

    def get(self, request, pk):
        entry = self.get_object(pk)
        if request.GET.get("edit"):
            request.actor.require(Permission.CHANGE)
            initial = {
                "applicable": entry.applicable,
                "justification": entry.justification,
                "implementation_status": entry.implementation_status,
            }
            return self._row(entry, forms.SoAInlineForm(initial=initial, actor=request.actor, entry=entry))
        return self._row(entry)

    def post(self, request, pk):
        entry = self.get_object(pk)
        form = forms.SoAInlineForm(request.POST, actor=request.actor, entry=entry)
        if form.is_valid():
            try:
                services.soa_entry_update(actor=request.actor, soa_entry=entry, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return self._row(self.get_object(pk))
        # htmx swaps only 2xx answers: the row comes back as the form, with its errors, under 200.
        return self._row(entry, form, status=200 if request.htmx else 422)


class SoAVersionListView(ActorRequiredMixin, View):
    def get(self, request):
        versions = list(selectors.soa_versions(request.actor))
        return render(request, "controls/soa_versions.html", {"versions": versions, **_flags(request.actor)})


class SoAVersionDetailView(ActorRequiredMixin, View):
    def get(self, request, pk):
        from openaims.base.selectors import get_scoped

        version = get_scoped(SoAVersion, request.actor, pk, queryset=selectors.soa_versions(request.actor))
        context = {
            "version": version,
            "previous": selectors.previous_version(version),
            "diff": selectors.version_diff(version),
            "entries": version.entries,
            **_flags(request.actor),
        }
        return render(request, "controls/soa_version_detail.html", context)


class SoAIssueView(ActorRequiredMixin, View):
    """Issue the next SoA version (needs the approve right); refused while an entry lacks a justification."""

    def _render(self, form, status=200):
        latest, pending = selectors.draft_diff(self.request.actor)
        context = {"form": form, "latest": latest, "pending": pending}
        return render(self.request, "controls/soa_issue.html", context, status=status)

    def get(self, request):
        request.actor.require(Permission.APPROVE)
        return self._render(forms.IssueVersionForm(actor=request.actor))

    def post(self, request):
        request.actor.require(Permission.APPROVE)
        form = forms.IssueVersionForm(request.POST, actor=request.actor)
        if form.is_valid():
            try:
                version = services.soa_issue_version(actor=request.actor, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"{version} issued, approved by {version.approved_by_name}.")
                return HttpResponseRedirect(reverse("soa-version-detail", args=[version.pk]))
        return self._render(form, status=422)


class SoAExportView(ActorRequiredMixin, View):
    """Download the SoA (``?format=xlsx|docx|pdf``, ``&version=N`` for an issued version)."""

    def get(self, request):
        fmt = request.GET.get("format", "")
        version = request.GET.get("version") or None
        if fmt not in FORMATS or (version is not None and not version.isdigit()):
            return HttpResponseBadRequest("Choose format xlsx, docx or pdf, and a version number.")
        exported = export_soa(actor=request.actor, fmt=fmt, version=int(version) if version else None)
        response = HttpResponse(exported.content, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        return response
