"""Reads of the Statement of Applicability, shared by UI, API, CLI and exports."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from openaims.base.context import Actor
from openaims.base.selectors import scoped
from openaims.controls.annex import annex_a_groups, group_title
from openaims.controls.choices import ImplementationStatus
from openaims.controls.models import SoAEntry, SoAVersion
from openaims.controls.snapshots import SnapshotDiff, build_snapshot, diff_snapshots


def soa_entries(actor: Actor) -> QuerySet[SoAEntry]:
    """The organization's SoA entries in Annex A order, then its own, with what pages and exports show."""
    return (
        scoped(SoAEntry, actor)
        .select_related("owner")
        .prefetch_related("evidence", "ai_systems")
        .order_by("position", "control_id", "id")
    )


def filter_soa_entries(qs: QuerySet[SoAEntry], filters) -> QuerySet[SoAEntry]:
    """Apply the filters that the SoA page, the API and the CLI share."""
    get = filters.get if isinstance(filters, dict) else lambda name: getattr(filters, name, None)
    if q := (get("q") or "").strip():
        qs = qs.filter(
            Q(control_id__icontains=q) | Q(title__icontains=q) | Q(justification__icontains=q) | Q(notes__icontains=q)
        )
    if (group := get("group_id")) is not None and group != "":
        qs = qs.filter(group_id="" if group == "custom" else group)
    if get("applicable") is not None:
        qs = qs.filter(applicable=get("applicable"))
    if status := get("implementation_status"):
        qs = qs.filter(implementation_status=status)
    if owner_id := get("owner_id"):
        qs = qs.filter(owner_id=owner_id)
    if get("custom") is not None:
        qs = qs.filter(custom=get("custom"))
    if get("justified") is not None:
        blank = Q(justification="") | Q(justification__regex=r"^\s*$")
        qs = qs.exclude(blank) if get("justified") else qs.filter(blank)
    return qs


@dataclass
class SoAGroup:
    """The entries of one Annex A group (or of the organization's own controls) on the SoA page."""

    group_id: str
    title: str
    entries: list[SoAEntry] = field(default_factory=list)


def group_entries(entries) -> list[SoAGroup]:
    """Entries grouped by Annex A group in the standard's order, the organization's own controls last."""
    groups = {gid: SoAGroup(gid, title) for gid, title in annex_a_groups().items()}
    custom = SoAGroup("", group_title(""))
    for entry in entries:
        (groups.get(entry.group_id) or custom).entries.append(entry)
    return [g for g in [*groups.values(), custom] if g.entries]


def soa_counts(entries) -> dict[str, int]:
    """Headline numbers of a set of entries: total, applicable, excluded, unjustified, per status."""
    entries = list(entries)
    counts = {
        "total": len(entries),
        "applicable": sum(1 for e in entries if e.applicable),
        "excluded": sum(1 for e in entries if not e.applicable),
        "unjustified": sum(1 for e in entries if not e.justification.strip()),
    }
    for status in ImplementationStatus:
        counts[status.value] = sum(1 for e in entries if e.applicable and e.implementation_status == status)
    return counts


def soa_versions(actor: Actor) -> QuerySet[SoAVersion]:
    return scoped(SoAVersion, actor).select_related("approved_by").order_by("-number")


def previous_version(version: SoAVersion) -> SoAVersion | None:
    return (
        SoAVersion.objects.filter(organization_id=version.organization_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )


def version_diff(version: SoAVersion) -> SnapshotDiff:
    """What changed in ``version`` against the version before it (everything is new in v1)."""
    previous = previous_version(version)
    return diff_snapshots(previous.snapshot if previous else None, version.snapshot)


def draft_diff(actor: Actor) -> tuple[SoAVersion | None, SnapshotDiff]:
    """The latest version and what the current entries change against it (not yet issued)."""
    latest = soa_versions(actor).first()
    if latest is None:
        return None, SnapshotDiff()
    return latest, diff_snapshots(latest.snapshot, build_snapshot(soa_entries(actor)))


def version_by_number(actor: Actor, number: int) -> SoAVersion:
    """Version ``number`` of the actor's organization, or NotFound."""
    from openaims.base.errors import NotFound

    version = soa_versions(actor).filter(number=number).first()
    if version is None:
        raise NotFound(f"No SoA version {number}.")
    return version
