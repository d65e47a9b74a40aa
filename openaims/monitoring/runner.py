"""Running a monitor: read its data source where it lives, measure one window, check thresholds, keep the run.

A run is evidence (an evidence item of kind ``record`` linked to the AI system and the monitor's controls);
each breached threshold raises an alert and opens (or adds to) a nonconformity; a run where every threshold
holds lets the audits app verify the open nonconformities of the monitor.
"""

from __future__ import annotations

import datetime as dt
import time
from contextlib import ExitStack
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from openaims.accounts.choices import Permission
from openaims.base.context import Actor, system_actor
from openaims.base.locks import lock_rows
from openaims.base.services import create_record, update_record
from openaims.metrics import MetricsError, Relation, drift, fairness
from openaims.metrics._frame import group_label
from openaims.monitoring.choices import (
    OPERATORS,
    SCHEDULE_INTERVALS,
    MonitorKind,
    RunStatus,
    Severity,
    Trigger,
    Window,
)
from openaims.monitoring.models import (
    BETWEEN_GROUP_METRICS,
    FAIRNESS_METRICS,
    OVERSIGHT_METRICS,
    Alert,
    DataSource,
    MetricRun,
    Monitor,
)
from openaims.monitoring.sources import OpenedSource, open_data_source

#: The constant group column of a performance monitor without protected attributes.
ALL_ROWS = "__all__"


