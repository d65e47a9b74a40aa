"""Coverage, "implement once, comply many": which requirements of another framework the organization reaches
through the ISO/IEC 42001 controls and clause requirements mapped to them, and how far those are implemented.

Each mapping keeps its basis (published, derived, judgement) and source, so a reader sees how much to trust
it; a basis filter leaves out, e.g., derived pairs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.urls import reverse

from openaims.base.context import Actor
from openaims.base.errors import NotFound
from openaims.catalog import BASES, Crosswalk, Framework, builtin_crosswalks, get_framework
from openaims.controls.annex import ISO42001, iso42001
from openaims.controls.choices import CoverageStatus, ImplementationStatus, ReadinessStatus
from openaims.controls.selectors.readiness import readiness_report
from openaims.controls.selectors.soa import soa_entries

#: How far one mapped ISO/IEC 42001 item is: done, some progress, none, or excluded from the SoA.
DONE, SOME, NONE, EXCLUDED = "done", "some", "none", "excluded"


@dataclass
class MappedItem:
    """One ISO/IEC 42001 item a requirement is mapped to, how the pair is known, and its status here."""

    iso_id: str
    iso_title: str
    iso_kind: str
    relation: str
    basis: str
    source: str
    source_title: str
    source_url: str
    locator: str
    note: str
    status: str
    status_label: str
    progress: str
    url: str


@dataclass
class CoverageRow:
    """One requirement of the chosen framework and the ISO/IEC 42001 items that reach it."""

    requirement_id: str
    title: str
    kind: str
    mappings: list[MappedItem] = field(default_factory=list)
    status: str = CoverageStatus.UNREACHED

    @property
    def status_label(self) -> str:
        return CoverageStatus(self.status).label


@dataclass
class CoverageReport:
    """Coverage of one framework: a row per requirement and the summary numbers."""

    framework: Framework
    crosswalk: Crosswalk
    basis: tuple[str, ...]
    rows: list[CoverageRow]

    @property
    def summary(self) -> dict[str, int]:
        counts = {status.value: 0 for status in CoverageStatus}
        for row in self.rows:
            counts[row.status] += 1
        total = len(self.rows)
        reached = total - counts[CoverageStatus.UNREACHED]
        return {
            "total": total,
            "reached": reached,
            **counts,
            "reached_percent": round(100 * reached / total) if total else 0,
            "implemented_percent": round(100 * counts[CoverageStatus.IMPLEMENTED] / total) if total else 0,
        }


def coverage_frameworks() -> list[Framework]:
    """The frameworks that a built-in crosswalk joins to ISO/IEC 42001."""
    return [get_framework(cw.target_framework) for cw in builtin_crosswalks() if cw.source_framework == ISO42001]


def _crosswalk(framework_id: str) -> Crosswalk:
    for crosswalk in builtin_crosswalks():
        if crosswalk.source_framework == ISO42001 and crosswalk.target_framework == framework_id:
            return crosswalk
    known = ", ".join(f.id for f in coverage_frameworks())
    raise NotFound(f"No crosswalk from ISO/IEC 42001 to {framework_id!r} (known: {known}).")


def check_basis(basis: Iterable[str] | None) -> tuple[str, ...]:
    """The bases to keep (all when none given); an unknown one is refused with the field named."""
    chosen = tuple(b for b in (basis or ()) if b)
    unknown = [b for b in chosen if b not in BASES]
    if unknown:
        raise ValidationError({"basis": [f"Unknown basis {', '.join(unknown)} (use {', '.join(BASES)})."]})
    return chosen or BASES


def _row_status(mappings: list[MappedItem]) -> str:
    if not mappings:
        return CoverageStatus.UNREACHED
    counted = [m.progress for m in mappings if m.progress != EXCLUDED]
    if counted and all(p == DONE for p in counted):
        return CoverageStatus.IMPLEMENTED
    if any(p in (DONE, SOME) for p in counted):
        return CoverageStatus.PARTIAL
    return CoverageStatus.NOT_STARTED


class _IsoStatus:
    """The organization's status of each ISO/IEC 42001 control (SoA) and clause requirement (readiness)."""

    def __init__(self, actor: Actor) -> None:
        self.entries = {e.control_id: e for e in soa_entries(actor)}
        self.requirements = {item.requirement_id: item for item in readiness_report(actor).items}

    def of(self, item_id: str, kind: str) -> tuple[str, str, str, str]:
        """``(status, label, progress, url)`` of one item."""
        if kind == "control":
            entry = self.entries.get(item_id)
            if entry is None:
                status = ImplementationStatus.NOT_STARTED
                return status, status.label, NONE, reverse("soa")
            url = reverse("soa-entries-detail", args=[entry.pk])
            if not entry.applicable:
                return "excluded", "Excluded", EXCLUDED, url
            status = ImplementationStatus(entry.implementation_status)
            progress = {ImplementationStatus.IMPLEMENTED: DONE, ImplementationStatus.PARTIAL: SOME}.get(status, NONE)
            return status.value, status.label, progress, url
        requirement = self.requirements.get(item_id)
        if requirement is None:  # an item of another kind (objective, group): no status of its own
            return "", "—", NONE, ""
        progress = {ReadinessStatus.MET: DONE, ReadinessStatus.PARTIAL: SOME}.get(requirement.status, NONE)
        return requirement.status, requirement.status_label, progress, requirement.url


def coverage_report(
    actor: Actor, framework_id: str, basis: Iterable[str] | None = None, *, iso_status: _IsoStatus | None = None
) -> CoverageReport:
    """Coverage of ``framework_id`` for the actor's organization, keeping only mappings of ``basis``.

    A guest auditor whose invitation names frameworks sees only those: another one answers as unknown."""
    if not actor.in_framework_scope(framework_id):
        raise NotFound(f"No crosswalk from ISO/IEC 42001 to {framework_id!r}.")
    chosen = check_basis(basis)
    crosswalk = _crosswalk(framework_id)
    framework = get_framework(framework_id)
    iso = iso42001()
    status = iso_status or _IsoStatus(actor)
    by_target: dict[str, list[MappedItem]] = {}
    for mapping in crosswalk.mappings:
        if mapping.basis not in chosen:
            continue
        item = iso.get(mapping.source_id)
        source = crosswalk.sources.get(mapping.source)
        value, label, progress, url = status.of(item.id, item.kind)
        by_target.setdefault(mapping.target_id, []).append(
            MappedItem(
                iso_id=item.id,
                iso_title=item.title,
                iso_kind=item.kind,
                relation=mapping.relation,
                basis=mapping.basis,
                source=mapping.source,
                source_title=source.title if source else mapping.source,
                source_url=source.url if source else "",
                locator=mapping.locator,
                note=mapping.note,
                status=value,
                status_label=label,
                progress=progress,
                url=url,
            )
        )
    rows = []
    for item in framework:
        if framework.children(item.id):
            continue  # requirements are the leaves; chapters, functions and groups only hold them
        mapped = by_target.get(item.id, [])
        rows.append(CoverageRow(item.id, item.title, item.kind, mapped, _row_status(mapped)))
    return CoverageReport(framework=framework, crosswalk=crosswalk, basis=chosen, rows=rows)


def coverage_summaries(actor: Actor, basis: Iterable[str] | None = None) -> list[CoverageReport]:
    """Coverage of every framework with a crosswalk, sharing one read of the organization's statuses."""
    chosen = check_basis(basis)
    status = _IsoStatus(actor)
    frameworks = [f for f in coverage_frameworks() if actor.in_framework_scope(f.id)]
    return [coverage_report(actor, f.id, chosen, iso_status=status) for f in frameworks]
