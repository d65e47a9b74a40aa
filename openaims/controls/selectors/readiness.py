"""Readiness for a certification audit: every clause requirement (4-10), derived from records or assessed.

Rules come from every installed app's optional ``readiness.py`` (``RULES: dict[requirement id, fn(organization)]``,
each answering an object with ``status``, ``explanation`` and ``url_name``). A rule keyed by a clause (``7.5``)
decides each requirement beneath it that has no rule of its own. Where no rule decides, a person's
:class:`RequirementAssessment` does; a requirement nobody has assessed is not met.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.errors import NotFound
from openaims.controls.annex import annex_a_controls, clause_requirements, iso42001, top_clause
from openaims.controls.choices import ReadinessStatus
from openaims.controls.models import RequirementAssessment

logger = logging.getLogger(__name__)

#: Where a source of a status comes from, as the UI and the API name it.
DERIVED, ASSESSED, UNASSESSED = "derived", "assessed", "unassessed"
_SEVERITY = {ReadinessStatus.NOT_MET: 0, ReadinessStatus.PARTIAL: 1, ReadinessStatus.MET: 2}


@functools.cache
def collect_rules() -> dict[str, Callable]:
    """``{requirement or clause id: rule}`` from the ``readiness`` module of every installed app."""
    rules: dict[str, Callable] = {}
    owners: dict[str, str] = {}
    for config in apps.get_app_configs():
        name = f"{config.name}.readiness"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        for key, rule in getattr(module, "RULES", {}).items():
            if key in rules:
                raise ImproperlyConfigured(f"readiness rule {key!r} defined by both {owners[key]} and {name}")
            rules[key] = rule
            owners[key] = name
    return rules


def rule_for(requirement_id: str) -> tuple[str, Callable] | None:
    """``(key, rule)`` deciding a requirement: its own rule, else the nearest enclosing clause's, else None."""
    rules = collect_rules()
    framework = iso42001()
    for item_id in (requirement_id, *(a.id for a in framework.ancestors(requirement_id))):
        if item_id in rules:
            return item_id, rules[item_id]
    return None


@dataclass
class RequirementReadiness:
    """Where one clause requirement stands, why, and the page that fixes it."""

    requirement_id: str
    title: str
    clause_id: str
    clause_title: str
    status: str
    source: str
    explanation: str
    url: str
    assessment: RequirementAssessment | None = None
    rule_key: str = ""

    @property
    def status_label(self) -> str:
        return ReadinessStatus(self.status).label


@dataclass
class ClauseReadiness:
    """The requirements of one top-level clause (4 ... 10) and how ready they are."""

    clause_id: str
    title: str
    items: list[RequirementReadiness] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def met(self) -> int:
        return self.count(ReadinessStatus.MET)

    @property
    def partial(self) -> int:
        return self.count(ReadinessStatus.PARTIAL)

    @property
    def not_met(self) -> int:
        return self.count(ReadinessStatus.NOT_MET)

    @property
    def percent(self) -> int:
        return readiness_percent(self.items)


@dataclass
class ControlCheck:
    """An Annex A control whose working a rule reads off the records (e.g. A.8.4: incident notifications on time).

    Shown beside the clause requirements; the readiness percentage counts clause requirements only.
    """

    control_id: str
    title: str
    status: str
    explanation: str
    url: str

    @property
    def status_label(self) -> str:
        return ReadinessStatus(self.status).label


@dataclass
class ReadinessReport:
    """Every clause requirement, grouped by clause, the overall percentage and the blockers in order; and the
    Annex A controls that rules check from the records."""

    clauses: list[ClauseReadiness]
    controls: list[ControlCheck] = field(default_factory=list)

    @property
    def items(self) -> list[RequirementReadiness]:
        return [item for clause in self.clauses for item in clause.items]

    @property
    def percent(self) -> int:
        return readiness_percent(self.items)

    @property
    def blockers(self) -> list[RequirementReadiness]:
        """What stands between the organization and a certification audit: not met first, then partly met,
        each in the order of the standard."""
        items = self.items
        order = {item.requirement_id: n for n, item in enumerate(items)}
        return sorted(
            (item for item in items if item.status != ReadinessStatus.MET),
            key=lambda item: (_SEVERITY[item.status], order[item.requirement_id]),
        )


