"""Reads of the review queue, shared by UI, API and the monitoring runner; and the oversight metrics."""

from __future__ import annotations

import datetime as dt
import statistics

from django.db.models import Q, QuerySet
from django.utils import timezone

from openaims.base.context import Actor
from openaims.base.selectors import scoped
from openaims.metrics import wilson_interval
from openaims.oversight.reviews.choices import OPEN_STATUSES, DecisionAction, ReviewStatus
from openaims.oversight.reviews.models import ReviewDecision, ReviewItem, ReviewSettings, RoutingRule


def _getter(filters):
    return filters.get if isinstance(filters, dict) else lambda name: getattr(filters, name, None)


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Still open and past its due time."""
    return Q(status__in=OPEN_STATUSES, due_at__lt=now or timezone.now())


def review_items(actor: Actor) -> QuerySet[ReviewItem]:
    """The queue, oldest first."""
    return scoped(ReviewItem, actor).select_related("ai_system", "assigned_to").order_by("submitted_at", "id")


def filter_review_items(qs: QuerySet[ReviewItem], filters) -> QuerySet[ReviewItem]:
    """Filters of the queue; the same names in UI and API: ai_system_id, status, open, overdue, blind."""
    get = _getter(filters)
    if (system := get("ai_system_id")) not in (None, ""):
        qs = qs.filter(ai_system_id=system)
    if (status := get("status")) not in (None, ""):
        qs = qs.filter(status=status)
    if (decision_id := (get("decision_id") or "").strip()) != "":
        qs = qs.filter(decision_id=decision_id)
    for name, condition in (("open", Q(status__in=OPEN_STATUSES)), ("overdue", overdue_q())):
        value = get(name)
        if value is True:
            qs = qs.filter(condition)
        elif value is False:
            qs = qs.exclude(condition)
    if (blind := get("blind")) in (True, False):
        qs = qs.filter(blind=blind)
    return qs


def api_review_items(qs: QuerySet[ReviewItem]) -> QuerySet[ReviewItem]:
    return qs.prefetch_related("decisions")


def routing_rules(actor: Actor) -> QuerySet[RoutingRule]:
    return scoped(RoutingRule, actor).select_related("ai_system")


def filter_routing_rules(qs: QuerySet[RoutingRule], filters) -> QuerySet[RoutingRule]:
    get = _getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(name__icontains=q)
    for name in ("ai_system_id", "kind"):
        if (value := get(name)) not in (None, ""):
            qs = qs.filter(**{name: value})
    if (active := get("active")) in (True, False):
        qs = qs.filter(active=active)
    return qs


def review_settings(actor: Actor) -> QuerySet[ReviewSettings]:
    return scoped(ReviewSettings, actor).select_related("ai_system")


def filter_review_settings(qs: QuerySet[ReviewSettings], filters) -> QuerySet[ReviewSettings]:
    get = _getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(ai_system__name__icontains=q)
    if (value := get("ai_system_id")) not in (None, ""):
        qs = qs.filter(ai_system_id=value)
    return qs


# --- Oversight metrics -----------------------------------------------------------------------------------


def _rate(successes: int, trials: int) -> tuple[float | None, list[float] | None]:
    if trials == 0:
        return None, None
    interval = wilson_interval(successes, trials)
    return successes / trials, list(interval) if interval else None


def _hours(items: list[dict]) -> list[float]:
    return sorted(
        (i["decided_at"] - i["submitted_at"]).total_seconds() / 3600 for i in items if i["decided_at"] is not None
    )


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def _figures(items: list[dict], now: dt.datetime) -> dict:
    """The oversight figures of a set of items (each a dict of item values plus ``final_action``)."""
    decided = [i for i in items if i["status"] == ReviewStatus.DECIDED]
    overrides = sum(1 for i in decided if i["final_action"] == DecisionAction.OVERRIDE)
    blind = [i for i in decided if i["blind"]]
    agreements = sum(1 for i in blind if i["final_outcome"] == i["ai_output"])
    open_items = [i for i in items if i["status"] in OPEN_STATUSES]
    overdue = sum(1 for i in open_items if i["due_at"] < now)
    decided_late = sum(1 for i in decided if i["decided_at"] > i["due_at"])
    hours = _hours(decided)
    override_rate, override_ci = _rate(overrides, len(decided))
    agreement, agreement_ci = _rate(agreements, len(blind))
    return {
        "items": len(items),
        "decided": len(decided),
        "overrides": overrides,
        "override_rate": override_rate,
        "override_rate_ci": override_ci,
        "escalated": sum(1 for i in items if i["escalated"]),
        "median_hours_to_decision": statistics.median(hours) if hours else None,
        "p90_hours_to_decision": _p90(hours),
        "queue_length": len(open_items),
        "overdue": overdue,
        "decided_late": decided_late,
        "overdue_share": (overdue + decided_late) / len(items) if items else None,
        "blind_decided": len(blind),
        "blind_agreements": agreements,
        "blind_agreement": agreement,
        "blind_agreement_ci": agreement_ci,
    }


def oversight_metrics(ai_system, start: dt.datetime | None = None, end: dt.datetime | None = None, *, now=None) -> dict:
    """Oversight figures of one AI system's items submitted in ``[start, end)``: overall, per reviewer, per group.

    ``override_rate`` is the share of decided items whose final decision overrode the AI (Wilson 95% interval);
    ``blind_agreement`` the share of blind decided items whose outcome equals the AI's output (automation bias shows
    as agreement that blind reviews do not reproduce); ``overdue`` counts open items past due now, ``decided_late``
    items decided after their due time, ``overdue_share`` both over all items. Per reviewer, the figures are those of
    the items whose final decision they made; per group (``attribute=value`` of ``subject_groups``), of its items.
    """
    now = now or timezone.now()
    qs = ReviewItem.objects.filter(organization_id=ai_system.organization_id, ai_system=ai_system)
    if start is not None:
        qs = qs.filter(submitted_at__gte=start)
    if end is not None:
        qs = qs.filter(submitted_at__lt=end)
    fields = ("id", "status", "ai_output", "final_outcome", "blind", "submitted_at", "due_at", "decided_at")
    items = list(qs.values(*fields, "subject_groups"))
    by_id = {i["id"]: i for i in items}
    for item in items:
        item.update(final_action=None, reviewer=None, escalated=False)
    decisions = ReviewDecision.objects.filter(item__in=qs).values_list("item_id", "action", "reviewer_label")
    for item_id, action, reviewer in decisions.order_by("created_at"):
        item = by_id.get(item_id)
        if item is None:
            continue
        if action == DecisionAction.ESCALATE:
            item["escalated"] = True
        else:
            item["final_action"], item["reviewer"] = action, reviewer
    by_reviewer: dict[str, list[dict]] = {}
    by_group: dict[str, list[dict]] = {}
    for item in items:
        if item["reviewer"]:
            by_reviewer.setdefault(item["reviewer"], []).append(item)
        for attribute, value in sorted((item["subject_groups"] or {}).items()):
            by_group.setdefault(f"{attribute}={value}", []).append(item)
    return {
        "ai_system_id": str(ai_system.pk),
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "overall": _figures(items, now),
        "by_reviewer": {name: _figures(group, now) for name, group in sorted(by_reviewer.items())},
        "by_group": {name: _figures(group, now) for name, group in sorted(by_group.items())},
    }


#: The period of the oversight figures a system card states.
CARD_PERIOD_DAYS = 90


def oversight_arrangements(ai_system, *, now: dt.datetime | None = None) -> list[str]:
    """The human review arrangements of an AI system as sentences for its card: the active routing rules, the
    service level and blind review, and the override rate of the last 90 days with its interval."""
    sentences = [
        f"Human review of {rule.summary} (rule “{rule.name}”)."
        for rule in RoutingRule.objects.filter(
            organization_id=ai_system.organization_id, ai_system=ai_system, active=True
        ).order_by("order", "created_at")
    ]
    if not sentences:
        return []
    settings = ReviewSettings.objects.filter(organization_id=ai_system.organization_id, ai_system=ai_system).first()
    if settings is not None:
        sentences.append(f"Reviewers decide within {settings.hours_to_decide} hours.")
        if settings.blind_share:
            sentences.append(
                f"{settings.blind_share:.0%} of reviewed decisions are shown without the AI's suggestion, to measure "
                "automation bias."
            )
    now = now or timezone.now()
    figures = oversight_metrics(ai_system, now - dt.timedelta(days=CARD_PERIOD_DAYS), now, now=now)["overall"]
    if figures["decided"]:
        rate, interval = figures["override_rate"], figures["override_rate_ci"]
        sentences.append(
            f"In the last {CARD_PERIOD_DAYS} days reviewers overrode {rate:.1%} of {figures['decided']} reviewed "
            f"decisions (95% interval {interval[0]:.1%} to {interval[1]:.1%})."
        )
    return sentences
