"""The AI system card: everything a reader needs to understand a system, assembled from the records.

Nothing on a card is typed twice: purpose, roles, data, models and oversight come from the inventory, results from
the latest metric run of each fairness and performance monitor, risks from the risk register, the tier from the
current EU AI Act classification; only limitations, foreseeable misuse and the contact live on
:class:`~openaims.oversight.transparency.models.CardSettings`.

>>> card = build_card(ai_system)  # doctest: +SKIP
>>> public = card.restricted(["purpose", "results"])  # every other section emptied  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from openaims.inventory.choices import AIRole, AutomationLevel, HumanOversight, ModelVersionStatus
from openaims.inventory.models import AISystem
from openaims.inventory.selectors import current_classification
from openaims.monitoring.choices import MonitorKind, RunStatus
from openaims.monitoring.models import MetricRun
from openaims.oversight.transparency.choices import CARD_SECTIONS, CardSection
from openaims.oversight.transparency.models import CardSettings
from openaims.risk.choices import LEVEL_RANK, RiskLevel, RiskStatus, TreatmentOption

#: Rates shown for every run besides the thresholds' metrics (each has a Wilson interval).
KEY_RATES = ("accuracy", "selection_rate")
#: Per-group rate a fairness result shows: the one demographic parity compares.
GROUP_RATE = "selection_rate"
#: Risks on a card: the open and accepted ones, the highest levels first.
MAX_RISKS = 5
_VERSION_ORDER = {
    ModelVersionStatus.DEPLOYED: 0,
    ModelVersionStatus.VALIDATED: 1,
    ModelVersionStatus.CANDIDATE: 2,
    ModelVersionStatus.RETIRED: 3,
}


@dataclass(frozen=True)
class DatasetEntry:
    name: str
    source: str
    provenance: str
    licence: str
    contains_personal_data: bool


@dataclass(frozen=True)
class ModelVersionEntry:
    version: str
    status: str
    status_label: str
    released_on: dt.date | None
    source: str
    metrics_summary: str


@dataclass(frozen=True)
class MetricResult:
    """One measured value; ``interval`` is its 95% Wilson interval when it is a rate."""

    metric: str
    group: str
    value: float | None
    interval: tuple[float, float] | None = None
    threshold: str = ""  # e.g. ">= 0.8" when a threshold checks it
    passed: bool | None = None
    count: int | None = None

    @property
    def value_text(self) -> str:
        return "—" if self.value is None else f"{self.value:.3f}"

    @property
    def interval_text(self) -> str:
        return "" if self.interval is None else f"[{self.interval[0]:.3f}, {self.interval[1]:.3f}]"

    @property
    def verdict(self) -> str:
        return {True: "passed", False: "breached", None: ""}[self.passed]


@dataclass(frozen=True)
class MonitorResult:
    """The latest completed run of one fairness or performance monitor."""

    monitor: str
    kind: str
    window_start: dt.datetime
    window_end: dt.datetime
    measured_at: dt.datetime
    rows: int
    passed: bool
    metrics: list[MetricResult] = field(default_factory=list)
    groups: list[MetricResult] = field(default_factory=list)


@dataclass(frozen=True)
class RiskEntry:
    title: str
    level: str
    level_label: str
    status_label: str
    treatment_option: str
    treatment_plan: str
    controls: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TierEntry:
    """The current EU AI Act classification; ``tier`` is empty when it is stale (the purpose changed since)."""

    tier: str
    tier_label: str
    basis: str
    classified_on: dt.datetime
    stale: bool


@dataclass(frozen=True)
class SystemCard:
    """An AI system card. ``sections`` lists the sections it holds; :meth:`restricted` drops the others' data."""

    system_id: str
    name: str
    organization: str
    lifecycle_stage: str
    generated_at: dt.datetime
    sections: tuple[str, ...] = CARD_SECTIONS
    purpose: str = ""
    intended_use: str = ""
    limitations: str = ""
    foreseeable_misuse: str = ""
    ai_roles: list[str] = field(default_factory=list)
    datasets: list[DatasetEntry] = field(default_factory=list)
    model_versions: list[ModelVersionEntry] = field(default_factory=list)
    results: list[MonitorResult] = field(default_factory=list)
    human_oversight: str = ""
    automation_level: str = ""
    #: Further oversight arrangements in words (e.g. the review routing rules of the human review queue).
    oversight: list[str] = field(default_factory=list)
    risks: list[RiskEntry] = field(default_factory=list)
    eu_ai_act: TierEntry | None = None
    contact: str = ""

    def has(self, section: str) -> bool:
        return section in self.sections

    def restricted(self, sections: Iterable[str]) -> SystemCard:
        """A copy holding only ``sections`` (in the card's order); every other section's fields are emptied,
        so a template that forgets a check still cannot show them."""
        keep = [s for s in CARD_SECTIONS if s in set(sections) and s in self.sections]
        empty = {
            name: _EMPTY[name] for section, names in SECTION_FIELDS.items() if section not in keep for name in names
        }
        return dataclasses.replace(self, sections=tuple(keep), **{k: v() for k, v in empty.items()})

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


