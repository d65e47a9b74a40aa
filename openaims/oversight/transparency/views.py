"""The transparency pages in the app: the overview, each system's card with its downloads and settings, what the
trust page publishes, and the reporting obligations with their records (generic views)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from openaims.accounts.choices import Permission
from openaims.base.selectors import get_scoped
from openaims.base.views import ActorRequiredMixin, Column, Resource, apply_service_errors
from openaims.inventory.models import AISystem
from openaims.inventory.selectors import ai_systems
from openaims.oversight.transparency import forms, selectors, services
from openaims.oversight.transparency.card import build_card
from openaims.oversight.transparency.choices import CardSection
from openaims.oversight.transparency.exports import FORMATS, export_card
from openaims.oversight.transparency.models import CardSettings, ReportingObligation, ReportingRecord


def _obligation_context(obligation: ReportingObligation) -> dict:
    return {"records": obligation.records.select_related("evidence").order_by("-sent_on", "-created_at")}


reporting_obligations = Resource(
    model=ReportingObligation,
    url_prefix="reporting-obligations",
    form_class=forms.ReportingObligationForm,
    filter_form_class=forms.ReportingObligationFilterForm,
    columns=[
        Column("Obligation", "title", link=True),
        Column("AI system", "ai_system"),
        Column("To whom", "to_whom"),
        Column("Frequency", "frequency_badge"),
        Column("Next due", "due_label"),
        Column("Owner", "owner"),
    ],
    queryset=selectors.reporting_obligations,
    filter_queryset=selectors.filter_reporting_obligations,
    create=services.reporting_obligation_create,
    update=services.reporting_obligation_update,
    delete=services.reporting_obligation_delete,
    instance_kwarg="reporting_obligation",
    detail_template="transparency/obligation_detail.html",
    detail_fields=[
        "ai_system",
        "description",
        "interested_party",
        "recipient",
        "frequency",
        "first_due_date",
        "next_due_date",
        "owner",
    ],
    extra_detail_context=_obligation_context,
    title_plural="Reporting obligations",
)

reporting_records = Resource(
    model=ReportingRecord,
    url_prefix="reporting-records",
    form_class=forms.ReportingRecordEditForm,
    create_form_class=forms.ReportingRecordForm,
    filter_form_class=forms.ReportingRecordFilterForm,
    columns=[
        Column("Record", "summary", link=True),
        Column("Obligation", "obligation"),
        Column("Sent on", "sent_on"),
        Column("Evidence", "evidence"),
    ],
    queryset=selectors.reporting_records,
    filter_queryset=selectors.filter_reporting_records,
    create=services.reporting_record_create,
    update=services.reporting_record_update,
    delete=services.reporting_record_delete,
    instance_kwarg="reporting_record",
    detail_fields=["obligation", "sent_on", "summary", "evidence"],
    title_plural="Reporting records",
)

RESOURCES = [reporting_obligations, reporting_records]


class _SystemView(ActorRequiredMixin, View):
    """A page about one AI system of the actor's organization (another organization's: 404)."""

    def get_object(self, pk) -> AISystem:
        return get_scoped(AISystem, self.request.actor, pk, queryset=ai_systems(self.request.actor))


class TransparencyIndexView(ActorRequiredMixin, View):
    """Every AI system with its card, whether the trust page shows it, and the overdue reporting obligations."""

    def get(self, request):
        actor = request.actor
        systems = list(ai_systems(actor).select_related("publication"))
        rows = []
        for system in systems:
            publication = getattr(system, "publication", None)
            rows.append((system, publication))
        context = {
            "rows": rows,
            "overdue": list(selectors.overdue_obligations(actor)[:50]),
            "can_approve": actor.can(Permission.APPROVE),
            "trust_url": f"/trust/{actor.organization.slug}/",
            "any_published": any(p is not None and p.published for _, p in rows),
        }
        return render(request, "transparency/index.html", context)


class SystemCardView(_SystemView):
    """The card of one AI system, with its download buttons."""

    def get(self, request, pk):
        system = self.get_object(pk)
        context = {
            "system": system,
            "card": build_card(system),
            "formats": FORMATS,
            "can_export": request.actor.can(Permission.EXPORT),
            "can_change": request.actor.can(Permission.CHANGE),
            "can_approve": request.actor.can(Permission.APPROVE),
            "publication": selectors.publication_of(system),
        }
        return render(request, "transparency/card_page.html", context)


class CardDownloadView(_SystemView):
    """``?format=html|markdown|pdf``: the card as a file (the export right)."""

    def get(self, request, pk):
        system = self.get_object(pk)
        fmt = request.GET.get("format", "")
        if fmt not in FORMATS:
            return HttpResponseBadRequest(f"format: choose one of {', '.join(FORMATS)}.")
        exported = export_card(actor=request.actor, ai_system=system, fmt=fmt)
        response = HttpResponse(exported.content, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        return response


class CardSettingsView(_SystemView):
    """Limitations, foreseeable misuse and contact of one system's card (the change right)."""

    def _render(self, system, form, status=200):
        return render(
            request=self.request,
            template_name="transparency/card_settings.html",
            status=status,
            context={"system": system, "form": form},
        )

    def get(self, request, pk):
        system = self.get_object(pk)
        request.actor.require(Permission.CHANGE)
        current = CardSettings.objects.filter(ai_system=system).first()
        initial = forms.CardSettingsForm.initial_from(current) if current else {}
        return self._render(system, forms.CardSettingsForm(initial=initial, actor=request.actor))

    def post(self, request, pk):
        system = self.get_object(pk)
        request.actor.require(Permission.CHANGE)
        form = forms.CardSettingsForm(request.POST, actor=request.actor)
        if form.is_valid():
            try:
                services.card_settings_update(actor=request.actor, ai_system=system, **form.to_service())
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"Card settings of “{system}” saved.")
                return HttpResponseRedirect(reverse("system-card", args=[system.pk]))
        return self._render(system, form, status=422)


class PublicationView(_SystemView):
    """Whether the trust page shows one system, and which sections of its card (the approve right)."""

    def _render(self, system, form, status=200):
        context = {"system": system, "form": form, "trust_url": f"/trust/{system.organization.slug}/"}
        return render(self.request, "transparency/publication.html", context, status=status)

    def get(self, request, pk):
        system = self.get_object(pk)
        request.actor.require(Permission.APPROVE)
        current = selectors.publication_of(system)
        initial = {"published": current.published, "public_sections": current.public_sections} if current else {}
        return self._render(system, forms.PublicationForm(initial=initial))

    def post(self, request, pk):
        system = self.get_object(pk)
        request.actor.require(Permission.APPROVE)
        form = forms.PublicationForm(request.POST)
        if form.is_valid():
            try:
                saved = services.publication_update(
                    actor=request.actor,
                    ai_system=system,
                    published=form.cleaned_data["published"],
                    public_sections=list(form.cleaned_data["public_sections"]),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                shown = ", ".join(CardSection(s).label.lower() for s in saved.public_sections) or "name and date only"
                state = f"on the trust page ({shown})" if saved.published else "not on the trust page"
                messages.success(request, f"“{system}” is {state}.")
                return HttpResponseRedirect(reverse("transparency-index"))
        return self._render(system, form, status=422)
