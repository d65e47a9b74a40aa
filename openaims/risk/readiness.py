"""Clause requirements that the risk records decide: ``RULES[requirement id](organization) -> Derived``.

6.1.1 (criteria defined), 6.1.2 (every in-scope AI system has assessed risks), 8.2 (assessments current: none
overdue for review) and 8.3 (every risk above the acceptance threshold treated or accepted; treatment actions on
time). 6.1.3 is decided by the controls app (the SoA); the treatment side of it is checked here under 8.3.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q
from django.utils import timezone

from openaims.accounts.models import Organization
from openaims.governance.readiness import Derived
from openaims.inventory.models import AISystem
from openaims.risk.choices import OPEN_STATUSES, RiskStatus
from openaims.risk.models import Risk, RiskAction, RiskCriteria
from openaims.risk.selectors import REVIEWED_STATUSES, criteria_for, levels_above_q, with_counts


def _names(records, limit: int = 3) -> str:
    """``“a”, “b”, “c” and 2 more`` for the first few records of a queryset."""
    items = [str(r) for r in records[: limit + 1]]
    shown = ", ".join(f"“{name}”" for name in items[:limit])
    return shown + (f" and {records.count() - limit} more" if len(items) > limit else "")


def _judge(url_name: str, missing: list[str], met: str) -> Derived:
    if missing:
        return Derived("partial", "; ".join(missing) + ".", url_name)
    return Derived("met", met, url_name)


#: Statuses of a risk that has been analysed and evaluated (6.1.2).
ASSESSED_STATUSES = (RiskStatus.ASSESSED, RiskStatus.TREATING, RiskStatus.ACCEPTED, RiskStatus.CLOSED)


def criteria_rule(organization: Organization) -> Derived:
    """6.1.1: the organization has set its risk criteria (scales, matrix, threshold), with a methodology."""
    url = "risk-criteria"
    criteria = RiskCriteria.objects.filter(organization=organization).first()
    if criteria is None:
        return Derived("not_met", "No risk criteria set: the default 5×5 matrix is in use, not yet adopted.", url)
    if not criteria.methodology.strip():
        return Derived("partial", "Risk criteria set, but no methodology written (how risks are rated).", url)
    return Derived(
        "met",
        f"Risk criteria: {criteria.likelihood_size}×{criteria.consequence_size} matrix, risks up to "
        f"{criteria.acceptance_threshold} acceptable by their owner.",
        url,
    )


def assessment_rule(organization: Organization) -> Derived:
    """6.1.2: every in-scope AI system (not retired) has at least one assessed risk."""
    url = "risks-list"
    systems = AISystem.objects.filter(organization=organization, in_scope=True).exclude(lifecycle_stage="retired")
    if not systems.exists():
        return Derived("not_met", "No AI systems in scope to assess.", "systems-list")
    assessed = Risk.objects.filter(organization=organization, status__in=ASSESSED_STATUSES)
    unassessed = systems.exclude(pk__in=assessed.values("ai_systems"))
    if not assessed.exists():
        return Derived("not_met", "No assessed risks: every risk is still only identified.", url)
    return _judge(
        url,
        [f"no assessed risk for {_names(unassessed)}"] if unassessed.exists() else [],
        f"Each of the {systems.count()} AI systems in scope has assessed risks ({assessed.count()} risks).",
    )


def currency_rule(organization: Organization) -> Derived:
    """8.2: risk assessments are current: every open or accepted risk has a review date, none has passed."""
    url = "risks-list"
    reviewed = Risk.objects.filter(organization=organization, status__in=REVIEWED_STATUSES)
    if not reviewed.exists():
        return Derived("not_met", "No risk assessments recorded.", url)
    missing = []
    overdue = reviewed.filter(review_date__lt=timezone.localdate())
    if overdue.exists():
        missing.append(f"overdue for review: {_names(overdue)}")
    undated = reviewed.filter(review_date__isnull=True)
    if undated.exists():
        missing.append(f"no review date on {_names(undated)}")
    return _judge(url, missing, f"{reviewed.count()} risks, each reviewed within its date.")


def treatment_rule(organization: Organization) -> Derived:
    """8.3: every open risk above the threshold has a treatment (option with controls or actions) or acceptance;
    no treatment action is past its due date."""
    url = "risks-list"
    risks = Risk.objects.filter(organization=organization)
    if not risks.exists():
        return Derived("not_met", "No risks in the register.", url)
    threshold = criteria_for(organization).acceptance_threshold
    above = with_counts(risks.filter(status__in=OPEN_STATUSES).filter(levels_above_q(threshold)))
    # Avoiding ends the risk; modifying or sharing needs controls or actions; retaining it is accepting it.
    means = Q(treatment_option="avoid") | Q(treatment_option__in=["modify", "share"]) & (
        Q(n_controls__gt=0) | Q(n_actions__gt=0)
    )
    untreated = above.exclude(means)
    missing = []
    if untreated.exists():
        missing.append(
            f"above the acceptance threshold ({threshold}) without treatment or acceptance: "
            f"{_names(untreated.order_by('title'))}"
        )
    late = RiskAction.objects.filter(organization=organization, status="open", due_date__lt=timezone.localdate())
    if late.exists():
        missing.append(f"treatment actions past their due date: {_names(late)}")
    return _judge(
        url,
        missing,
        f"Every risk above the acceptance threshold ({threshold}) is treated or accepted; actions on time.",
    )


RULES: dict[str, Callable[[Organization], Derived]] = {
    "6.1.1": criteria_rule,
    "6.1.2": assessment_rule,
    "8.2": currency_rule,
    "8.3": treatment_rule,
}
