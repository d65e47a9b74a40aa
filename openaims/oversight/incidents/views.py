"""Incident, notification duty and concern pages (generic views), their actions, and the public concern form."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.crypto import salted_hmac
from django.views import View

from openaims.accounts.choices import Permission
from openaims.accounts.models import Organization
from openaims.accounts.network import client_address
from openaims.base.views import ActorRequiredMixin, Column, DetailView, ListView, Resource, apply_service_errors
from openaims.inventory.selectors import current_classification
from openaims.oversight.incidents import forms, selectors, services
from openaims.oversight.incidents.models import Concern, Incident, NotificationDuty

#: A permission no role has: concerns are never created in the app (only through the public form) nor deleted.
NOBODY = "nobody"
#: Public form limits per address and organization per hour. Kept only in the cache, under a keyed hash.
REPORTS_PER_HOUR = 10
FOLLOW_UPS_PER_HOUR = 30


def _errors_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(errs)}" if name != "__all__" else " ".join(errs)
            for name, errs in error.message_dict.items()
        )
    return " ".join(error.messages)


def _incident_context(incident: Incident) -> dict:
    classification = current_classification(incident.ai_system) if incident.ai_system_id else None
    return {
        "timeline": incident.timeline.order_by("at", "created_at"),
        "duties": incident.duties.prefetch_related("evidence").order_by("deadline"),
        "linked_nonconformities": incident.nonconformities.order_by("-number"),
        "linked_concerns": incident.concerns.order_by("-number"),
        "classification": classification,
        "timeline_form": forms.TimelineEntryForm(),
        "sent_form": forms.MarkSentForm(organization=incident.organization),
    }


def _duty_context(duty: NotificationDuty) -> dict:
    return {"sent_form": forms.MarkSentForm(organization=duty.organization)}


incidents = Resource(
    model=Incident,
    url_prefix="incidents",
    form_class=forms.IncidentForm,
    filter_form_class=forms.IncidentFilterForm,
    columns=[
        Column("Reference", "reference", link=True),
        Column("Title", "title"),
        Column("AI system", "ai_system"),
        Column("Severity", "severity_badge"),
        Column("Became aware", "detected_at"),
        Column("Notifications", "notification_badge"),
        Column("Status", "status_badge"),
    ],
    queryset=selectors.incidents,
    filter_queryset=selectors.filter_incidents,
    create=services.incident_create,
    update=services.incident_update,
    delete=services.incident_delete,
    instance_kwarg="incident",
    detail_template="incidents/incident_detail.html",
    detail_fields=[
        "description",
        "ai_system",
        "severity",
        "affected_count",
        "affected_description",
        "occurred_at",
        "detected_at",
        "status",
        "containment",
    ],
    extra_detail_context=_incident_context,
    title_plural="Incidents",
)

notification_duties = Resource(
    model=NotificationDuty,
    url_prefix="notification-duties",
    form_class=forms.NotificationDutyEditForm,
    create_form_class=forms.NotificationDutyForm,
    filter_form_class=forms.NotificationDutyFilterForm,
    columns=[
        Column("Recipient", "recipient", link=True),
        Column("Incident", "incident"),
        Column("Legal basis", "legal_basis"),
        Column("Deadline", "deadline"),
        Column("State", "state_badge"),
        Column("Sent at", "sent_at"),
    ],
    queryset=selectors.notification_duties,
    filter_queryset=selectors.filter_notification_duties,
    create=services.notification_duty_create,
    update=services.notification_duty_update,
    delete=services.notification_duty_delete,
    instance_kwarg="notification_duty",
    detail_template="incidents/duty_detail.html",
    detail_fields=["incident", "rule", "recipient", "legal_basis", "deadline", "sent_at", "reference", "notes"],
    extra_detail_context=_duty_context,
    title_plural="Notification duties",
)

concerns = Resource(
    model=Concern,
    url_prefix="concerns",
    form_class=forms.ConcernTriageForm,
    filter_form_class=forms.ConcernFilterForm,
    columns=[
        Column("Reference", "reference", link=True),
        Column("Concern", "short_description"),
        Column("AI system", "ai_system"),
        Column("Received", "created_at"),
        Column("Status", "status_badge"),
    ],
    queryset=selectors.concerns,  # refuses members outside the triage role
    filter_queryset=selectors.filter_concerns,
    create=services.concern_triage,  # never used: nobody creates a concern in the app
    update=services.concern_triage,
    delete=services.concern_triage,  # never used: concerns are kept
    instance_kwarg="concern",
    detail_template="incidents/concern_detail.html",
    detail_fields=["ai_system", "description", "contact", "status", "triage_note", "incident", "nonconformity"],
    extra_detail_context=lambda concern: {
        "replies": concern.replies.order_by("created_at"),
        "reply_form": forms.ConcernReplyForm(),
    },
    title_plural="Concerns",
    create_permission=NOBODY,
    # The triage role may otherwise be read-only (a reviewer): the queryset already refused everyone else.
    change_permission=Permission.VIEW,
    delete_permission=NOBODY,
)

RESOURCES = [incidents, notification_duties]


class IncidentDetailView(DetailView):
    def base_context(self, **extra):
        return super().base_context(can_triage=services.can_triage(self.request.actor), **extra)


class _ActionView(ActorRequiredMixin, View):
    """A POST on a record's page that calls one service and goes back to the page with a message."""

    def done(self, pk):
        return HttpResponseRedirect(self.resource.url("detail", pk))