#: The card fields each section holds.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    CardSection.PURPOSE: ("purpose", "intended_use"),
    CardSection.LIMITATIONS: ("limitations", "foreseeable_misuse"),
    CardSection.AI_ROLES: ("ai_roles",),
    CardSection.DATA: ("datasets",),
    CardSection.MODELS: ("model_versions",),
    CardSection.RESULTS: ("results",),
    CardSection.OVERSIGHT: ("human_oversight", "automation_level", "oversight"),
    CardSection.RISKS: ("risks",),
    CardSection.EU_AI_ACT: ("eu_ai_act",),
    CardSection.CONTACT: ("contact",),
}
_EMPTY = {
    **{name: str for name in ("purpose", "intended_use", "limitations", "foreseeable_misuse", "contact")},
    **{name: str for name in ("human_oversight", "automation_level")},
    **{name: list for name in ("ai_roles", "datasets", "model_versions", "results", "oversight", "risks")},
    "eu_ai_act": lambda: None,
}


def oversight_arrangements(ai_system: AISystem) -> list[str]:
    """Oversight arrangements beyond the inventory's mode and automation level, one sentence each: the review queue's
    routing rules, service level, blind review and recent override rate."""
    from openaims.oversight.reviews.selectors import oversight_arrangements as review_arrangements

    return review_arrangements(ai_system)


def _interval(value) -> tuple[float, float] | None:
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int | float) for v in value):
        return (float(value[0]), float(value[1]))
    return None


def _monitor_result(run: MetricRun) -> MonitorResult:
    """Key metrics of a run: each threshold check, the overall key rates, and (fairness) the rate per group."""
    results = run.results or {}
    overall = results.get("overall") or {}
    metrics = []
    seen = set()
    for check in run.checks or []:
        metrics.append(
            MetricResult(
                metric=check.get("metric", ""),
                group=check.get("group", "overall"),
                value=check.get("value"),
                interval=_interval(check.get("interval")),
                threshold=f"{check.get('operator', '')} {check.get('threshold', '')}".strip(),
                passed=check.get("passed"),
            )
        )
        seen.add((check.get("metric"), check.get("group", "overall")))
    for name in KEY_RATES:
        if (name, "overall") not in seen and overall.get(name) is not None:
            interval = _interval((overall.get("ci") or {}).get(name))
            metrics.append(MetricResult(name, "overall", overall[name], interval, count=overall.get("count")))
    groups = []
    if run.monitor.kind == MonitorKind.FAIRNESS:
        for group, values in sorted((results.get("by_group") or {}).items()):
            if values.get("small_group"):
                continue  # too few rows to compare; shown on the monitoring pages, not on a card
            interval = _interval((values.get("ci") or {}).get(GROUP_RATE))
            groups.append(MetricResult(GROUP_RATE, group, values.get(GROUP_RATE), interval, count=values.get("count")))
    return MonitorResult(
        monitor=run.monitor.name,
        kind=run.monitor.get_kind_display(),
        window_start=run.window_start,
        window_end=run.window_end,
        measured_at=run.finished_at,
        rows=run.rows,
        passed=run.passed,
        metrics=metrics,
        groups=groups,
    )


