"""The monitoring pages: overview, each AI system's monitoring page (charts, groups, alerts, nonconformities),
data sources and monitors (generic views), metric runs, running a monitor and acknowledging an alert."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.views import View

from openaims.accounts.choices import Permission
from openaims.base.selectors import get_scoped, scoped
from openaims.base.views import ActorRequiredMixin, Column, Resource
from openaims.inventory.models import AISystem
from openaims.monitoring import forms, selectors, services
from openaims.monitoring.charts import monitor_charts
from openaims.monitoring.models import RATE_METRICS, Alert, DataSource, MetricRun, Monitor
from openaims.monitoring.report import CHART_RUNS, export_monitoring_report, group_rows, system_sections
from openaims.monitoring.runner import run_monitor
from openaims.monitoring.store import store_parts


def _data_source_context(source: DataSource) -> dict:
    parts = store_parts(source) if source.kind == "store" else []
    return {
        "store_parts": len(parts),
        "monitors": source.monitors.all(),
        "ingest_url": f"/api/v1/systems/{source.ai_system_id}/predictions",
    }


def _monitor_context(monitor: Monitor) -> dict:
    runs = list(monitor.runs.order_by("-window_start", "-started_at")[:CHART_RUNS])
    return {
        "runs": runs[:20],
        "charts": [{**c, "svg": mark_safe(c["svg"])} for c in monitor_charts(monitor, runs)],  # noqa: S308 - escaped
        "run_form": forms.RunMonitorForm(),
        "system_url": reverse("systems-monitoring", args=[monitor.ai_system_id]),
    }


data_sources = Resource(
    model=DataSource,
    url_prefix="data-sources",
    form_class=forms.DataSourceEditForm,
    create_form_class=forms.DataSourceForm,
    filter_form_class=forms.DataSourceFilterForm,
    columns=[
        Column("Data source", "name", link=True),
        Column("AI system", "ai_system"),
        Column("Kind", "get_kind_display"),
        Column("Location", "location"),
    ],
    queryset=selectors.data_sources,
    filter_queryset=selectors.filter_data_sources,
    create=services.data_source_create,
    update=services.data_source_update,
    delete=services.data_source_delete,
    instance_kwarg="data_source",
    detail_template="monitoring/data_source_detail.html",
    detail_fields=[
        "ai_system",
        "kind",
        "location",
        "query",
        "connection",
        "timestamp_column",
        "y_true_column",
        "y_pred_column",
        "score_column",
        "threshold",
        "positive_label",
        "protected_attributes",
        "feature_columns",
        "description",
    ],
    extra_detail_context=_data_source_context,
)

monitors = Resource(
    model=Monitor,
    url_prefix="monitors",
    form_class=forms.MonitorEditForm,
    create_form_class=forms.MonitorForm,
    filter_form_class=forms.MonitorFilterForm,
    columns=[
        Column("Monitor", "name", link=True),
        Column("AI system", "ai_system"),
        Column("Kind", "get_kind_display"),
        Column("Window", "get_window_display"),
        Column("Schedule", "get_schedule_display"),
        Column("Next run", "next_run_at"),
        Column("Active", "active"),
    ],
    queryset=selectors.monitors,
    filter_queryset=selectors.filter_monitors,
    create=services.monitor_create,
    update=services.monitor_update,
    delete=services.monitor_delete,
    instance_kwarg="monitor",
    detail_template="monitoring/monitor_detail.html",
    detail_fields=[
        "ai_system",
        "data_source",
        "kind",
        "thresholds",
        "protected_attributes",
        "window",
        "reference_start",
        "reference_end",
        "min_group_size",
        "schedule",
        "next_run_at",
        "active",
        "objectives",
        "controls",
        "description",
    ],
    extra_detail_context=_monitor_context,
)

RESOURCES = [data_sources, monitors]


def _nonconformity_url(nc) -> str:
    try:
        return reverse("nonconformities-detail", args=[nc.pk])
    except NoReverseMatch:
        return ""


class MonitoringIndexView(ActorRequiredMixin, View):
    """Every AI system with monitors: its latest verdicts and unacknowledged alerts."""

    def get(self, request):
        actor = request.actor
        monitors_ = list(selectors.monitors(actor).order_by("ai_system__name", "name"))
        latest = {}
        for run in selectors.metric_runs(actor).filter(monitor__in=monitors_).order_by("monitor", "-window_start"):
            latest.setdefault(run.monitor_id, run)
        systems: dict = {}
        for monitor in monitors_:
            systems.setdefault(monitor.ai_system, []).append((monitor, latest.get(monitor.pk)))
        open_alerts = selectors.alerts(actor).filter(acknowledged_at__isnull=True)
        context = {
            "systems": list(systems.items()),
            "open_alerts": open_alerts[:50],
            "open_alert_count": open_alerts.count(),
            "can_create": actor.can(Permission.CREATE),
            "can_change": actor.can(Permission.CHANGE),
        }
        return render(request, "monitoring/index.html", context)


class SystemMonitoringView(ActorRequiredMixin, View):
    """One AI system: each metric over time, the per-group breakdown of the latest run, alerts, nonconformities."""

    def get(self, request, pk):
        actor = request.actor
        system = get_scoped(AISystem, actor, pk)
        ncs = selectors.open_nonconformities(actor, system)
        context = {
            "system": system,
            "sections": system_sections(actor, system),
            "alerts": selectors.alerts(actor).filter(monitor__ai_system=system)[:50],
            "nonconformities": [(nc, _nonconformity_url(nc)) for nc in ncs],
            "data_sources": selectors.data_sources(actor).filter(ai_system=system),
            "can_create": actor.can(Permission.CREATE),
            "can_change": actor.can(Permission.CHANGE),
            "can_export": actor.can(Permission.EXPORT),
        }
        return render(request, "monitoring/system.html", context)


class SystemMonitoringReportView(ActorRequiredMixin, View):
    """Download the system's monitoring report (PDF: the page's charts, thresholds, groups, nonconformities)."""

    def get(self, request, pk):
        system = get_scoped(AISystem, request.actor, pk)
        exported = export_monitoring_report(actor=request.actor, ai_system=system)
        response = HttpResponse(exported.content, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        return response


class MetricRunDetailView(ActorRequiredMixin, View):
    def get(self, request, pk):
        run = get_scoped(MetricRun, request.actor, pk, queryset=selectors.metric_runs(request.actor))
        return render(
            request,
            "monitoring/run_detail.html",
            {
                "run": run,
                "alerts": run.alerts.all(),
                "groups": group_rows(run),
                "group_metrics": RATE_METRICS,
                "can_change": request.actor.can(Permission.CHANGE),
            },
        )


class RunMonitorView(ActorRequiredMixin, View):
    """POST: run a monitor now."""

    def post(self, request, pk):
        monitor = get_scoped(Monitor, request.actor, pk, queryset=selectors.monitors(request.actor))
        form = forms.RunMonitorForm(request.POST)
        window_start = form.cleaned_data.get("window_start") if form.is_valid() else None
        try:
            run = run_monitor(actor=request.actor, monitor=monitor, window_start=window_start)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(reverse("monitors-detail", args=[pk]))
        if run.status == "error":
            messages.error(request, f"The run could not measure: {run.error}")
        else:
            messages.success(request, f"Run of “{monitor}”: {run.get_status_display().lower()}.")
        return HttpResponseRedirect(reverse("metric-runs-detail", args=[run.pk]))


class AcknowledgeAlertView(ActorRequiredMixin, View):
    def post(self, request, pk):
        alert = get_scoped(Alert, request.actor, pk, queryset=scoped(Alert, request.actor))
        try:
            services.alert_acknowledge(actor=request.actor, alert=alert)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Alert acknowledged.")
        return HttpResponseRedirect(request.POST.get("next") or reverse("monitoring-index"))
