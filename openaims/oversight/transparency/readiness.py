"""Requirements the transparency records decide: ``RULES[requirement id](organization) -> Derived``.

A.8.5 (information for interested parties): every live AI system in scope has at least one reporting obligation,
and none is past its due date. The readiness dashboard today walks the clause requirements (4-10), so this Annex A
rule is collected with the others but shown only where Annex A readiness is shown.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from openaims.accounts.models import Organization
from openaims.governance.readiness import Derived
from openaims.inventory.choices import LIVE_STAGES
from openaims.inventory.models import AISystem
from openaims.oversight.transparency.models import ReportingObligation


def _names(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(f"“{name}”" for name in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def reporting_rule(organization: Organization) -> Derived:
    """A.8.5: each live in-scope AI system has a reporting obligation, and no obligation is overdue."""
    url = "reporting-obligations-list"
    systems = list(
        AISystem.objects.filter(organization=organization, in_scope=True, lifecycle_stage__in=LIVE_STAGES).order_by(
            "name"
        )
    )
    obligations = ReportingObligation.objects.filter(organization=organization)
    if not systems and not obligations.exists():
        return Derived("not_met", "No deployed or operating AI system in scope, and no reporting obligation.", url)
    covered = set(obligations.values_list("ai_system_id", flat=True))
    missing = [s.name for s in systems if s.pk not in covered]
    overdue = list(
        obligations.filter(next_due_date__lt=timezone.localdate())
        .order_by("next_due_date")
        .values_list("title", flat=True)
    )
    if systems and len(missing) == len(systems):
        return Derived("not_met", "No live AI system has a reporting obligation to its interested parties.", url)
    problems = []
    if missing:
        problems.append(f"live AI systems without a reporting obligation: {_names(missing)}")
    if overdue:
        problems.append(f"overdue: {_names(overdue)}")
    if problems:
        text = "; ".join(problems)
        return Derived("partial", text[:1].upper() + text[1:] + ".", url)
    count = obligations.count()
    plural = "obligation covers" if count == 1 else "obligations cover"
    return Derived("met", f"{count} reporting {plural} every live AI system; none is overdue.", url)


RULES: dict[str, Callable[[Organization], Derived]] = {"A.8.5": reporting_rule}
