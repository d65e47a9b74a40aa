"""Reads of the risk register, shared by UI, API, CLI, the SoA flag and the readiness rules."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from openaims.accounts.models import Organization
from openaims.base.context import Actor
from openaims.base.prefetch import ids_only
from openaims.base.selectors import filter_getter, scoped
from openaims.risk.choices import LEVEL_RANK, OPEN_STATUSES, RiskLevel, RiskStatus, TreatmentOption
from openaims.risk.models import Risk, RiskAction, RiskCriteria

#: Levels at or above which an excluded control that treats the risk is flagged.
CONFLICT_LEVELS = (RiskLevel.HIGH, RiskLevel.CRITICAL)
#: Statuses in which a risk is reviewed on a date (closed risks are not).
REVIEWED_STATUSES = (*OPEN_STATUSES, RiskStatus.ACCEPTED)


def criteria_for(organization: Organization) -> RiskCriteria:
    """The organization's risk criteria; the unsaved default (5×5, threshold medium) until it sets its own."""
    return RiskCriteria.objects.filter(organization=organization).first() or RiskCriteria(organization=organization)


def level_q(level: str, field: str = "level") -> Q:
    """Risks whose ``field`` (``level``: residual if rated, else inherent) is ``level``."""
    if field != "level":
        return Q(**{field: level})
    return Q(residual_level=level) | Q(residual_level="", inherent_level=level)


def levels_above_q(threshold: str) -> Q:
    """Risks whose current level is worse than ``threshold``."""
    condition = Q(pk__in=[])
    for level, rank in LEVEL_RANK.items():
        if level and rank > LEVEL_RANK[threshold]:
            condition |= level_q(level)
    return condition


def overdue_q() -> Q:
    return Q(status__in=REVIEWED_STATUSES, review_date__lt=timezone.localdate())


def untreated_q() -> Q:
    """Open risks with no treatment decided: no option, or 'modify'/'share' with no control and no action."""
    no_means = Q(n_controls=0, n_actions=0, treatment_option__in=[TreatmentOption.MODIFY, TreatmentOption.SHARE])
    return Q(status__in=OPEN_STATUSES) & (Q(treatment_option="") | no_means)


def with_counts(qs: QuerySet[Risk]) -> QuerySet[Risk]:
    return qs.annotate(
        n_controls=Count("controls", distinct=True),
        n_actions=Count("actions", distinct=True),
    )


def with_threshold(qs: QuerySet[Risk]) -> QuerySet[Risk]:
    """Each risk with ``criteria_threshold``: its organization's acceptance threshold (None: the default)."""
    threshold = RiskCriteria.objects.filter(organization=OuterRef("organization")).values("acceptance_threshold")
    return qs.annotate(criteria_threshold=Subquery(threshold[:1]))


def risks(actor: Actor) -> QuerySet[Risk]:
    return scoped(Risk, actor).select_related("owner").prefetch_related("ai_systems", "controls", "evidence")


def api_risks(qs: QuerySet[Risk]) -> QuerySet[Risk]:
    """Risks as the API answers them: related records by id only."""
    return with_threshold(qs.prefetch_related(*ids_only(Risk, "ai_systems", "controls", "evidence")))


def filter_risks(qs: QuerySet[Risk], filters) -> QuerySet[Risk]:
    """Search and filters; the same names in UI, API and CLI."""
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        condition = Q()
        for name in ("title", "description", "risk_source", "consequences"):
            condition |= Q(**{f"{name}__icontains": q})
        qs = qs.filter(condition)
    for name in ("status", "owner_id", "treatment_option"):
        if (value := get(name)) not in (None, ""):
            qs = qs.filter(**{name: value})
    if ai_system_id := get("ai_system_id"):
        qs = qs.filter(pk__in=Risk.ai_systems.through.objects.filter(aisystem_id=ai_system_id).values("risk_id"))
    for name in ("level", "inherent_level", "residual_level"):
        if value := get(name):
            qs = qs.filter(level_q(value, name))
    if (lik := get("likelihood")) is not None and lik != "":
        qs = qs.filter(likelihood=lik)
    if (con := get("consequence")) is not None and con != "":
        qs = qs.filter(consequence=con)
    if (lik := get("residual_likelihood")) is not None and lik != "":
        qs = qs.filter(residual_likelihood=lik)
    if (con := get("residual_consequence")) is not None and con != "":
        qs = qs.filter(residual_consequence=con)
    overdue = get("overdue")
    if overdue is True:
        qs = qs.filter(overdue_q())
    elif overdue is False:
        qs = qs.exclude(overdue_q())
    untreated = get("untreated")
    if untreated is not None:
        ids = with_counts(Risk.objects.filter(organization_id__in=qs.values("organization_id"))).filter(untreated_q())
        qs = qs.filter(pk__in=ids.values("pk")) if untreated else qs.exclude(pk__in=ids.values("pk"))
    return qs


