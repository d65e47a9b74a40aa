"""What a classification returns: the tier, its legal basis, the obligations per role and the rationale."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from openaims.classify._questions import Obligation
from openaims.classify._refs import LegalRef

__all__ = ["TIER_LABELS", "Basis", "Classification", "Tier"]


class Tier(StrEnum):
    """The risk tier of the EU AI Act that decides which rules apply."""

    PROHIBITED = "prohibited"
    HIGH_RISK = "high_risk"
    LIMITED_RISK = "limited_risk"
    MINIMAL = "minimal"
    GPAI_MODEL = "gpai_model"
    OUT_OF_SCOPE = "out_of_scope"

    @property
    def label(self) -> str:
        return TIER_LABELS[self]


TIER_LABELS = {
    Tier.PROHIBITED: "Prohibited practice",
    Tier.HIGH_RISK: "High-risk AI system",
    Tier.LIMITED_RISK: "Limited risk (transparency obligations)",
    Tier.MINIMAL: "Minimal risk",
    Tier.GPAI_MODEL: "General-purpose AI model",
    Tier.OUT_OF_SCOPE: "Outside the scope of the AI Act",
}


@dataclass(frozen=True)
class Basis:
    """Why a rule applies: the provisions and a short reason.

    ``kind`` is ``tier`` (decides the tier), ``transparency`` (an Art. 50 duty on top of the tier),
    ``derogation`` (an Art. 6(3) exception that keeps an Annex III system out of high risk),
    ``exclusion`` (an Art. 2 or Art. 3(1) reason the Act does not apply) or ``systemic_risk`` (Art. 51).
    """

    refs: tuple[LegalRef, ...]
    reason: str
    kind: str = "tier"

    @property
    def citation(self) -> str:
        return " + ".join(r.citation for r in self.refs)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "citation": self.citation,
            "references": [r.to_dict() for r in self.refs],
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Classification:
    """The outcome of :func:`openaims.classify.classify`.

    Attributes
    ----------
    tier
        The primary tier. A high-risk system with Art. 50 duties stays ``high_risk``; its Art. 50 cases are in
        ``transparency`` and their duties in ``obligations``.
    basis
        The provisions that decide the tier (and exclusions, derogations, systemic risk), primary first.
    transparency
        The Art. 50 cases that apply, whatever the tier.
    obligations
        The duties of the organization for each of its roles, in the order of the Regulation.
    rationale
        Sentences built from the answers that led to the result.
    notes
        Caveats a reader should check (duties of other roles, exemptions used, answers ignored).
    """

    tier: Tier
    roles: tuple[str, ...]
    basis: tuple[Basis, ...]
    transparency: tuple[Basis, ...] = ()
    obligations: tuple[Obligation, ...] = ()
    rationale: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    systemic_risk: bool = False
    art_6_3_derogation: bool = False
    questionnaire_version: str = ""
    subject: str = "ai_system"

    @property
    def tier_label(self) -> str:
        return self.tier.label

    @property
    def citation(self) -> str:
        """The primary legal basis written out (the first basis of kind ``tier`` or ``exclusion``)."""
        for basis in self.basis:
            if basis.kind in ("tier", "exclusion"):
                return basis.citation
        return self.basis[0].citation if self.basis else ""

    @property
    def citations(self) -> list[str]:
        """Every citation of the basis and the transparency cases."""
        return [b.citation for b in (*self.basis, *self.transparency)]

    @property
    def summary(self) -> str:
        """One line: tier, basis, and the extras (systemic risk, transparency, derogation)."""
        text = f"{self.tier_label} ({self.citation})" if self.citation else self.tier_label
        extras = []
        if self.systemic_risk:
            extras.append("with systemic risk (Art. 51)")
        if self.transparency and self.tier != Tier.LIMITED_RISK:
            extras.append("with transparency duties (" + "; ".join(b.citation for b in self.transparency) + ")")
        if self.art_6_3_derogation:
            extras.append("not high-risk by the Art. 6(3) exception")
        return ", ".join([text, *extras]) + "."

    def obligations_for(self, role: str) -> list[Obligation]:
        return [o for o in self.obligations if o.role == role]

    def to_dict(self) -> dict:
        """The result as JSON-able data (what the API returns and the AI system stores)."""
        return {
            "tier": self.tier.value,
            "tier_label": self.tier_label,
            "summary": self.summary,
            "citation": self.citation,
            "subject": self.subject,
            "roles": list(self.roles),
            "systemic_risk": self.systemic_risk,
            "art_6_3_derogation": self.art_6_3_derogation,
            "basis": [b.to_dict() for b in self.basis],
            "transparency": [b.to_dict() for b in self.transparency],
            "obligations": [o.to_dict() for o in self.obligations],
            "rationale": list(self.rationale),
            "notes": list(self.notes),
            "questionnaire_version": self.questionnaire_version,
        }
