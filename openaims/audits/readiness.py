"""Clause requirements that nonconformity records decide: ``RULES[requirement id](organization) -> Derived``.

10.2: nonconformities are handled: none open past its due date, no corrective action past its due date, and every
one closed as effective was verified, by a later passing run of its monitor or by evidence. With no nonconformity
recorded yet the process is not shown by records, so the status is partial, not met.

9.2.2: an audit programme exists, and every audit planned from it has a scope, criteria (its own or the
programme's) and a lead auditor; every audit whose planned end has passed has reported its results.
9.2.1: audits are done at planned intervals: each programme's latest reported audit lies within the programme's
frequency; no audit is due (planned start passed, not started); every nonconformity finding has its nonconformity.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q
from django.utils import timezone

from openaims.accounts.models import Organization
from openaims.audits.choices import CLOSED_STATUSES, NONCONFORMITY_FINDINGS, InternalAuditStatus, NonconformityStatus
from openaims.audits.internal_selectors import audit_due_q
from openaims.audits.models import AuditChecklistItem, AuditProgramme, CorrectiveAction, InternalAudit, Nonconformity
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


AUDIT_URL = "internal-audits-calendar"
REPORTED = (InternalAuditStatus.REPORTED, InternalAuditStatus.CLOSED)


def audit_programme_rule(organization: Organization) -> Derived:
    """9.2.2: a programme; each audit with scope, criteria and a lead auditor; audits past their end reported."""
    programmes = AuditProgramme.objects.filter(organization=organization)
    if not programmes.exists():
        return Derived("not_met", "No audit programme recorded yet.", AUDIT_URL)
    audits = InternalAudit.objects.filter(organization=organization).select_related("programme").order_by("number")
    if not audits.exists():
        return Derived("partial", "An audit programme exists, but no audit has been planned from it.", AUDIT_URL)
    missing = []
    unplanned = [p.name for p in programmes if not audits.filter(programme=p).exists()]
    if unplanned:
        missing.append(f"no audit planned from {', '.join(unplanned[:3])}")
    incomplete = []
    for audit in audits.prefetch_related("ai_systems"):
        gaps = []
        if not (audit.clause_ids or audit.control_ids or audit.ai_systems.all()):
            gaps.append("scope")
        if not (audit.criteria.strip() or audit.programme.criteria.strip()):
            gaps.append("criteria")
        if audit.lead_auditor_id is None:
            gaps.append("lead auditor")
        if gaps:
            incomplete.append(f"{audit.reference} ({', '.join(gaps)})")
    if incomplete:
        missing.append(f"audits without {'; '.join(incomplete[:3])}")
    unreported = audits.filter(planned_end__lt=timezone.localdate()).exclude(status__in=REPORTED)
    if unreported.exists():
        missing.append(f"past their planned end without a report: {_names(unreported)}")
    if missing:
        return Derived("partial", "; ".join(missing) + ".", AUDIT_URL)
    return Derived(
        "met",
        f"{programmes.count()} audit programme(s); {audits.count()} audit(s) planned with scope, criteria and a lead "
        "auditor; every audit past its planned end reported.",
        AUDIT_URL,
    )


def internal_audit_rule(organization: Organization) -> Derived:
    """9.2.1: each programme audited within its frequency, no audit due, every nonconformity finding raised."""
    reported = InternalAudit.objects.filter(organization=organization, status__in=REPORTED, reported_on__isnull=False)
    if not reported.exists():
        return Derived("not_met", "No internal audit has reported its results yet.", AUDIT_URL)
    today = timezone.localdate()
    missing = []
    for programme in AuditProgramme.objects.filter(organization=organization).order_by("name"):
        latest = reported.filter(programme=programme).order_by("-reported_on").first()
        if latest is None:
            missing.append(f"programme {programme.name}: no audit reported yet")
        elif (today - latest.reported_on).days > programme.interval_days:
            missing.append(
                f"programme {programme.name}: last audit reported on {latest.reported_on}, longer ago than its "
                f"frequency ({programme.get_frequency_display().lower()})"
            )
    due = InternalAudit.objects.filter(organization=organization).filter(audit_due_q()).order_by("number")
    if due.exists():
        missing.append(f"due and not started: {_names(due)}")
    unraised = AuditChecklistItem.objects.filter(
        organization=organization, finding__in=list(NONCONFORMITY_FINDINGS), nonconformity__isnull=True
    )
    if unraised.exists():
        refs = sorted({item.audit.reference for item in unraised.select_related("audit")[:50]})
        missing.append(f"nonconformity findings without a nonconformity in {', '.join(refs[:3])}")
    if missing:
        return Derived("partial", "; ".join(missing) + ".", AUDIT_URL)
    return Derived(
        "met",
        f"{reported.count()} audit(s) reported, each programme within its frequency; none due; every nonconformity "
        "finding has its nonconformity.",
        AUDIT_URL,
    )


RULES: dict[str, Callable[[Organization], Derived]] = {
    "10.2": nonconformity_rule,
    "9.2.1": internal_audit_rule,
    "9.2.2": audit_programme_rule,
}
