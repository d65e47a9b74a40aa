"""Clause requirements that the governance records decide: ``RULES[clause](organization) -> Derived``.

The readiness engine imports ``RULES`` from every app's ``readiness.py``. Each rule reads only records,
so its answer is derived, never typed in; the explanation names what is missing and ``url_name`` the page
where it is fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from django.db.models import Q
from django.utils import timezone

from openaims.accounts.models import Organization
from openaims.governance import selectors
from openaims.governance.choices import DocumentType, IssueOrigin, VersionStatus
from openaims.governance.models import (
    AIMSRole,
    AIObjective,
    CompetenceRecord,
    ContextIssue,
    Document,
    InterestedParty,
    ScopeStatement,
)
from openaims.inventory.models import AISystem

Status = Literal["met", "partial", "not_met"]
STATUSES = ("met", "partial", "not_met")


@dataclass(frozen=True)
class Derived:
    """A readiness status derived from records: what is missing, and the page (URL name) that fixes it."""

    status: Status
    explanation: str
    url_name: str

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")


def _names(records, limit: int = 3) -> str:
    """``“a”, “b”, “c” and 2 more`` for the first few records of a queryset."""
    items = [str(r) for r in records[: limit + 1]]
    shown = ", ".join(f"“{name}”" for name in items[:limit])
    return shown + (f" and {records.count() - limit} more" if len(items) > limit else "")


def _judge(url_name: str, missing: list[str], met: str) -> Derived:
    if missing:
        return Derived("partial", "; ".join(missing) + ".", url_name)
    return Derived("met", met, url_name)


def context_issues_rule(organization: Organization) -> Derived:
    """4.1: internal and external issues recorded, each with a review date that has not passed."""
    url = "context-issues-list"
    issues = ContextIssue.objects.filter(organization=organization)
    if not issues.exists():
        return Derived("not_met", "No context issues recorded.", url)
    missing = []
    origins = set(issues.values_list("origin", flat=True))
    for origin in IssueOrigin:
        if origin.value not in origins:
            missing.append(f"no {origin.label.lower()} issue recorded")
    undated = issues.filter(next_review_date__isnull=True)
    if undated.exists():
        missing.append(f"no review date on {_names(undated)}")
    overdue = issues.filter(next_review_date__lt=timezone.localdate())
    if overdue.exists():
        missing.append(f"overdue for review: {_names(overdue)}")
    return _judge(url, missing, f"{issues.count()} context issues recorded, internal and external, reviews up to date.")


def interested_parties_rule(organization: Organization) -> Derived:
    """4.2: interested parties with their needs and how the AIMS addresses them, reviews not overdue."""
    url = "interested-parties-list"
    parties = InterestedParty.objects.filter(organization=organization)
    if not parties.exists():
        return Derived("not_met", "No interested parties recorded.", url)
    missing = []
    without_needs = parties.filter(needs_and_expectations="")
    if without_needs.exists():
        missing.append(f"no needs and expectations for {_names(without_needs)}")
    unaddressed = parties.filter(how_addressed="")
    if unaddressed.exists():
        missing.append(f"not said how the AIMS addresses {_names(unaddressed)}")
    overdue = parties.filter(next_review_date__lt=timezone.localdate())
    if overdue.exists():
        missing.append(f"overdue for review: {_names(overdue)}")
    obligations = parties.filter(compliance_obligation=True).count()
    return _judge(
        url,
        missing,
        f"{parties.count()} interested parties with their requirements ({obligations} compliance obligations).",
    )


def scope_rule(organization: Organization) -> Derived:
    """4.3: an approved scope statement, and every AI system in or out of scope (with a reason when out)."""
    scope = selectors.scope_in_force(organization)
    undecided = AISystem.objects.filter(organization=organization, in_scope=False, scope_reason="")
    if scope is None:
        status = "partial" if ScopeStatement.objects.filter(organization=organization).exists() else "not_met"
        explanation = "No approved scope statement"
        if status == "partial":
            explanation += " (a draft is waiting for approval)"
        if undecided.exists():
            explanation += f"; out of scope without a reason: {_names(undecided)}"
        return Derived(status, explanation + ".", "scope-statements-list")
    if undecided.exists():
        return Derived("partial", f"Out of scope without a reason: {_names(undecided)}.", "systems-list")
    systems = AISystem.objects.filter(organization=organization)
    return Derived(
        "met",
        f"Scope statement v{scope.version} approved; {systems.filter(in_scope=True).count()} of "
        f"{systems.count()} AI systems in scope, each decision recorded.",
        "scope-statements-list",
    )


def ai_policy_rule(organization: Organization) -> Derived:
    """5.2: an AI policy in force (current version approved and effective, review not overdue)."""
    url = "documents-list"
    in_force = selectors.ai_policies_in_force(organization).first()
    if in_force is not None:
        return Derived("met", f"AI policy “{in_force}” is in force.", url)
    policies = Document.objects.filter(organization=organization, document_type=DocumentType.AI_POLICY)
    if not policies.exists():
        return Derived("not_met", "No AI policy document.", url)
    reasons = []
    for policy in policies.select_related("current_version")[:3]:
        version = policy.current_version
        if version is None:
            reasons.append(f"“{policy}” has no version")
        elif version.status != VersionStatus.APPROVED:
            reasons.append(f"“{policy}” v{version.number} is {version.get_status_display().lower()}, not approved")
        elif version.effective_date is None or version.effective_date > timezone.localdate():
            reasons.append(f"“{policy}” v{version.number} is not yet effective")
        else:
            reasons.append(f"“{policy}” is overdue for review (due {policy.next_review_date:%Y-%m-%d})")
    return Derived("partial", "No AI policy in force: " + "; ".join(reasons) + ".", url)


def roles_rule(organization: Organization) -> Derived:
    """5.3: AIMS roles with responsibilities, each held by at least one member."""
    url = "aims-roles-list"
    roles = AIMSRole.objects.filter(organization=organization)
    if not roles.exists():
        return Derived("not_met", "No AIMS roles defined.", url)
    missing = []
    vacant = roles.filter(holders__isnull=True)
    if vacant.exists():
        missing.append(f"no holder for {_names(vacant)}")
    undescribed = roles.filter(responsibilities="")
    if undescribed.exists():
        missing.append(f"no responsibilities for {_names(undescribed)}")
    return _judge(url, missing, f"{roles.count()} AIMS roles, each with responsibilities and a holder.")


def objectives_rule(organization: Organization) -> Derived:
    """6.2: AI objectives, each with a metric, a target value, an owner and a due date."""
    url = "ai-objectives-list"
    objectives = AIObjective.objects.filter(organization=organization)
    if not objectives.exists():
        return Derived("not_met", "No AI objectives set.", url)
    missing = []
    checks = (
        ("no metric", Q(metric="")),
        ("no target value", Q(target_value__isnull=True)),
        ("no owner", Q(owner__isnull=True)),
        ("no due date", Q(due_date__isnull=True)),
    )
    for what, condition in checks:
        lacking = objectives.filter(condition)
        if lacking.exists():
            missing.append(f"{what} for {_names(lacking)}")
    return _judge(url, missing, f"{objectives.count()} AI objectives with measurable targets, owners and due dates.")


def competence_rule(organization: Organization) -> Derived:
    """7.2: competence records exist, none expired, and every holder of an AIMS role has a valid one."""
    url = "competence-records-list"
    records = CompetenceRecord.objects.filter(organization=organization)
    if not records.exists():
        return Derived("not_met", "No competence or training records.", url)
    today = timezone.localdate()
    missing = []
    expired = records.filter(valid_until__lt=today)
    if expired.exists():
        missing.append(f"expired: {_names(expired)}")
    valid_members = set(
        records.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today)).values_list("member_id", flat=True)
    )
    holders = {
        membership.user
        for role in AIMSRole.objects.filter(organization=organization).prefetch_related("holders__user")
        for membership in role.holders.all()
    }
    without = sorted(str(u) for u in holders if u.pk not in valid_members)
    if without:
        shown = ", ".join(without[:3]) + (f" and {len(without) - 3} more" if len(without) > 3 else "")
        missing.append(f"AIMS role holders without a valid record: {shown}")
    return _judge(url, missing, f"{records.count()} competence records, none expired; every role holder covered.")


def documents_rule(organization: Organization) -> Derived:
    """7.5: documents under control: each with an approved current version, none overdue for review."""
    url = "documents-list"
    docs = Document.objects.filter(organization=organization)
    if not docs.exists():
        return Derived("not_met", "No documents under control.", url)
    missing = []
    unapproved = docs.exclude(current_version__status=VersionStatus.APPROVED)
    if unapproved.exists():
        missing.append(f"no approved version of {_names(unapproved)}")
    overdue = docs.filter(next_review_date__lt=timezone.localdate())
    if overdue.exists():
        missing.append(f"overdue for review: {_names(overdue)}")
    return _judge(url, missing, f"{docs.count()} documents, each approved and within its review date.")


RULES: dict[str, Callable[[Organization], Derived]] = {
    "4.1": context_issues_rule,
    "4.2": interested_parties_rule,
    "4.3": scope_rule,
    "5.2": ai_policy_rule,
    "5.3": roles_rule,
    "6.2": objectives_rule,
    "7.2": competence_rule,
    "7.5": documents_rule,
}
