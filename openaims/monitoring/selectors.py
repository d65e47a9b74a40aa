"""Reads shared by UI, API and CLI: always scoped to the actor's organization."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from openaims.base.context import Actor
from openaims.base.selectors import scoped
from openaims.monitoring.models import Alert, DataSource, MetricRun, Monitor


def _get(filters, name):
    return filters.get(name) if isinstance(filters, dict) else getattr(filters, name, None)


def data_sources(actor: Actor) -> QuerySet[DataSource]:
    return scoped(DataSource, actor).select_related("ai_system")


def filter_data_sources(qs: QuerySet[DataSource], filters) -> QuerySet[DataSource]:
    if q := _get(filters, "q"):
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q) | Q(location__icontains=q))
    if kind := _get(filters, "kind"):
        qs = qs.filter(kind=kind)
    if system := _get(filters, "ai_system_id") or _get(filters, "ai_system"):
        qs = qs.filter(ai_system=system)
    return qs


def monitors(actor: Actor) -> QuerySet[Monitor]:
    return scoped(Monitor, actor).select_related("ai_system", "data_source").prefetch_related("objectives", "controls")


def filter_monitors(qs: QuerySet[Monitor], filters) -> QuerySet[Monitor]:
    if q := _get(filters, "q"):
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if kind := _get(filters, "kind"):
        qs = qs.filter(kind=kind)
    if system := _get(filters, "ai_system_id") or _get(filters, "ai_system"):
        qs = qs.filter(ai_system=system)
    active = _get(filters, "active")
    if active is not None and active != "":
        qs = qs.filter(active=active in (True, "true", "1", "yes"))
    return qs


def metric_runs(actor: Actor) -> QuerySet[MetricRun]:
    return scoped(MetricRun, actor).select_related("monitor", "monitor__ai_system")


def filter_metric_runs(qs: QuerySet[MetricRun], filters) -> QuerySet[MetricRun]:
    if monitor := _get(filters, "monitor_id"):
        qs = qs.filter(monitor=monitor)
    if system := _get(filters, "ai_system_id"):
        qs = qs.filter(monitor__ai_system=system)
    if status := _get(filters, "status"):
        qs = qs.filter(status=status)
    return qs


def alerts(actor: Actor) -> QuerySet[Alert]:
    return scoped(Alert, actor).select_related("monitor", "run", "acknowledged_by")


def filter_alerts(qs: QuerySet[Alert], filters) -> QuerySet[Alert]:
    if monitor := _get(filters, "monitor_id"):
        qs = qs.filter(monitor=monitor)
    if system := _get(filters, "ai_system_id"):
        qs = qs.filter(monitor__ai_system=system)
    acknowledged = _get(filters, "acknowledged")
    if acknowledged is not None:
        qs = qs.filter(acknowledged_at__isnull=not acknowledged)
    return qs


def store_source_for(actor: Actor, ai_system) -> DataSource | None:
    """The AI system's store data source (at most one), which ingest appends to."""
    return data_sources(actor).filter(ai_system=ai_system, kind="store").first()


def open_nonconformities(actor: Actor, ai_system) -> list:
    """Open nonconformities raised by the system's monitors (empty while the audits app has none)."""
    try:
        from openaims.audits.choices import CLOSED_STATUSES
        from openaims.audits.models import Nonconformity
    except ImportError:
        return []
    return list(
        scoped(Nonconformity, actor)
        .filter(monitor__ai_system=ai_system)
        .exclude(status__in=CLOSED_STATUSES)
        .select_related("monitor")
        .order_by("-created_at")
    )