def readiness_percent(items: list[RequirementReadiness]) -> int:
    """Met counts fully, partly met half, not met nothing; rounded to a whole percent."""
    if not items:
        return 0
    score = sum(
        1.0 if i.status == ReadinessStatus.MET else 0.5 if i.status == ReadinessStatus.PARTIAL else 0 for i in items
    )
    return round(100 * score / len(items))


def _url(url_name: str, fallback: str) -> str:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return fallback


def _derive(rule: Callable, organization) -> tuple[str, str, str]:
    """``(status, explanation, url_name)`` of a rule; a failing rule is reported as not met, never hidden."""
    try:
        derived = rule(organization)
        status, explanation, url_name = derived.status, derived.explanation, derived.url_name
    except Exception as exc:  # noqa: BLE001 - one broken rule must not take the dashboard down
        logger.exception("readiness rule %r failed", rule)
        return ReadinessStatus.NOT_MET, f"The rule could not be evaluated ({exc.__class__.__name__}).", ""
    if status not in ReadinessStatus.values:
        return ReadinessStatus.NOT_MET, f"The rule answered an unknown status {status!r}.", url_name
    return status, explanation, url_name


def readiness_report(actor: Actor) -> ReadinessReport:
    """Evaluate every clause requirement for the actor's organization (each rule runs once)."""
    actor.require(Permission.VIEW)
    organization = actor.organization
    assessments = {
        a.requirement_id: a
        for a in RequirementAssessment.objects.filter(organization=organization)
        .select_related("set_by")
        .prefetch_related("evidence")
    }
    evaluated: dict[str, tuple[str, str, str]] = {}
    clauses: dict[str, ClauseReadiness] = {}
    for item in clause_requirements():
        clause = top_clause(item.id)
        own_url = reverse("readiness-requirement", args=[item.id])
        found = rule_for(item.id)
        assessment = assessments.get(item.id)
        if found is not None:
            key, rule = found
            if key not in evaluated:
                evaluated[key] = _derive(rule, organization)
            status, explanation, url_name = evaluated[key]
            row = RequirementReadiness(
                item.id,
                item.title,
                clause.id,
                clause.title,
                status,
                DERIVED,
                explanation,
                _url(url_name, own_url),
                rule_key=key,
            )
        elif assessment is not None:
            explanation = assessment.notes or f"Assessed by {assessment.set_by_label}."
            row = RequirementReadiness(
                item.id,
                item.title,
                clause.id,
                clause.title,
                assessment.status,
                ASSESSED,
                explanation,
                own_url,
                assessment=assessment,
            )
        else:
            row = RequirementReadiness(
                item.id,
                item.title,
                clause.id,
                clause.title,
                ReadinessStatus.NOT_MET,
                UNASSESSED,
                "Nobody has assessed this requirement yet: assess it and link its evidence.",
                own_url,
            )
        clauses.setdefault(clause.id, ClauseReadiness(clause.id, clause.title)).items.append(row)
    return ReadinessReport(list(clauses.values()), _control_checks(organization))


def _control_checks(organization) -> list[ControlCheck]:
    """The Annex A controls with a rule, in the order of the standard."""
    rules = collect_rules()
    checks = []
    for control in annex_a_controls():
        if control.id not in rules:
            continue
        status, explanation, url_name = _derive(rules[control.id], organization)
        checks.append(ControlCheck(control.id, control.title, status, explanation, _url(url_name, "")))
    return checks


def requirement_readiness(actor: Actor, requirement_id: str) -> RequirementReadiness:
    """One clause requirement of the report, or NotFound for an id that is not a clause requirement."""
    if requirement_id not in {item.id for item in clause_requirements()}:
        actor.require(Permission.VIEW)
        raise NotFound(f"No clause requirement {requirement_id!r}.")
    for item in readiness_report(actor).items:
        if item.requirement_id == requirement_id:
            return item
    raise NotFound(f"No clause requirement {requirement_id!r}.")  # pragma: no cover - every id is in the report
