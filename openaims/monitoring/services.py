"""Every write of monitoring records. Keyword-only, one transaction each, trail recorded.

Metric runs are made by :func:`openaims.monitoring.runner.run_monitor` and never changed or deleted;
predictions are appended by :func:`openaims.monitoring.store.predictions_ingest`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.models import TrailAction
from openaims.base.services import create_record, delete_record, update_record
from openaims.monitoring.choices import SCHEDULE_INTERVALS, DataSourceKind, Schedule
from openaims.monitoring.models import Alert, DataSource, Monitor

_LIST_FIELDS = ("protected_attributes", "feature_columns", "thresholds", "objectives", "controls")


def _lists_not_null(fields: dict) -> dict:
    for name in _LIST_FIELDS:
        if name in fields and fields[name] is None:
            raise ValidationError({name: ["Must be a list (an empty list for none)."]})
    return fields


def _threshold_defaults(fields: dict) -> dict:
    """Thresholds get ``group: "overall"`` unless they say otherwise, so every stored threshold is complete."""
    if isinstance(fields.get("thresholds"), list):
        fields["thresholds"] = [
            {"group": "overall", **item} if isinstance(item, dict) else item for item in fields["thresholds"]
        ]
    return fields


def data_source_create(*, actor: Actor, **fields) -> DataSource:
    return create_record(DataSource, actor=actor, **_lists_not_null(fields))


def data_source_update(*, actor: Actor, data_source: DataSource, **fields) -> DataSource:
    if "kind" in fields and fields["kind"] != data_source.kind and data_source.kind == DataSourceKind.STORE:
        from openaims.monitoring.store import store_parts

        if store_parts(data_source):
            raise ValidationError({"kind": ["The store holds ingested predictions; it stays a store."]})
    return update_record(data_source, actor=actor, **_lists_not_null(fields))


def data_source_delete(*, actor: Actor, data_source: DataSource) -> None:
    """Delete a data source that no monitor uses (ingested predictions stay on disk, as evidence of what ran)."""
    delete_record(data_source, actor=actor)


def _first_run_at(schedule: str):
    interval = SCHEDULE_INTERVALS.get(schedule)
    return timezone.now() if interval is not None else None


def monitor_create(*, actor: Actor, **fields) -> Monitor:
    """Create a monitor; a scheduled one is due at once (its first run measures the last complete window)."""
    fields = _threshold_defaults(_lists_not_null(fields))
    if "next_run_at" not in fields or fields["next_run_at"] is None:
        fields["next_run_at"] = _first_run_at(fields.get("schedule", Schedule.DAILY))
    return create_record(Monitor, actor=actor, **fields)


def monitor_update(*, actor: Actor, monitor: Monitor, **fields) -> Monitor:
    fields = _threshold_defaults(_lists_not_null(fields))
    schedule = fields.get("schedule", monitor.schedule)
    if schedule == Schedule.MANUAL:
        fields["next_run_at"] = None
    elif "schedule" in fields and fields["schedule"] != monitor.schedule and fields.get("next_run_at") is None:
        fields["next_run_at"] = _first_run_at(schedule)
    return update_record(monitor, actor=actor, **fields)


def monitor_delete(*, actor: Actor, monitor: Monitor) -> None:
    """Delete a monitor that has never run (a monitor with runs keeps them: deactivate it instead)."""
    if monitor.runs.exists():
        raise ValidationError({"__all__": ["This monitor has metric runs, which are evidence: deactivate it instead."]})
    delete_record(monitor, actor=actor)


def monitor_schedule_next(*, monitor: Monitor, after=None) -> None:
    """Move a scheduled monitor's next run one interval past ``after`` (bookkeeping of the scheduler, no event)."""
    interval = SCHEDULE_INTERVALS.get(monitor.schedule)
    next_run = (after or timezone.now()) + interval if interval is not None else None
    Monitor.objects.filter(pk=monitor.pk).update(next_run_at=next_run)
    monitor.next_run_at = next_run


def alert_acknowledge(*, actor: Actor, alert: Alert) -> Alert:
    """Mark an alert as seen by the actor (the nonconformity it opened stays open until verified)."""
    actor.require(Permission.CHANGE)
    if alert.acknowledged_at is not None:
        raise ValidationError({"__all__": ["The alert is acknowledged already."]})
    with transaction.atomic():
        return update_record(
            alert,
            actor=actor,
            action=TrailAction.TRANSITION,
            acknowledged_by=actor.user,
            acknowledged_at=timezone.now(),
        )