class TimelineAddView(_ActionView):
    resource = incidents

    def post(self, request, pk):
        incident = self.get_object(pk)
        form = forms.TimelineEntryForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Not added: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
            return self.done(pk)
        try:
            services.incident_timeline_entry_create(actor=request.actor, incident=incident, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, f"Not added: {_errors_text(exc)}")
        else:
            messages.success(request, "Timeline entry added.")
        return self.done(pk)


class OpenNonconformityView(_ActionView):
    resource = incidents

    def post(self, request, pk):
        incident = self.get_object(pk)
        try:
            nc = services.incident_open_nonconformity(actor=request.actor, incident=incident)
        except ValidationError as exc:
            messages.error(request, f"Not opened: {_errors_text(exc)}")
            return self.done(pk)
        messages.success(request, f"{nc.reference} opened: plan its corrective actions there.")
        return HttpResponseRedirect(reverse("nonconformities-detail", args=[nc.pk]))


class RecomputeDutiesView(_ActionView):
    resource = incidents

    def post(self, request, pk):
        incident = self.get_object(pk)
        services.incident_sync_duties(actor=request.actor, incident=incident)
        messages.success(request, "Notification duties recomputed from the latest classification.")
        return self.done(pk)


class MarkSentView(_ActionView):
    resource = notification_duties

    def post(self, request, pk):
        duty = self.get_object(pk)
        back = request.POST.get("back") == "incident"
        form = forms.MarkSentForm(request.POST, organization=request.actor.organization)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.notification_duty_mark_sent(
                    actor=request.actor,
                    notification_duty=duty,
                    sent_at=data.get("sent_at"),
                    reference=data.get("reference", ""),
                    evidence=list(data.get("evidence") or ()),
                )
            except ValidationError as exc:
                messages.error(request, f"Not recorded: {_errors_text(exc)}")
            else:
                messages.success(request, f"Recorded as sent: {duty.recipient}.")
        else:
            messages.error(request, "Not recorded: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        if back:
            return HttpResponseRedirect(incidents.url("detail", duty.incident_id))
        return self.done(pk)


class ConcernReplyView(_ActionView):
    resource = concerns

    def post(self, request, pk):
        concern = self.get_object(pk)
        form = forms.ConcernReplyForm(request.POST)
        if form.is_valid():
            try:
                services.concern_reply_create(actor=request.actor, concern=concern, text=form.cleaned_data["text"])
            except ValidationError as exc:
                messages.error(request, f"Not sent: {_errors_text(exc)}")
            else:
                messages.success(request, "Reply saved: the reporter sees it with their follow-up code.")
        else:
            messages.error(request, "Not sent: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        return self.done(pk)


class ConcernSettingsView(ActorRequiredMixin, View):
    """Which role triages concerns; the public form's address to publish."""

    resource = concerns

    def _render(self, request, form, status=200):
        slug = request.actor.organization.slug
        return render(
            request,
            "incidents/concern_settings.html",
            {
                "form": form,
                "can_manage": request.actor.can(Permission.MANAGE_MEMBERS),
                "public_url": request.build_absolute_uri(reverse("concern-report", args=[slug])),
            },
            status=status,
        )

    def get(self, request):
        initial = {"triage_role": services.triage_role_of(request.actor.organization)}
        return self._render(request, forms.ConcernSettingsForm(initial=initial))

    def post(self, request):
        form = forms.ConcernSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.concern_settings_update(actor=request.actor, triage_role=form.cleaned_data["triage_role"])
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "Saved.")
                return HttpResponseRedirect(reverse("concern-settings"))
        return self._render(request, form, status=422)


# --- The public form ----------------------------------------------------------------------------------------------


def _over_limit(request, organization: Organization, what: str, limit: int) -> bool:
    """Count a request of ``what`` from this address; True past ``limit`` an hour. The address itself is never
    stored: the cache key is a keyed hash of it, and it expires within the hour."""
    address = client_address(request)  # behind a trusted proxy: the person's address, not the proxy's
    key = "concern-limit:" + salted_hmac("concern-rate-limit", f"{what}|{organization.pk}|{address}").hexdigest()
    if cache.add(key, 1, timeout=3600):
        return False
    try:
        count = cache.incr(key)
    except ValueError:
        return False
    return count > limit


def _public(request, template: str, context: dict, status: int = 200):
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


class ConcernReportView(View):
    """``/trust/<slug>/concerns/new/``: anyone, signed in or not, reports a concern. Nothing identifies them."""

    def _organization(self, slug: str) -> Organization:
        return get_object_or_404(Organization, slug=slug)

    def _form(self, organization, data=None):
        return forms.ConcernReportForm(data, systems=selectors.reportable_systems(organization))

    def get(self, request, organization_slug):
        organization = self._organization(organization_slug)
        return _public(
            request, "incidents/public_report.html", {"organization": organization, "form": self._form(organization)}
        )

    def post(self, request, organization_slug):
        organization = self._organization(organization_slug)
        form = self._form(organization, request.POST)
        context = {"organization": organization, "form": form}
        if _over_limit(request, organization, "report", REPORTS_PER_HOUR):
            form.is_valid()
            form.add_error(None, "Too many concerns sent from here in the last hour. Please try again later.")
            return _public(request, "incidents/public_report.html", context, status=429)
        if form.is_valid():
            try:
                concern, code = services.concern_report(organization=organization, **form.to_service())
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return _public(
                    request,
                    "incidents/public_reported.html",
                    {"organization": organization, "concern": concern, "code": code},
                )
        return _public(request, "incidents/public_report.html", context, status=422)


class ConcernFollowUpView(View):
    """``/trust/<slug>/concerns/follow-up/``: the reporter's code shows the status and the organization's replies.

    The code travels in a POST body (never in the address, so it stays out of logs and history); a wrong code
    gets the same neutral answer whether or not anything exists."""

    def get(self, request, organization_slug):
        organization = get_object_or_404(Organization, slug=organization_slug)
        return _public(
            request, "incidents/public_follow_up.html", {"organization": organization, "form": forms.FollowUpForm()}
        )

    def post(self, request, organization_slug):
        organization = get_object_or_404(Organization, slug=organization_slug)
        form = forms.FollowUpForm(request.POST)
        context = {"organization": organization, "form": forms.FollowUpForm()}
        if _over_limit(request, organization, "follow-up", FOLLOW_UPS_PER_HOUR):
            context["message"] = "Too many attempts from here in the last hour. Please try again later."
            return _public(request, "incidents/public_follow_up.html", context, status=429)
        concern = selectors.concern_by_code(organization, form.data.get("code", "")) if form.is_valid() else None
        if concern is None:
            context["message"] = "No concern matches this code. Check it and try again."
            return _public(request, "incidents/public_follow_up.html", context, status=404)
        context.update(concern=concern, replies=concern.replies.order_by("created_at"))
        return _public(request, "incidents/public_follow_up.html", context)


def urls() -> list:
    generic = [u for resource in RESOURCES for u in resource.urls() if u.name != "incidents-detail"]
    concern_pages = [u for u in concerns.urls() if u.name in ("concerns-detail", "concerns-edit", "concerns-history")]
    return [
        path("incidents/<uuid:pk>/", IncidentDetailView.as_view(resource=incidents), name="incidents-detail"),
        path("concerns/", ListView.as_view(resource=concerns), name="concerns-list"),
        path("concerns/settings/", ConcernSettingsView.as_view(), name="concern-settings"),
        *generic,
        *concern_pages,
    ]
