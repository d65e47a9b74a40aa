"""Clause requirements that impact assessments decide: ``RULES[requirement id](organization) -> Derived``.

6.1.4: every AI system in scope (and not retired) has an approved, current impact assessment, and its serious
harms are traced to the risk register. 8.4: assessments are redone at planned intervals and after significant
changes: a stale or overdue assessment is a blocker that names the system and why.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from openaims.accounts.models import Organization
from openaims.controls.readiness import Derived
from openaims.impact.choices import STANDING_STATUSES, AssessmentStatus
from openaims.impact.models import Harm, ImpactAssessment
from openaims.impact.selectors import blocked_q
from openaims.inventory.choices import LifecycleStage
from openaims.inventory.models import AISystem

URL = "impact-assessments-list"
#: Harms at least this severe must be traced to a risk in the register (6.1.4 feeds 6.1.2).
SERIOUS_SEVERITY = 4


def _names(items: list[str], limit: int = 4) -> str:
    shown = ", ".join(f"“{name}”" for name in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _systems(organization: Organization):
    return AISystem.objects.filter(organization=organization, in_scope=True).exclude(
        lifecycle_stage=LifecycleStage.RETIRED
    )


def _standing(organization: Organization):
    return ImpactAssessment.objects.filter(organization=organization, status__in=STANDING_STATUSES).select_related(
        "ai_system"
    )


def _blockers(organization: Organization) -> dict[str, list[str]]:
    """``{system name: [why its standing assessment no longer counts]}`` for systems without a current one."""
    standing = list(_standing(organization))
    current = {a.ai_system_id for a in standing if a.current}
    blockers: dict[str, list[str]] = {}
    for assessment in standing:
        if assessment.ai_system_id not in current and assessment.blocker:
            blockers.setdefault(assessment.ai_system.name, []).append(f"{assessment.blocker.rstrip('.')}")
    return blockers


def impact_assessment_rule(organization: Organization) -> Derived:
    """6.1.4: an approved, current assessment for every AI system in scope; serious harms traced to risks."""
    systems = list(_systems(organization).order_by("name"))
    if not systems:
        return Derived("not_met", "No AI system in scope is registered, so none is assessed.", "systems-list")
    current = {a.ai_system_id for a in _standing(organization) if a.current}
    if not current:
        return Derived(
            "not_met", f"No approved, current impact assessment for any of the {len(systems)} AI systems in scope.", URL
        )
    missing = [s.name for s in systems if s.pk not in current]
    blockers = _blockers(organization)
    gaps = []
    never = [name for name in missing if name not in blockers]
    if never:
        gaps.append(f"no approved impact assessment for {_names(never)}")
    for name in sorted(blockers):
        if name in missing:
            gaps.append(f"“{name}” needs reassessment ({'; '.join(blockers[name])})")
    untraced = Harm.objects.filter(
        organization=organization,
        assessment__status__in=STANDING_STATUSES,
        severity__gte=SERIOUS_SEVERITY,
        linked_risk__isnull=True,
    ).select_related("assessment__ai_system")
    untraced_systems = sorted({h.assessment.ai_system.name for h in untraced})
    if untraced_systems:
        gaps.append(f"serious harms not traced to the risk register for {_names(untraced_systems)}")
    if gaps:
        return Derived("partial", "; ".join(gaps) + ".", URL)
    return Derived(
        "met",
        f"All {len(systems)} AI systems in scope have an approved, current impact assessment; serious harms are "
        "in the risk register.",
        URL,
    )


def reassessment_rule(organization: Organization) -> Derived:
    """8.4: assessments redone at planned intervals and after significant changes; stale or due ones block."""
    standing = _standing(organization)
    if not standing.exists():
        return Derived("not_met", "No impact assessment has been approved yet.", URL)
    blockers = _blockers(organization)
    gaps = [f"“{name}”: {'; '.join(reasons)}" for name, reasons in sorted(blockers.items())]
    unplanned = standing.filter(status=AssessmentStatus.APPROVED, next_review_date__isnull=True)
    if unplanned.exists():
        gaps.append(f"no next review date on {_names([str(a) for a in unplanned])}")
    if gaps:
        return Derived("partial", "Due for reassessment: " + "; ".join(gaps) + ".", URL)
    count = standing.exclude(blocked_q() | Q(next_review_date__isnull=True)).count()
    return Derived(
        "met",
        f"{count} approved impact assessments are current, each with a planned review date; none is stale.",
        URL,
    )


RULES: dict[str, Callable[[Organization], Derived]] = {"6.1.4": impact_assessment_rule, "8.4": reassessment_rule}
