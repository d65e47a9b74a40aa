"""Typed records of the catalog: frameworks, their items, crosswalks and mappings.

Everything here is immutable and free of I/O; :mod:`openaims.catalog._loader` builds these records from YAML
files and :mod:`openaims.catalog._oscal` from OSCAL catalogs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "BASES",
    "RELATIONS",
    "CatalogError",
    "Crosswalk",
    "Framework",
    "Item",
    "Mapping",
    "MappingSource",
    "Unmapped",
]

#: How a crosswalk pair is known: from a published mapping, derived through a hub, or by our own judgement.
BASES = ("published", "derived", "judgement")

#: Relation of the source item to the target item (NIST OLIR / SCF STRM vocabulary). ``related`` claims no set
#: relation at all and is what judgement pairs use unless someone has checked more.
RELATIONS = ("equivalent", "subset-of", "superset-of", "intersects", "related")

#: Item kinds are open-ended lowercase tokens (``clause``, ``control``, ``subcategory``, ``article``, ...).
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9-]*$")


class CatalogError(ValueError):
    """A catalog file is malformed or inconsistent.

    Parameters
    ----------
    path : str or Path or None
        The file the problem was found in (``None`` for in-memory data).
    entry : str or None
        The entry at fault, e.g. ``"item 'A.2.2'"`` or ``"mapping #3 ('4.1' -> 'GOVERN 9.9')"``.
    problem : str
        What is wrong, in one sentence.

    Notes
    -----
    The message always reads ``"<path>: <entry>: <problem>"`` so a person can find the line to fix.
    """

    def __init__(self, path: str | Path | None, entry: str | None, problem: str) -> None:
        self.path = str(path) if path is not None else "<memory>"
        self.entry = entry
        self.problem = problem
        where = f"{self.path}: {entry}" if entry else self.path
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class Item:
    """One addressable element of a framework: a clause, control, subcategory, article, ...

    Attributes
    ----------
    id : str
        Identifier as the framework writes it (``"A.6.2.4"``, ``"GOVERN 1.1"``, ``"Art. 9"``); unique in its framework.
    kind : str
        Lowercase token: ``clause``, ``requirement``, ``annex``, ``group``, ``control``, ``objective``,
        ``risk-source``, ``function``, ``category``, ``subcategory``, ``chapter``, ``article``, ``criterion``,
        and for OSCAL imports ``control-enhancement``, ``part`` and ``parameter``.
    title : str
        Short title (a fact for standards; never the standard's sentences).
    parent : str or None
        Id of the parent item, ``None`` at the top level.
    guidance : str or None
        Id of separate implementation guidance, e.g. the Annex B id of an ISO/IEC 42001 Annex A control.
    summary : str
        Our own one-line paraphrase.
    evidence : str
        Our own one-line note of typical evidence an auditor expects.
    props : dict of str to str
        Extra named values (``label``, ``sort-id``, ``objective-id``, ...), kept through OSCAL round trips.
    """

    id: str
    kind: str
    title: str
    parent: str | None = None
    guidance: str | None = None
    summary: str = ""
    evidence: str = ""
    props: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Framework:
    """A standard, regulation or control catalog: metadata plus its items in document order.

    Attributes
    ----------
    id : str
        Stable framework id (``"iso42001"``, ``"nist-ai-rmf"``, ...).
    name, version, publisher : str
        Human-readable metadata.
    items : tuple of Item
        Every item, parents before children, in document order.
    url, description : str
        Where to obtain the authoritative text, and what this catalog covers.
    notes : tuple of str
        Caveats worth showing to a reader (unverified numbering, copyright, ...).
    path : str or None
        The file it was loaded from, used in error messages.
    """

    id: str
    name: str
    version: str
    publisher: str
    items: tuple[Item, ...]
    url: str = ""
    description: str = ""
    notes: tuple[str, ...] = ()
    path: str | None = field(default=None, compare=False)
    _index: dict[str, Item] = field(init=False, repr=False, compare=False, hash=False)
    _children: dict[str | None, tuple[Item, ...]] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        index = {item.id: item for item in self.items}
        children: dict[str | None, list[Item]] = {}
        for item in self.items:
            children.setdefault(item.parent, []).append(item)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_children", {key: tuple(value) for key, value in children.items()})

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._index

    def get(self, item_id: str) -> Item:
        """Return the item with this id.

        Raises
        ------
        KeyError
            If the framework has no such item; the message names the framework.
        """
        try:
            return self._index[item_id]
        except KeyError:
            raise KeyError(f"{self.id}: no item {item_id!r}") from None

    def children(self, item_id: str | None = None) -> tuple[Item, ...]:
        """Return the direct children of ``item_id`` (the top-level items when ``None``), in document order."""
        return self._children.get(item_id, ())

    def ancestors(self, item_id: str) -> tuple[Item, ...]:
        """Return the chain of parents of ``item_id``, nearest first."""
        chain: list[Item] = []
        parent = self.get(item_id).parent
        while parent is not None:
            item = self._index[parent]
            chain.append(item)
            parent = item.parent
        return tuple(chain)

    def of_kind(self, *kinds: str) -> tuple[Item, ...]:
        """Return the items whose kind is one of ``kinds``, in document order."""
        return tuple(item for item in self.items if item.kind in kinds)


@dataclass(frozen=True, slots=True)
class Mapping:
    """One crosswalk pair: a source item related to a target item, with how we know it.

    Attributes
    ----------
    source_framework, source_id : str
        The item mapped from.
    target_framework, target_id : str
        The item mapped to.
    relation : str
        One of :data:`RELATIONS`.
    basis : str
        One of :data:`BASES`.
    source : str
        Key of the crosswalk's :class:`MappingSource` this pair comes from.
    locator : str
        Finer position inside the target item, e.g. ``"(1)(m)"`` for Art. 17(1)(m).
    note : str
        Free remark (confidence, corroboration).
    """

    source_framework: str
    source_id: str
    target_framework: str
    target_id: str
    relation: str
    basis: str
    source: str
    locator: str = ""
    note: str = ""

    def other_side(self, framework_id: str, item_id: str) -> tuple[str, str]:
        """Return ``(framework, item)`` of the end of this pair that is not ``(framework_id, item_id)``."""
        if (self.source_framework, self.source_id) == (framework_id, item_id):
            return self.target_framework, self.target_id
        return self.source_framework, self.source_id


@dataclass(frozen=True, slots=True)
class MappingSource:
    """A document or party that crosswalk pairs cite as their source."""

    key: str
    title: str
    url: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Unmapped:
    """A source item deliberately left without a target, and why."""

    source_id: str
    note: str


@dataclass(frozen=True, slots=True)
class Crosswalk:
    """Pairs relating the items of one framework to those of another.

    Attributes
    ----------
    id, title : str
        Stable crosswalk id and display title.
    source_framework, target_framework : str
        Framework ids; every pair's ids exist in them.
    mappings : tuple of Mapping
        The pairs, grouped by source item.
    sources : dict of str to MappingSource
        What each pair's ``source`` key means.
    unmapped : tuple of Unmapped
        Source items reviewed and left without target, with the reason.
    notes : tuple of str
        Caveats for the whole crosswalk.
    path : str or None
        The file it was loaded from.
    """

    id: str
    title: str
    source_framework: str
    target_framework: str
    mappings: tuple[Mapping, ...]
    sources: dict[str, MappingSource] = field(default_factory=dict, hash=False)
    unmapped: tuple[Unmapped, ...] = ()
    notes: tuple[str, ...] = ()
    path: str | None = field(default=None, compare=False)

    def __len__(self) -> int:
        return len(self.mappings)

    def __iter__(self) -> Iterator[Mapping]:
        return iter(self.mappings)
