"""Legal references as data: parsed from citations such as ``Art. 6(2) + Annex III point 4(a)``."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LegalRef", "parse_citation"]

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_ORDINAL_NAMES = {v: k for k, v in _ORDINALS.items()}

_ARTICLE = re.compile(
    r"^Art\. (?P<article>\d+)"
    r"(?:\((?P<paragraph>\d+)\))?"
    r"(?:\((?P<point>[a-z]{1,3})\))?"
    r"(?: (?P<subparagraph>first|second|third|fourth|fifth) subparagraph)?$"
)
_ANNEX = re.compile(
    r"^Annex (?P<annex>[IVXL]+)"
    r"(?: Section (?P<section>[A-Z]))?"
    r"(?: point (?P<point>\d+(?:\([a-z]\))?))?$"
)


@dataclass(frozen=True)
class LegalRef:
    """One provision of the Regulation: an article (paragraph, point, subparagraph) or an annex (section, point).

    Attributes
    ----------
    article, paragraph, point, subparagraph
        ``Art. 50(4) second subparagraph`` is article 50, paragraph 4, subparagraph 2.
    annex, annex_section, annex_point
        ``Annex III point 4(a)`` is annex ``"III"``, point ``"4(a)"``.
    """

    article: int | None = None
    paragraph: int | None = None
    point: str | None = None
    subparagraph: int | None = None
    annex: str | None = None
    annex_section: str | None = None
    annex_point: str | None = None

    @property
    def citation(self) -> str:
        """The reference written out, e.g. ``Art. 5(1)(c)`` or ``Annex I Section A point 11``."""
        if self.annex:
            text = f"Annex {self.annex}"
            if self.annex_section:
                text += f" Section {self.annex_section}"
            if self.annex_point:
                text += f" point {self.annex_point}"
            return text
        text = f"Art. {self.article}"
        if self.paragraph is not None:
            text += f"({self.paragraph})"
        if self.point:
            text += f"({self.point})"
        if self.subparagraph is not None:
            text += f" {_ORDINAL_NAMES[self.subparagraph]} subparagraph"
        return text

    def __str__(self) -> str:
        return self.citation

    def to_dict(self) -> dict:
        """The non-empty parts and the citation, for JSON."""
        data = {k: v for k, v in self.__dict__.items() if v is not None}
        data["citation"] = self.citation
        return data


def _parse_one(text: str) -> LegalRef:
    if match := _ARTICLE.match(text):
        parts = match.groupdict()
        return LegalRef(
            article=int(parts["article"]),
            paragraph=int(parts["paragraph"]) if parts["paragraph"] else None,
            point=parts["point"],
            subparagraph=_ORDINALS[parts["subparagraph"]] if parts["subparagraph"] else None,
        )
    if match := _ANNEX.match(text):
        parts = match.groupdict()
        return LegalRef(annex=parts["annex"], annex_section=parts["section"], annex_point=parts["point"])
    raise ValueError(f"not a citation the classifier understands: {text!r}")


def parse_citation(text: str) -> tuple[LegalRef, ...]:
    """``"Art. 6(2) + Annex III point 4(a)"`` → two :class:`LegalRef`; raises ``ValueError`` on anything else."""
    parts = [part.strip() for part in str(text).split("+")]
    if not all(parts):
        raise ValueError(f"not a citation the classifier understands: {text!r}")
    return tuple(_parse_one(part) for part in parts)
