"""Clause requirements that the controls records decide: ``RULES[requirement id](organization) -> Derived``.

The readiness engine (``openaims.controls.selectors.readiness``) collects ``RULES`` from every installed app's
``readiness.py``; it accepts any object with ``status``, ``explanation`` and ``url_name``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from openaims.accounts.models import Organization
from openaims.controls.annex import annex_a_controls
from openaims.controls.models import SoAEntry, SoAVersion
from openaims.controls.services.soa import justification_problem

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


def soa_rule(organization: Organization) -> Derived:
    """6.1.3: an approved SoA version that justifies every Annex A control (partial: entries, no version yet)."""
    entries = SoAEntry.objects.filter(organization=organization)
    if not entries.exists():
        return Derived("not_met", "The Statement of Applicability has not been started.", "soa")
    latest = SoAVersion.objects.filter(organization=organization).order_by("-number").first()
    unjustified = [e.control_id for e in entries if justification_problem(e.applicable, e.justification)]
    if latest is None:
        gap = f" {len(unjustified)} controls still lack a justification." if unjustified else ""
        return Derived("partial", "No approved version of the Statement of Applicability." + gap, "soa")
    rows = {row["control_id"]: row for row in latest.entries}
    missing = [item.id for item in annex_a_controls() if item.id not in rows]
    frozen_gaps = [cid for cid, row in rows.items() if justification_problem(row["applicable"], row["justification"])]
    if missing or frozen_gaps:
        return Derived(
            "partial",
            f"{latest} does not justify every Annex A control ({', '.join((missing + frozen_gaps)[:5])}).",
            "soa",
        )
    return Derived(
        "met",
        f"{latest} approved by {latest.approved_by_name} on {latest.approved_on:%Y-%m-%d} justifies all "
        f"{len(rows)} controls.",
        "soa-versions",
    )


RULES: dict[str, Callable[[Organization], Derived]] = {"6.1.3": soa_rule}
