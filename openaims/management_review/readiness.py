"""Clause requirements that management review and improvement records decide: ``RULES[id](organization) -> Derived``.

9.3.1: reviews are held at planned intervals: the latest held review's next one is not past due, and no planned
review is past its date. 9.3.2: the latest held review has a frozen snapshot of inputs covering every input section,
still matching its SHA-256. 9.3.3: the latest held review recorded decisions and actions and issued its minutes, and
no review action is past its due date. 10.1: the improvement register has entries, the open ones each with an
owner and none left untouched for :data:`STALE_DAYS`, and a management review decided on improvement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from openaims.accounts.models import Organization
from openaims.governance.readiness import Derived
from openaims.management_review.choices import ManagementReviewStatus, ReviewDecisionCategory
from openaims.management_review.inputs import missing_sections
from openaims.management_review.models import ManagementReview, ReviewAction, ReviewDecision
from openaims.management_review.selectors import action_overdue_q, latest_held_review, review_overdue_q

URL = "management-reviews-list"
IMPROVEMENTS_URL = "improvements-list"
#: An open improvement not changed for this many days is stale.
STALE_DAYS = 180


def _names(records, limit: int = 3) -> str:
    items = [getattr(r, "reference", None) or str(r) for r in records[: limit + 1]]
    shown = ", ".join(items[:limit])
    return shown + (f" and {records.count() - limit} more" if len(items) > limit else "")


def _judge(missing: list[str], met: str, url: str = URL) -> Derived:
    if missing:
        return Derived("partial", "; ".join(missing) + ".", url)
    return Derived("met", met, url)


def review_intervals_rule(organization: Organization) -> Derived:
    """9.3.1: a review held within its interval; no planned review past its date."""
    reviews = ManagementReview.objects.filter(organization=organization)
    if not reviews.exists():
        return Derived("not_met", "No management review recorded yet: plan one.", URL)
    latest = latest_held_review(organization)
    if latest is None:
        return Derived("not_met", "Management reviews are planned, but none has been held yet.", URL)
    missing = []
    if latest.next_due < timezone.localdate():
        missing.append(
            f"the last review, {latest.reference}, was held on {latest.held_on}; the next was due by {latest.next_due}"
        )
    overdue = reviews.filter(review_overdue_q()).order_by("planned_for")
    if overdue.exists():
        missing.append(f"planned and past their date without being held: {_names(overdue)}")
    return _judge(
        missing,
        f"{reviews.exclude(status=ManagementReviewStatus.PLANNED).count()} review(s) held; the last, "
        f"{latest.reference} on {latest.held_on}, within its interval (next due by {latest.next_due}); none overdue.",
    )


def review_inputs_rule(organization: Organization) -> Derived:
    """9.3.2: the latest held review's frozen inputs cover every section and match their SHA-256."""
    latest = latest_held_review(organization)
    if latest is None:
        return Derived("not_met", "No management review held yet: no inputs were considered.", URL)
    missing = []
    if not latest.inputs_sha256:
        missing.append(f"{latest.reference} has no frozen snapshot of its inputs")
    else:
        lacking = missing_sections(latest.inputs)
        if lacking:
            missing.append(f"the inputs of {latest.reference} lack: {', '.join(lacking)}")
        if not latest.inputs_intact:
            missing.append(f"the inputs of {latest.reference} no longer match their recorded SHA-256")
    return _judge(
        missing,
        f"{latest.reference} considered every input (previous actions, context changes, nonconformities, "
        "monitoring, oversight, audits, objectives, risks and opportunities, improvement), frozen when held "
        f"(SHA-256 {latest.inputs_sha256[:12]}…).",
    )


def review_results_rule(organization: Organization) -> Derived:
    """9.3.3: decisions and actions on the latest held review, its minutes issued, no review action overdue."""
    latest = latest_held_review(organization)
    if latest is None:
        return Derived("not_met", "No management review held yet: no results recorded.", URL)
    missing = []
    decisions = ReviewDecision.objects.filter(review=latest).count()
    actions = ReviewAction.objects.filter(review=latest).count()
    if not decisions:
        missing.append(f"{latest.reference} has no decision recorded")
    if not actions:
        missing.append(f"{latest.reference} has no action with an owner and a due date")
    if latest.status != ManagementReviewStatus.MINUTES_ISSUED:
        missing.append(f"the minutes of {latest.reference} are not issued")
    overdue = ReviewAction.objects.filter(organization=organization).filter(action_overdue_q())
    overdue = overdue.select_related("review").order_by("due_date")
    if overdue.exists():
        shown = ", ".join(f"“{a.title}” ({a.review.reference}, due {a.due_date})" for a in overdue[:3])
        more = overdue.count() - 3
        missing.append(f"review actions past their due date: {shown}" + (f" and {more} more" if more > 0 else ""))
    return _judge(
        missing,
        f"{latest.reference}: {decisions} decision(s), {actions} action(s) with owners and due dates, minutes "
        "issued; no review action overdue.",
    )


def continual_improvement_rule(organization: Organization) -> Derived:
    """10.1: improvements recorded, open ones owned and moving, and review decisions on improvement."""
    from openaims.audits.choices import ImprovementStatus
    from openaims.audits.models import Improvement

    register = Improvement.objects.filter(organization=organization)
    if not register.exists():
        return Derived("not_met", "The improvement register has no entry yet.", IMPROVEMENTS_URL)
    open_entries = register.exclude(status__in=[ImprovementStatus.DONE, ImprovementStatus.REJECTED])
    missing = []
    ownerless = open_entries.filter(owner__isnull=True).order_by("created_at")
    if ownerless.exists():
        missing.append(f"open improvements without an owner: {_names(ownerless)}")
    stale_before = timezone.now() - dt.timedelta(days=STALE_DAYS)
    stale = open_entries.filter(updated_at__lt=stale_before).order_by("updated_at")
    if stale.exists():
        missing.append(f"open improvements unchanged for more than {STALE_DAYS} days: {_names(stale)}")
    decided = ReviewDecision.objects.filter(
        organization=organization, category=ReviewDecisionCategory.IMPROVEMENT
    ).count()
    if not decided:
        missing.append("no management review decision on an opportunity for improvement")
    done = register.filter(status=ImprovementStatus.DONE).count()
    return _judge(
        missing,
        f"{register.count()} improvement(s) recorded, {done} done, every open one owned and moving; "
        f"{decided} management review decision(s) on improvement.",
        IMPROVEMENTS_URL,
    )


RULES: dict[str, Callable[[Organization], Derived]] = {
    "9.3.1": review_intervals_rule,
    "9.3.2": review_inputs_rule,
    "9.3.3": review_results_rule,
    "10.1": continual_improvement_rule,
}