def window_containing(window: str, at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The daily, weekly (Monday first) or monthly window, in UTC, that contains ``at``."""
    at = at.astimezone(dt.UTC) if at.tzinfo else at.replace(tzinfo=dt.UTC)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    if window == Window.DAILY:
        return day, day + dt.timedelta(days=1)
    if window == Window.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(weeks=1)
    start = day.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def last_complete_window(window: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The latest window that has ended by ``now``."""
    current_start, _ = window_containing(window, now)
    return window_containing(window, current_start - dt.timedelta(microseconds=1))


def _open_source(source: DataSource, stack: ExitStack) -> OpenedSource:
    """The data source as a relation of the engine that holds it, through the policy (closed with ``stack``)."""
    return open_data_source(source, stack)


def _between(
    opened: OpenedSource, source: DataSource, start: dt.datetime, end: dt.datetime, extra: str = ""
) -> Relation:
    """The rows of one window (by the timestamp column), as a subquery the engine computes."""
    relation = opened.relation
    dialect = relation.engine.dialect
    relation.require([source.timestamp_column], role="timestamp column")
    ts = dialect.ident(source.timestamp_column)

    def literal(moment: dt.datetime) -> str:
        return f"TIMESTAMP '{moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=' ')}'"

    sql = f"(SELECT *{extra} FROM {relation.sql} AS w WHERE {ts} >= {literal(start)} AND {ts} < {literal(end)})"
    label = f"{relation.label} [{start:%Y-%m-%d}, {end:%Y-%m-%d})"
    return Relation(relation.engine, sql, label)


def _classification(monitor: Monitor, opened: OpenedSource, start, end) -> tuple[int, dict, dict]:
    source = monitor.data_source
    groups = monitor.groups
    extra = ""
    if not groups:
        extra = f", 'all' AS {opened.relation.engine.dialect.ident(ALL_ROWS)}"
        groups = [ALL_ROWS]
    relation = _between(opened, source, start, end, extra)
    positive: Any = source.positive_label or None
    frame = fairness(
        source.y_true_column,
        source.y_pred_column or None,
        sensitive_features=groups,
        data=relation,
        score=source.score_column or None,
        threshold=source.threshold if source.threshold is not None else 0.5,
        positive=positive,
        min_group_size=monitor.min_group_size,
    )
    results = frame.to_dict()
    results["rows_excluded"] = frame.rows_excluded

    def counts(metrics) -> dict[str, int]:
        c = metrics.counts
        return {"tp": c.true_positives, "fp": c.false_positives, "fn": c.false_negatives, "tn": c.true_negatives}

    aggregates = {
        "sensitive_features": list(groups),
        "confusion_counts": {
            group_label(key, frame.sensitive_features): counts(metrics) for key, metrics in frame.by_group.items()
        },
        "rows_excluded": frame.rows_excluded,
    }
    return frame.rows, aggregates, results


def reference_window(monitor: Monitor, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The fixed reference window of a drift monitor, or the window before ``start``."""
    if monitor.reference_start and monitor.reference_end:
        return monitor.reference_start, monitor.reference_end
    return window_containing(monitor.window, start - dt.timedelta(microseconds=1))


def _drift(monitor: Monitor, opened: OpenedSource, start, end) -> tuple[int, dict, dict]:
    source = monitor.data_source
    if not source.feature_columns:
        raise MetricsError(f"the data source {source.name!r} names no feature columns to watch for drift")
    ref_start, ref_end = reference_window(monitor, start)
    current = _between(opened, source, start, end)
    reference = _between(opened, source, ref_start, ref_end)
    report = drift(reference, current, columns=list(source.feature_columns))
    results = report.to_dict()
    columns = results["columns"]
    rows = max((c["current_count"] + c["current_missing"] for c in columns.values()), default=0)
    aggregates = {
        "reference_window": [ref_start.isoformat(), ref_end.isoformat()],
        "counts": {
            name: {k: c[k] for k in ("reference_count", "current_count", "reference_missing", "current_missing")}
            for name, c in columns.items()
        },
    }
    return rows, aggregates, results


def _oversight(monitor: Monitor, start, end) -> tuple[int, dict, dict]:
    """Human oversight: the review queue's figures over the items submitted in the window (the reviews app).

    A subject group with fewer decided items than ``min_group_size`` is reported but not checked.
    """
    from openaims.oversight.reviews.selectors import oversight_metrics

    figures = oversight_metrics(monitor.ai_system, start, end)

    def shaped(values: dict, small: bool) -> dict:
        out = {name: values[name] for name in OVERSIGHT_METRICS}
        out["ci"] = {"override_rate": values["override_rate_ci"], "blind_agreement": values["blind_agreement_ci"]}
        out.update(items=values["items"], decided=values["decided"], small_group=small)
        return out

    overall = figures["overall"]
    results = {
        "overall": shaped(overall, False),
        "by_group": {
            name: shaped(values, values["decided"] < monitor.min_group_size)
            for name, values in figures["by_group"].items()
        },
        "by_reviewer": {name: shaped(values, False) for name, values in figures["by_reviewer"].items()},
    }
    aggregates = {name: overall[name] for name in ("items", "decided", "overrides", "queue_length", "overdue")}
    return overall["items"], aggregates, results


def evaluate(monitor: Monitor, results: dict) -> list[dict]:
    """Each threshold against the measured values: one check per group (or column) it applies to."""
    checks = []
    for threshold in monitor.thresholds or []:
        metric, operator, limit = threshold["metric"], threshold["operator"], threshold["value"]
        scope = threshold.get("group", "overall")
        candidates: list[tuple[str, Any, Any]]
        if monitor.kind == MonitorKind.DRIFT:
            candidates = [(column, values.get(metric), None) for column, values in results["columns"].items()]
        elif metric in BETWEEN_GROUP_METRICS:
            candidates = [("overall", results["differences"].get(metric), None)]
        elif scope == "overall":
            overall = results["overall"]
            candidates = [("overall", overall.get(metric), overall["ci"].get(metric))]
        else:
            candidates = [
                (group, values.get(metric), values["ci"].get(metric))
                for group, values in results["by_group"].items()
                if not values.get("small_group")
            ]
        for group, value, interval in candidates:
            checks.append(
                {
                    "metric": metric,
                    "operator": operator,
                    "threshold": limit,
                    "group": group,
                    "value": value,
                    "interval": interval,
                    "passed": None if value is None else bool(OPERATORS[operator](value, limit)),
                }
            )
    return checks


def _alert_message(monitor: Monitor, check: dict, start: dt.datetime) -> str:
    where = "" if check["group"] == "overall" else f" ({check['group']})"
    return (
        f"{monitor.name}: {check['metric']}{where} is {check['value']:.3f}, "
        f"breaking {check['operator']} {check['threshold']:g} in the window from {start:%Y-%m-%d}."
    )[:500]


def _record_evidence(actor: Actor, monitor: Monitor, run: MetricRun) -> None:
    from openaims.controls.services import soa_entry_link_evidence
    from openaims.evidence.choices import EvidenceKind
    from openaims.evidence.services import evidence_create

    verdict = "passed" if run.passed else "breached " + ", ".join(sorted({c["metric"] for c in run.failed_checks}))
    evidence = evidence_create(
        actor=actor,
        kind=EvidenceKind.RECORD,
        title=f"Metric run: {monitor.name}, {run.window_start:%Y-%m-%d} to {run.window_end:%Y-%m-%d}"[:200],
        description=f"{run.rows} rows on {run.engine}; thresholds {verdict}.",
        record_type="monitoring.metricrun",
        record_id=str(run.pk),
        ai_systems=[monitor.ai_system_id],
        collected_on=timezone.localdate(),
    )
    update_record(run, actor=actor, permission=Permission.CREATE, evidence=evidence)
    for entry in monitor.controls.all():
        soa_entry_link_evidence(actor=actor, soa_entry=entry, evidence=evidence)


def _close_the_loop(actor: Actor, run: MetricRun) -> None:
    """Open nonconformities for breaches, or let a passing run verify the open ones (the audits app)."""
    from openaims.audits.services import nonconformities_verify_by_run, nonconformity_open_for_breach

    if run.status == RunStatus.FAILED:
        breaches = [
            {
                "metric": c["metric"],
                "group": c["group"],
                "value": c["value"],
                "operator": c["operator"],
                "threshold": c["threshold"],
            }
            for c in run.failed_checks
        ]
        nonconformity_open_for_breach(actor=actor, metric_run=run, breaches=breaches)
    elif run.status == RunStatus.PASSED:
        nonconformities_verify_by_run(actor=actor, metric_run=run)


def run_monitor(
    *,
    actor: Actor,
    monitor: Monitor,
    now: dt.datetime | None = None,
    window_start: dt.datetime | None = None,
    trigger: str = Trigger.MANUAL,
) -> MetricRun:
    """Measure one window of ``monitor`` and keep the run, its evidence, alerts and nonconformities.

    The window is the one containing ``window_start`` when given, else the last complete window before
    ``now``. An engine or data problem does not raise: the run is kept with status ``error`` and its message
    (and changes no nonconformity). A window without rows is an error run too: it shows nothing.
    """
    actor.require(Permission.CREATE)
    if monitor.organization_id != actor.organization.pk:
        from openaims.base.errors import NotFound

        raise NotFound("No such monitor.")
    now = now or timezone.now()
    start, end = (
        window_containing(monitor.window, window_start) if window_start else last_complete_window(monitor.window, now)
    )
    started_at = timezone.now()
    clock = time.perf_counter()
    engine_name, rows, aggregates, results, error = "", 0, {}, {}, ""
    try:
        if monitor.kind == MonitorKind.OVERSIGHT:
            engine_name = "reviews"
            rows, aggregates, results = _oversight(monitor, start, end)
        else:
            with ExitStack() as stack:
                opened = _open_source(monitor.data_source, stack)
                engine_name = opened.engine_name
                measure = _drift if monitor.kind == MonitorKind.DRIFT else _classification
                rows, aggregates, results = measure(monitor, opened, start, end)
        if rows == 0:
            error = f"No rows in the window from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} (UTC)."
    except MetricsError as exc:
        error = str(exc)
    except OSError as exc:  # its message names server paths: say what failed, not where
        error = f"The data could not be read ({type(exc).__name__})."
    except ImportError as exc:
        error = f"The engine for this data source is not installed: {exc.name or 'a driver'}."
    checks = [] if error else evaluate(monitor, results)
    failed = [c for c in checks if c["passed"] is False]
    status = RunStatus.ERROR if error else (RunStatus.FAILED if failed else RunStatus.PASSED)
    with transaction.atomic():
        run = create_record(
            MetricRun,
            actor=actor,
            permission=Permission.CREATE,
            monitor=monitor,
            window_start=start,
            window_end=end,
            rows=rows,
            engine=engine_name or monitor.data_source.kind,
            duration_ms=int((time.perf_counter() - clock) * 1000),
            aggregates=aggregates,
            results=results,
            checks=checks,
            status=status,
            passed=status == RunStatus.PASSED,
            error=error[:5000],
            trigger=trigger,
            started_at=started_at,
            finished_at=timezone.now(),
        )
        if status != RunStatus.ERROR:
            _record_evidence(actor, monitor, run)
        for check in failed:
            create_record(
                Alert,
                actor=actor,
                permission=Permission.CREATE,
                monitor=monitor,
                run=run,
                metric=check["metric"],
                group=str(check["group"])[:300],
                value=check["value"],
                operator=check["operator"],
                threshold=check["threshold"],
                severity=Severity.CRITICAL if check["metric"] in FAIRNESS_METRICS else Severity.WARNING,
                message=_alert_message(monitor, check, start),
            )
        _close_the_loop(actor, run)
    return run


def next_run_after(monitor: Monitor, now: dt.datetime) -> dt.datetime | None:
    """The scheduled time after ``now``, keeping the monitor's rhythm (skipping missed slots)."""
    interval = SCHEDULE_INTERVALS.get(monitor.schedule)
    if interval is None:
        return None
    next_run = monitor.next_run_at or now
    while next_run <= now:
        next_run += interval
    return next_run


def due_monitors(now: dt.datetime | None = None):
    """Active, scheduled monitors whose next run time has come (every organization)."""
    now = now or timezone.now()
    return (
        Monitor.objects.filter(active=True, next_run_at__lte=now)
        .exclude(schedule="manual")
        .select_related("organization", "data_source", "ai_system")
        .order_by("next_run_at")
    )


def run_scheduled(monitor_id, *, now: dt.datetime | None = None) -> MetricRun | None:
    """Run one due monitor as the scheduler, and move its next run time on (None if it is no longer due)."""
    now = now or timezone.now()
    found = Monitor.objects.select_related("organization").filter(pk=monitor_id).first()
    if found is None:
        return None
    with transaction.atomic():
        monitor = (
            lock_rows(Monitor.objects, found.organization)
            .filter(pk=monitor_id, active=True, next_run_at__lte=now)
            .exclude(schedule="manual")
            .first()
        )
        if monitor is None:
            return None
        Monitor.objects.filter(pk=monitor.pk).update(next_run_at=next_run_after(monitor, now))
    actor = system_actor(monitor.organization, label="scheduler")
    try:
        return run_monitor(actor=actor, monitor=monitor, now=now, trigger=Trigger.SCHEDULE)
    except ValidationError:
        return None
