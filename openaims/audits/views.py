"""The nonconformity pages: the register and corrective actions (generic views), and closing a nonconformity."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.views import View

from openaims.accounts.choices import Permission
from openaims.audits import forms, selectors, services
from openaims.audits.models import CorrectiveAction, Nonconformity
from openaims.base.views import ActorRequiredMixin, Column, DetailView, Resource

#: URL names of the monitoring pages a nonconformity links to (when monitoring defines them).
MONITOR_URL = "monitors-detail"
RUN_URL = "metric-runs-detail"


def _url_or_none(name: str, pk) -> str | None:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


def _run_row(label: str, run) -> tuple | None:
    if run is None:
        return None
    return (label, run, _url_or_none(RUN_URL, run.pk))


def _nonconformity_context(nc: Nonconformity) -> dict:
    runs = [
        _run_row("Raised by run", nc.raised_by_run),
        _run_row("Latest failing run", nc.last_failing_run if nc.last_failing_run_id != nc.raised_by_run_id else None),
        _run_row("Verified by run", nc.verified_by_run),
    ]
    return {
        "actions": nc.actions.select_related("owner").order_by("due_date", "created_at"),
        "runs": [row for row in runs if row],
        "monitor_url": _url_or_none(MONITOR_URL, nc.monitor_id) if nc.monitor_id else None,
        "follow_ups": nc.follow_ups.order_by("number"),
        "close_form": forms.NonconformityCloseForm(organization=nc.organization),
    }


nonconformities = Resource(
    model=Nonconformity,
    url_prefix="nonconformities",
    form_class=forms.NonconformityForm,
    filter_form_class=forms.NonconformityFilterForm,
    columns=[
        Column("Reference", "reference", link=True),
        Column("Title", "title"),
        Column("Source", "source"),
        Column("Severity", "severity_badge"),
        Column("AI system", "ai_system"),
        Column("Owner", "owner"),
        Column("Due date", "due_label"),
        Column("Status", "status_badge"),
    ],
    queryset=selectors.nonconformities,
    filter_queryset=selectors.filter_nonconformities,
    create=services.nonconformity_create,
    update=services.nonconformity_update,
    delete=services.nonconformity_delete,
    instance_kwarg="nonconformity",
    detail_template="audits/nonconformity_detail.html",
    detail_fields=["description", "source", "severity", "ai_system", "owner", "detected_on", "due_date", "status"],
    extra_detail_context=_nonconformity_context,
    title_plural="Nonconformities",
)

corrective_actions = Resource(
    model=CorrectiveAction,
    url_prefix="corrective-actions",
    form_class=forms.CorrectiveActionEditForm,
    create_form_class=forms.CorrectiveActionForm,
    filter_form_class=forms.CorrectiveActionFilterForm,
    columns=[
        Column("Action", "description", link=True),
        Column("Nonconformity", "nonconformity"),
        Column("Owner", "owner"),
        Column("Due date", "due_date"),
        Column("Overdue", "overdue"),
        Column("Status", "status_badge"),
    ],
    queryset=selectors.corrective_actions,
    filter_queryset=selectors.filter_corrective_actions,
    create=services.corrective_action_create,
    update=services.corrective_action_update,
    delete=services.corrective_action_delete,
    instance_kwarg="corrective_action",
    detail_fields=["nonconformity", "root_cause", "description", "owner", "due_date", "status", "completed_on"],
    title_plural="Corrective actions",
)

RESOURCES = [nonconformities, corrective_actions]


class NonconformityDetailView(DetailView):
    """The generic detail page, plus whether the member may close (the approve right)."""

    def base_context(self, **extra):
        return super().base_context(can_approve=self.request.actor.can(Permission.APPROVE), **extra)


def urls() -> list:
    """The generic pages of both resources, the nonconformity's detail page being :class:`NonconformityDetailView`."""
    from django.urls import path

    patterns = [u for resource in RESOURCES for u in resource.urls() if u.name != "nonconformities-detail"]
    detail = NonconformityDetailView.as_view(resource=nonconformities)
    return [path("nonconformities/<uuid:pk>/", detail, name="nonconformities-detail"), *patterns]


class NonconformityCloseView(ActorRequiredMixin, View):
    """POST: close a nonconformity as effective or not effective (approve right)."""

    resource = nonconformities

    def post(self, request, pk):
        nc = self.get_object(pk)
        request.actor.require(Permission.APPROVE)
        form = forms.NonconformityCloseForm(request.POST, organization=request.actor.organization)
        if not form.is_valid():
            problems = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())
            messages.error(request, f"Not closed: {problems}")
            return HttpResponseRedirect(self.resource.url("detail", pk))
        data = form.cleaned_data
        try:
            services.nonconformity_close(
                actor=request.actor,
                nonconformity=nc,
                effective=data["effective"],
                note=data.get("note", ""),
                evidence=list(data.get("evidence") or ()),
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{name}: {' '.join(errs)}" if name != "__all__" else " ".join(errs)
                for name, errs in exc.message_dict.items()
            )
            messages.error(request, f"Not closed: {problems}")
        else:
            nc.refresh_from_db()
            messages.success(request, f"{nc.reference} closed: {nc.get_status_display().lower()}.")
        return HttpResponseRedirect(self.resource.url("detail", pk))
