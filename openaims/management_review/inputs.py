"""What a management review considers (9.3.2), compiled read-only from the other apps' records.

:func:`compile_inputs` answers one plain JSON-able section per input, with counts and short lists (bounded, so a
snapshot stays small whatever the organization's size). Holding a review freezes the answer on the review; a
planned review shows it live. The period runs from the day the previous review was held to the day of this one,
both included (the first review: everything up to its day).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count, Q
from django.utils import timezone

from openaims.management_review.choices import ReviewActionStatus
from openaims.management_review.models import add_months

#: The sections of a snapshot, in the order the review page and the minutes show them, with their titles.
INPUT_SECTIONS: dict[str, str] = {
    "previous_actions": "Status of actions from previous management reviews",
    "context_changes": "Changes in external and internal issues and in interested parties",
    "nonconformities": "Nonconformities and corrective actions",
    "monitoring": "Monitoring and measurement results",
    "oversight": "Human oversight of AI decisions",
    "audits": "Internal audit results",
    "objectives": "Fulfilment of AI objectives",
    "risks": "Risks and opportunities",
    "improvements": "Opportunities for continual improvement",
}
#: Items a list of a section holds, at most (the counts cover everything).
LIST_LIMIT = 20
#: Months the trends show, at most.
TREND_MONTHS = 12
#: The version of the snapshot's layout, kept in it so that later readers know what they read.
SNAPSHOT_VERSION = 1


def _start(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _end(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _in_period(field: str, since: dt.date | None, until: dt.date, *, dates: bool = False) -> Q:
    """``field`` within [since, until] (whole days); a date field or a date-time field."""
    if dates:
        condition = Q(**{f"{field}__lte": until})
        return condition & Q(**{f"{field}__gte": since}) if since else condition
    condition = Q(**{f"{field}__lt": _end(until)})
    return condition & Q(**{f"{field}__gte": _start(since)}) if since else condition


def months(since: dt.date | None, until: dt.date) -> list[str]:
    """``YYYY-MM`` of each month of the period, the last :data:`TREND_MONTHS` at most."""
    first = add_months(until.replace(day=1), -(TREND_MONTHS - 1))
    if since is not None and since.replace(day=1) > first:
        first = since.replace(day=1)
    out = []
    day = first
    while day <= until:
        out.append(f"{day:%Y-%m}")
        day = add_months(day, 1)
    return out


def _month_of(value) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value:%Y-%m}"


def _by_month(values, labels: list[str]) -> list[int]:
    counted = Counter(_month_of(v) for v in values if v is not None)
    return [counted.get(label, 0) for label in labels]


def _user(user) -> str:
    return str(user) if user is not None else ""


def _date(value) -> str | None:
    return value.isoformat() if value else None


# --- Sections -------------------------------------------------------------------------------------------------


def previous_actions(organization, *, exclude_review=None) -> dict:
    """Actions of the reviews held before: open, done, cancelled and overdue, with the open ones listed first."""
    from openaims.management_review.models import ReviewAction

    today = timezone.localdate()
    qs = ReviewAction.objects.filter(organization=organization).select_related("review", "owner")
    if exclude_review is not None:
        qs = qs.exclude(review=exclude_review)
    counts = {status: qs.filter(status=status).count() for status in ReviewActionStatus.values}
    overdue = qs.filter(status=ReviewActionStatus.OPEN, due_date__lt=today).count()
    ordered = list(qs.filter(status=ReviewActionStatus.OPEN).order_by("due_date", "title")[:LIST_LIMIT])
    ordered += list(
        qs.exclude(status=ReviewActionStatus.OPEN).order_by("-closed_on", "title")[: LIST_LIMIT - len(ordered)]
    )
    items = [
        {
            "review": a.review.reference,
            "title": a.title,
            "owner": _user(a.owner),
            "due_date": _date(a.due_date),
            "status": a.status,
            "overdue": a.status == ReviewActionStatus.OPEN and a.due_date < today,
            "closed_on": _date(a.closed_on),
            "closing_note": a.closing_note[:300],
        }
        for a in ordered[:LIST_LIMIT]
    ]
    return {"total": qs.count(), **counts, "overdue": overdue, "items": items}


def context_changes(organization, since, until) -> dict:
    """Context issues and interested parties added, changed or removed in the period (timestamps and the trail)."""
    from openaims.base.models import TrailAction, TrailEvent
    from openaims.governance.models import ContextIssue, InterestedParty

    out: dict = {}
    for key, model, label in (
        ("issues", ContextIssue, lambda o: f"{o.title} ({o.get_origin_display().lower()})"),
        ("interested_parties", InterestedParty, lambda o: f"{o.name} ({o.get_kind_display().lower()})"),
    ):
        records = model.objects.filter(organization=organization)
        added = records.filter(_in_period("created_at", since, until))
        changed = records.filter(_in_period("updated_at", since, until)).exclude(pk__in=added.values("pk"))
        removed = TrailEvent.objects.filter(
            organization=organization,
            object_type=model._meta.label_lower,
            action=TrailAction.DELETE,
        ).filter(_in_period("timestamp", since, until))
        out[key] = {
            "total": records.filter(created_at__lt=_end(until)).count(),
            "added": added.count(),
            "changed": changed.count(),
            "removed": removed.count(),
            "items": [{"name": label(o), "change": "added"} for o in added.order_by("created_at")[:LIST_LIMIT]]
            + [{"name": label(o), "change": "changed"} for o in changed.order_by("updated_at")[:LIST_LIMIT]]
            + [{"name": e.object_label, "change": "removed"} for e in removed.order_by("sequence")[:LIST_LIMIT]],
        }
        out[key]["items"] = out[key]["items"][:LIST_LIMIT]
    return out


def nonconformities(organization, since, until, labels: list[str]) -> dict:
    """Nonconformities opened and closed by month, by source; corrective actions done and overdue."""
    from openaims.audits.choices import CLOSED_STATUSES, ActionStatus, NonconformitySource
    from openaims.audits.models import CorrectiveAction, Nonconformity

    today = timezone.localdate()
    ncs = Nonconformity.objects.filter(organization=organization)
    opened = ncs.filter(_in_period("detected_on", since, until, dates=True))
    closed = ncs.filter(status__in=CLOSED_STATUSES).filter(_in_period("closed_at", since, until))
    open_now = ncs.exclude(status__in=CLOSED_STATUSES)
    sources = dict(NonconformitySource.choices)
    by_source = {row["source"]: row["n"] for row in opened.values("source").annotate(n=Count("pk")).order_by("source")}
    actions = CorrectiveAction.objects.filter(organization=organization)
    trend_start = dt.date.fromisoformat(labels[0] + "-01") if labels else since
    trend_opened = ncs.filter(_in_period("detected_on", trend_start, until, dates=True))
    trend_closed = ncs.filter(status__in=CLOSED_STATUSES).filter(_in_period("closed_at", trend_start, until))
    overdue = open_now.filter(due_date__lt=today).order_by("number")
    return {
        "opened": opened.count(),
        "closed": closed.count(),
        "closed_effective": closed.filter(status="closed_effective").count(),
        "open": open_now.count(),
        "overdue": overdue.count(),
        "major_open": open_now.filter(severity="major").count(),
        "by_source": {sources.get(k, k): v for k, v in by_source.items()},
        "by_month": {
            "months": labels,
            "opened": _by_month(trend_opened.values_list("detected_on", flat=True), labels),
            "closed": _by_month(trend_closed.values_list("closed_at", flat=True), labels),
        },
        "corrective_actions": {
            "planned_in_period": actions.filter(_in_period("created_at", since, until)).count(),
            "done_in_period": actions.filter(status=ActionStatus.DONE)
            .filter(_in_period("completed_on", since, until, dates=True))
            .count(),
            "open": actions.exclude(status=ActionStatus.DONE).count(),
            "overdue": actions.exclude(status=ActionStatus.DONE).filter(due_date__lt=today).count(),
        },
        "overdue_items": [
            {"reference": nc.reference, "title": nc.title, "due_date": _date(nc.due_date)}
            for nc in overdue[:LIST_LIMIT]
        ],
    }


def monitoring(organization, since, until, labels: list[str]) -> dict:
    """Monitor runs in the period, threshold breaches by month, alerts, and nonconformities monitoring opened."""
    from openaims.audits.choices import CLOSED_STATUSES, NonconformitySource
    from openaims.audits.models import Nonconformity
    from openaims.monitoring.choices import RunStatus
    from openaims.monitoring.models import Alert, MetricRun, Monitor

    runs = MetricRun.objects.filter(organization=organization).filter(_in_period("finished_at", since, until))
    trend_start = dt.date.fromisoformat(labels[0] + "-01") if labels else since
    trend = MetricRun.objects.filter(organization=organization, status=RunStatus.FAILED).filter(
        _in_period("finished_at", trend_start, until)
    )
    breached = (
        runs.filter(status=RunStatus.FAILED)
        .values("monitor__name", "monitor__ai_system__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "monitor__name")
    )
    open_breach_ncs = Nonconformity.objects.filter(
        organization=organization, source=NonconformitySource.MONITORING
    ).exclude(status__in=CLOSED_STATUSES)
    return {
        "monitors_active": Monitor.objects.filter(organization=organization, active=True).count(),
        "runs": runs.count(),
        "passed": runs.filter(status=RunStatus.PASSED).count(),
        "breaches": runs.filter(status=RunStatus.FAILED).count(),
        "errors": runs.filter(status=RunStatus.ERROR).count(),
        "alerts": Alert.objects.filter(organization=organization)
        .filter(_in_period("created_at", since, until))
        .count(),
        "open_breach_nonconformities": open_breach_ncs.count(),
        "breaches_by_month": {
            "months": labels,
            "breaches": _by_month(trend.values_list("finished_at", flat=True), labels),
        },
        "breached_monitors": [
            {"monitor": row["monitor__name"], "ai_system": row["monitor__ai_system__name"], "breaches": row["n"]}
            for row in breached[:LIST_LIMIT]
        ],
    }


def oversight(organization, since, until) -> dict:
    """Human oversight in the period, per AI system with review items: decisions, overrides, the override rate."""
    from openaims.inventory.models import AISystem
    from openaims.oversight.reviews.models import ReviewItem
    from openaims.oversight.reviews.selectors import oversight_metrics

    start, end = _start(since), _end(until)
    items = ReviewItem.objects.filter(organization=organization, submitted_at__lt=end)
    if start is not None:
        items = items.filter(submitted_at__gte=start)
    system_ids = items.order_by().values_list("ai_system_id", flat=True).distinct()
    systems = AISystem.objects.filter(organization=organization, pk__in=list(system_ids)).order_by("name")
    rows = []
    totals = Counter()
    for system in systems[:LIST_LIMIT]:
        figures = oversight_metrics(system, start, end)["overall"]
        for name in ("items", "decided", "overrides", "escalated", "queue_length", "overdue"):
            totals[name] += figures[name] or 0
        rows.append(
            {
                "ai_system": system.name,
                "items": figures["items"],
                "decided": figures["decided"],
                "overrides": figures["overrides"],
                "override_rate": figures["override_rate"],
                "median_hours_to_decision": figures["median_hours_to_decision"],
                "overdue": figures["overdue"],
            }
        )
    decided = totals["decided"]
    return {
        "items": totals["items"],
        "decided": decided,
        "overrides": totals["overrides"],
        "override_rate": totals["overrides"] / decided if decided else None,
        "escalated": totals["escalated"],
        "queue_length": totals["queue_length"],
        "overdue": totals["overdue"],
        "systems": rows,
    }


def audits(organization, since, until) -> dict:
    """Internal audits reported in the period, their findings by kind, and audits due."""
    from openaims.audits.choices import AuditFinding, InternalAuditStatus
    from openaims.audits.internal_selectors import audit_due_q
    from openaims.audits.models import AuditChecklistItem, InternalAudit

    reported = (
        InternalAudit.objects.filter(organization=organization, reported_on__isnull=False)
        .filter(_in_period("reported_on", since, until, dates=True))
        .order_by("reported_on", "number")
    )
    findings = (
        AuditChecklistItem.objects.filter(audit__in=reported)
        .exclude(finding="")
        .values("finding")
        .annotate(n=Count("pk"))
    )
    labels = dict(AuditFinding.choices)
    counted = {row["finding"]: row["n"] for row in findings}
    return {
        "reported": reported.count(),
        "findings": {labels[key]: counted.get(key, 0) for key in AuditFinding.values},
        "audits": [
            {
                "reference": a.reference,
                "title": a.title,
                "reported_on": _date(a.reported_on),
                "summary": a.report_summary[:500],
            }
            for a in reported[:LIST_LIMIT]
        ],
        "in_progress": InternalAudit.objects.filter(
            organization=organization, status=InternalAuditStatus.IN_PROGRESS
        ).count(),
        "due": InternalAudit.objects.filter(organization=organization).filter(audit_due_q()).count(),
    }


def objectives(organization, until) -> dict:
    """The AI objectives by status; open ones past their due date listed."""
    from openaims.governance.choices import OPEN_OBJECTIVE_STATUSES, ObjectiveStatus
    from openaims.governance.models import AIObjective

    qs = AIObjective.objects.filter(organization=organization).select_related("owner")
    counted = {row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("pk")).order_by()}
    late = qs.filter(status__in=list(OPEN_OBJECTIVE_STATUSES), due_date__lt=until).order_by("due_date")
    return {
        "total": qs.count(),
        "by_status": {label: counted.get(value, 0) for value, label in ObjectiveStatus.choices},
        "past_due": late.count(),
        "items": [
            {
                "objective": o.objective,
                "status": o.get_status_display(),
                "target": o.target,
                "owner": _user(o.owner),
                "due_date": _date(o.due_date),
            }
            for o in qs.order_by("due_date", "objective")[:LIST_LIMIT]
        ],
    }


def risks(organization, since, until) -> dict:
    """The risk register by level (open risks), treatments overdue, reviews overdue, and the highest open risks;
    opportunities: improvements proposed in the period."""
    from openaims.audits.models import Improvement
    from openaims.risk.choices import OPEN_STATUSES, RiskActionStatus, RiskLevel
    from openaims.risk.models import Risk, RiskAction
    from openaims.risk.selectors import overdue_q

    today = timezone.localdate()
    register = Risk.objects.filter(organization=organization)
    open_risks = list(register.filter(status__in=OPEN_STATUSES).select_related("owner"))
    levels = Counter(r.level or "" for r in open_risks)
    rank = {value: i for i, value in enumerate(reversed(RiskLevel.values))}
    highest = sorted(open_risks, key=lambda r: (rank.get(r.level, 99), r.title))
    opportunities = Improvement.objects.filter(organization=organization).filter(_in_period("created_at", since, until))
    return {
        "total": register.count(),
        "open": len(open_risks),
        "by_level": {label: levels.get(value, 0) for value, label in RiskLevel.choices}
        | {"Not rated": levels.get("", 0)},
        "identified_in_period": register.filter(_in_period("created_at", since, until)).count(),
        "treatments_overdue": RiskAction.objects.filter(
            organization=organization, status=RiskActionStatus.OPEN, due_date__lt=today
        ).count(),
        "reviews_overdue": register.filter(overdue_q()).count(),
        "highest": [
            {
                "title": r.title,
                "level": r.get_level_display(),
                "owner": _user(r.owner),
                "status": r.get_status_display(),
            }
            for r in highest[:10]
        ],
        "opportunities_in_period": opportunities.count(),
        "opportunities": [o.title for o in opportunities.order_by("created_at")[:LIST_LIMIT]],
    }


def improvements(organization, since, until) -> dict:
    """The improvement register (10.1): by status, open and closed, added and done in the period."""
    from openaims.audits.choices import ImprovementStatus
    from openaims.audits.models import Improvement

    qs = Improvement.objects.filter(organization=organization).select_related("owner")
    closed_statuses = [ImprovementStatus.DONE, ImprovementStatus.REJECTED]
    counted = {row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("pk")).order_by()}
    open_qs = qs.exclude(status__in=closed_statuses)
    return {
        "total": qs.count(),
        "open": open_qs.count(),
        "closed": qs.filter(status__in=closed_statuses).count(),
        "added_in_period": qs.filter(_in_period("created_at", since, until)).count(),
        "without_owner": open_qs.filter(owner__isnull=True).count(),
        "by_status": {label: counted.get(value, 0) for value, label in ImprovementStatus.choices},
        "items": [
            {
                "title": i.title,
                "source": i.get_source_display(),
                "owner": _user(i.owner),
                "status": i.get_status_display(),
            }
            for i in open_qs.order_by("created_at")[:LIST_LIMIT]
        ],
    }


def compile_inputs(organization, since: dt.date | None, until: dt.date, *, exclude_review=None) -> dict:
    """Every input of 9.3.2 for the period [since, until] (since None: from the start), one section each.

    ``exclude_review`` leaves that review's own actions out of the previous actions.
    """
    labels = months(since, until)
    return {
        "version": SNAPSHOT_VERSION,
        "period": {"since": _date(since), "until": _date(until)},
        "previous_actions": previous_actions(organization, exclude_review=exclude_review),
        "context_changes": context_changes(organization, since, until),
        "nonconformities": nonconformities(organization, since, until, labels),
        "monitoring": monitoring(organization, since, until, labels),
        "oversight": oversight(organization, since, until),
        "audits": audits(organization, since, until),
        "objectives": objectives(organization, until),
        "risks": risks(organization, since, until),
        "improvements": improvements(organization, since, until),
    }


def missing_sections(inputs: dict) -> list[str]:
    """The input sections a snapshot lacks (an older or damaged snapshot), by title."""
    return [title for key, title in INPUT_SECTIONS.items() if not isinstance((inputs or {}).get(key), dict)]
