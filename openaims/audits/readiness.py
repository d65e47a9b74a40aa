"""Clause requirements that nonconformity records decide: ``RULES[requirement id](organization) -> Derived``.

10.2: nonconformities are handled: none open past its due date, no corrective action past its due date, and every
one closed as effective was verified, by a later passing run of its monitor or by evidence. With no nonconformity
recorded yet the process is not shown by records, so the status is partial, not met.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from openaims.accounts.models import Organization
from openaims.audits.choices import CLOSED_STATUSES, NonconformityStatus
from openaims.audits.models import CorrectiveAction, Nonconformity
from openaims.audits.selectors import action_overdue_q, nonconformity_overdue_q
from openaims.governance.readiness import Derived


def _names(records, limit: int = 3) -> str:
    """``NC-0001, NC-0002, NC-0003 and 2 more``."""
    items = [getattr(r, "reference", None) or str(r) for r in records[: limit + 1]]
    shown = ", ".join(items[:limit])
    return shown + (f" and {records.count() - limit} more" if len(items) > limit else "")


def nonconformity_rule(organization: Organization) -> Derived:
    """10.2: none overdue, corrective actions on time, every closed-effective one verified (run or evidence)."""
    url = "nonconformities-list"
    ncs = Nonconformity.objects.filter(organization=organization)
    if not ncs.exists():
        return Derived(
            "partial",
            "No nonconformity recorded yet: the register exists, but no record shows one handled to closure.",
            url,
        )
    missing = []
    overdue = ncs.filter(nonconformity_overdue_q()).order_by("number")
    if overdue.exists():
        missing.append(f"open past their due date: {_names(overdue)}")
    late = CorrectiveAction.objects.filter(organization=organization).filter(action_overdue_q())
    late = late.select_related("nonconformity").order_by("nonconformity__number")
    if late.exists():
        refs = sorted({a.nonconformity.reference for a in late[:50]})
        missing.append(f"corrective actions past their due date on {', '.join(refs[:3])}")
    unverified = (
        ncs.filter(status=NonconformityStatus.CLOSED_EFFECTIVE)
        .filter(Q(verified_by_run__isnull=True) & Q(verification_evidence__isnull=True))
        .distinct()
        .order_by("number")
    )
    if unverified.exists():
        missing.append(f"closed as effective without a passing run or evidence: {_names(unverified)}")
    if missing:
        return Derived("partial", "; ".join(missing) + ".", url)
    closed = ncs.filter(status__in=CLOSED_STATUSES).count()
    return Derived(
        "met",
        f"{ncs.count()} nonconformities, none overdue; {closed} closed, each effective one verified by a run or "
        "evidence.",
        url,
    )


RULES: dict[str, Callable[[Organization], Derived]] = {"10.2": nonconformity_rule}