def latest_results(ai_system: AISystem) -> list[MonitorResult]:
    """The latest completed run (errors left out) of each active fairness and performance monitor of the system."""
    runs = (
        MetricRun.objects.filter(
            organization_id=ai_system.organization_id,
            monitor__ai_system=ai_system,
            monitor__active=True,
            monitor__kind__in=[MonitorKind.FAIRNESS, MonitorKind.PERFORMANCE],
        )
        .exclude(status=RunStatus.ERROR)
        .select_related("monitor")
        .order_by("monitor__name", "monitor_id", "-window_start", "-started_at")
    )
    latest: dict = {}
    for run in runs:
        latest.setdefault(run.monitor_id, run)
    return [_monitor_result(run) for run in latest.values()]


def main_risks(ai_system: AISystem) -> list[RiskEntry]:
    """The system's open and accepted risks, highest level first, with their treatment."""
    risks = list(
        ai_system.risks.filter(organization_id=ai_system.organization_id)
        .exclude(status=RiskStatus.CLOSED)
        .prefetch_related("controls")
    )
    risks.sort(key=lambda r: (-LEVEL_RANK.get(r.level, -1), r.title))
    return [
        RiskEntry(
            title=risk.title,
            level=risk.level,
            level_label=RiskLevel(risk.level).label if risk.level else "Not rated",
            status_label=risk.get_status_display(),
            treatment_option=TreatmentOption(risk.treatment_option).label if risk.treatment_option else "",
            treatment_plan=risk.treatment_plan,
            controls=sorted(str(control) for control in risk.controls.all()),
        )
        for risk in risks[:MAX_RISKS]
    ]


def _tier(ai_system: AISystem) -> TierEntry | None:
    current = current_classification(ai_system)
    if current is None:
        return None
    if current.stale:  # a stale tier is not the system's tier any more: say so rather than show it
        return TierEntry("", "Being reclassified (the purpose changed)", "", current.classified_on, True)
    return TierEntry(current.tier, current.get_tier_display(), current.basis, current.classified_on, False)


def build_card(ai_system: AISystem) -> SystemCard:
    """The full card of ``ai_system`` as of now, from its records."""
    settings = CardSettings.objects.filter(ai_system=ai_system, organization_id=ai_system.organization_id).first()
    versions = sorted(
        ai_system.model_versions.all(),
        key=lambda v: (_VERSION_ORDER.get(v.status, 9), -(v.released_on or dt.date.min).toordinal(), v.version),
    )
    return SystemCard(
        system_id=str(ai_system.pk),
        name=ai_system.name,
        organization=ai_system.organization.name,
        lifecycle_stage=ai_system.get_lifecycle_stage_display(),
        generated_at=timezone.now(),
        purpose=ai_system.purpose,
        intended_use=ai_system.intended_use,
        limitations=settings.limitations if settings else "",
        foreseeable_misuse=settings.foreseeable_misuse if settings else "",
        ai_roles=[AIRole(r).label if r in AIRole.values else r for r in ai_system.ai_roles or []],
        datasets=[
            DatasetEntry(d.name, d.source, d.provenance, d.licence, d.contains_personal_data)
            for d in ai_system.datasets.order_by("name")
        ],
        model_versions=[
            ModelVersionEntry(v.version, v.status, v.get_status_display(), v.released_on, v.source, v.metrics_summary)
            for v in versions
        ],
        results=latest_results(ai_system),
        human_oversight=HumanOversight(ai_system.human_oversight).label,
        automation_level=AutomationLevel(ai_system.automation_level).label,
        oversight=oversight_arrangements(ai_system),
        risks=main_risks(ai_system),
        eu_ai_act=_tier(ai_system),
        contact=settings.contact if settings else "",
    )