def risk_actions(actor: Actor) -> QuerySet[RiskAction]:
    return scoped(RiskAction, actor).select_related("risk", "owner")


def filter_risk_actions(qs: QuerySet[RiskAction], filters) -> QuerySet[RiskAction]:
    get = filter_getter(filters)
    if q := (get("q") or "").strip():
        qs = qs.filter(Q(description__icontains=q) | Q(risk__title__icontains=q))
    for name in ("status", "owner_id", "risk_id"):
        if (value := get(name)) not in (None, ""):
            qs = qs.filter(**{name: value})
    overdue = get("overdue")
    condition = Q(status="open", due_date__lt=timezone.localdate())
    if overdue is True:
        qs = qs.filter(condition)
    elif overdue is False:
        qs = qs.exclude(condition)
    return qs


# --- Heat map, SoA conflicts -----------------------------------------------------------------------------


def heat_counts(qs: QuerySet[Risk], residual: bool = False) -> Counter:
    """``{(likelihood, consequence): number of risks}`` of the inherent (or residual) ratings, closed risks left out."""
    lik, con = ("residual_likelihood", "residual_consequence") if residual else ("likelihood", "consequence")
    rows = (
        qs.exclude(status=RiskStatus.CLOSED)
        .filter(**{f"{lik}__isnull": False})
        .order_by()
        .values(lik, con)
        .annotate(n=Count("pk", distinct=True))
    )
    return Counter({(row[lik], row[con]): row["n"] for row in rows})


def _conflicting_risks(organization: Organization) -> QuerySet[Risk]:
    return Risk.objects.filter(
        organization=organization, inherent_level__in=CONFLICT_LEVELS, controls__applicable=False
    ).exclude(status=RiskStatus.CLOSED)


def soa_conflicts(actor: Actor) -> dict:
    """``{SoA entry id: [risks]}``: controls excluded in the SoA while they treat a high or critical risk."""
    result: dict = {}
    through = Risk.controls.through.objects.filter(
        risk__in=_conflicting_risks(actor.organization), soaentry__applicable=False
    ).select_related("risk")
    for link in through.order_by("risk__title"):
        result.setdefault(link.soaentry_id, []).append(link.risk)
    return result


def soa_conflict_rows(actor: Actor) -> list[tuple]:
    """``[(SoA entry, [risks]), ...]`` of :func:`soa_conflicts`, in SoA order."""
    from openaims.controls.models import SoAEntry

    conflicts = soa_conflicts(actor)
    entries = SoAEntry.objects.filter(organization=actor.organization, pk__in=conflicts)
    return [(entry, conflicts[entry.pk]) for entry in entries]


def excluded_controls(risk: Risk) -> list:
    """The controls treating ``risk`` that the SoA excludes, when the risk is high or critical (else none)."""
    if risk.inherent_level not in CONFLICT_LEVELS or risk.status == RiskStatus.CLOSED:
        return []
    return list(risk.controls.filter(applicable=False))


def register_summary(actor: Actor) -> dict:
    """Counts for the register's header: open, above threshold, overdue for review, without treatment."""
    qs = scoped(Risk, actor)
    criteria = criteria_for(actor.organization)
    open_risks = qs.filter(status__in=OPEN_STATUSES)
    return {
        "total": qs.count(),
        "open": open_risks.count(),
        "above_threshold": open_risks.filter(levels_above_q(criteria.acceptance_threshold)).count(),
        "overdue": qs.filter(overdue_q()).count(),
        "untreated": with_counts(qs).filter(untreated_q()).count(),
        "conflicts": len(soa_conflicts(actor)),
    }
