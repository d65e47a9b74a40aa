"""OSCAL 1.1 catalogs in and out: import any OSCAL catalog as a :class:`Framework`, export any framework as one.

Mapping between the two models
------------------------------
OSCAL ``group`` → item of kind ``group``; ``control`` → ``control``; a control inside a control (an enhancement)
→ ``control-enhancement``; ``param`` → ``parameter`` (title from its label, summary from its guidelines);
``part`` → ``part`` (its OSCAL name kept in the ``part-name`` prop, its prose as the summary). Props without a
namespace (``label``, ``sort-id``, ...) are kept in :attr:`Item.props`; props in a third-party namespace are dropped.

On export an item of a grouping kind (``clause``, ``annex``, ``group``, ``function``, ``category``, ``chapter``,
...) becomes a group unless it sits under a control or beside items that become controls (an OSCAL group holds
groups or controls, not both); every other kind becomes a control. Ids that are not valid
OSCAL tokens (``"4.1"``, ``"GOVERN 1.1"``, ``"Art. 9"``) are rewritten deterministically by :func:`oscal_id`
and the original id is kept in an ``original-id`` prop of our namespace, together with the item's kind,
guidance id and summary/evidence parts, so that importing the export restores the framework.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from collections.abc import Mapping as AbcMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openaims.catalog._model import CatalogError, Framework, Item
from openaims.catalog._validate import check_framework

__all__ = [
    "OPENAIMS_NS",
    "OSCAL_VERSION",
    "export_oscal_catalog",
    "import_oscal_catalog",
    "oscal_id",
    "write_oscal_catalog",
]

#: The OSCAL version our exports declare.
OSCAL_VERSION = "1.1.2"

#: Namespace of the props and parts OpenAIMS adds to exported catalogs.
OPENAIMS_NS = "urn:openaims:oscal"

_OSCAL_NS = "http://csrc.nist.gov/ns/oscal"
_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, OPENAIMS_NS)
_TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_GROUP_KINDS = frozenset({"group", "clause", "annex", "function", "category", "chapter", "section", "domain", "family"})
_CORE_PROP_NAMES = frozenset({"label", "sort-id", "alt-identifier", "alt-label", "status", "method", "keep"})
_RESERVED_PROPS = frozenset({"original-id", "kind", "guidance"})
_PART_PROPS = frozenset({"part-name", "part-ns"})


def oscal_id(item_id: str) -> str:
    """Return an OSCAL token for ``item_id``, deterministically.

    Valid tokens are returned unchanged (``"A.6.2.4"``, ``"CC1.1"``). Otherwise every run of characters other
    than letters, digits, ``_``, ``.`` and ``-`` becomes one ``-`` (a lone ``.`` or ``-`` is kept), and an id that
    does not start with a letter or ``_`` gets an ``s`` prefix, the convention of NIST's sample catalogs for
    section numbers: ``"4.1"`` → ``"s4.1"``, ``"GOVERN 1.1"`` → ``"GOVERN-1.1"``, ``"Art. 9"`` → ``"Art-9"``.

    Parameters
    ----------
    item_id : str
        Any non-empty id.

    Returns
    -------
    str
        A string matching OSCAL's token pattern.
    """
    if _TOKEN.match(item_id):
        return item_id

    def replace(match: re.Match[str]) -> str:
        return match.group(0) if match.group(0) in (".", "-") else "-"

    safe = re.sub(r"[^A-Za-z0-9_]+", replace, item_id).strip("-") or "x"
    return safe if _TOKEN.match(safe) else f"s{safe}"


def _one_line(value: str) -> str:
    """Collapse whitespace: OSCAL prop values are one line without leading or trailing blanks."""
    return " ".join(value.split())


def _assign_ids(framework: Framework) -> dict[str, str]:
    """Map every item id to a unique OSCAL id; ids that are already tokens keep their value and win ties."""
    ids = {item.id: item.id for item in framework.items if _TOKEN.match(item.id)}
    used = set(ids.values())
    for item in framework.items:
        if item.id in ids:
            continue
        base = candidate = oscal_id(item.id)
        suffix = 2
        while candidate in used:
            candidate = f"{base}-{suffix}"
            suffix += 1
        ids[item.id] = candidate
        used.add(candidate)
    return ids


class _Exporter:
    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        self.ids = _assign_ids(framework)

    def fail(self, item: Item, problem: str) -> CatalogError:
        return CatalogError(self.framework.path, f"item {item.id!r}", f"cannot export to OSCAL: {problem}")

    def element_type(self, item: Item, parent_type: str | None) -> str:
        if item.kind == "parameter":
            if parent_type == "part":
                raise self.fail(item, "a parameter cannot sit under a part")
            return "param"
        if item.kind == "part":
            if parent_type is None:
                raise self.fail(item, "a part needs a group or control as parent")
            return "part"
        if parent_type == "part":
            raise self.fail(item, f"only parts can sit under a part, not a {item.kind}")
        if parent_type == "control" or item.kind not in _GROUP_KINDS:
            return "control"
        if item.parent is None:
            return "group"
        # An OSCAL group holds either groups or controls, never both, so a heading such as ISO's 6.1 beside
        # the requirements 6.2 and 6.3 becomes a control holding controls (which also keeps document order).
        siblings = self.framework.children(item.parent)
        if all(other.kind in _GROUP_KINDS or other.kind in ("part", "parameter") for other in siblings):
            return "group"
        return "control"

    def props(self, item: Item, element: str) -> list[dict[str, str]]:
        props: list[dict[str, str]] = []
        if element in ("group", "control") and "label" not in item.props:
            props.append({"name": "label", "value": _one_line(item.id)})
        for name, value in item.props.items():
            if name in _RESERVED_PROPS:
                raise self.fail(item, f"prop name {name!r} is reserved for OpenAIMS")
            if element == "part" and name in _PART_PROPS:
                continue
            if name in _CORE_PROP_NAMES:
                props.append({"name": name, "value": _one_line(value)})
            else:
                props.append({"name": name, "ns": OPENAIMS_NS, "value": _one_line(value)})
        props.append({"name": "kind", "ns": OPENAIMS_NS, "value": item.kind})
        if self.ids[item.id] != item.id:
            props.append({"name": "original-id", "ns": OPENAIMS_NS, "value": _one_line(item.id)})
        if item.guidance:
            props.append({"name": "guidance", "ns": OPENAIMS_NS, "value": _one_line(item.guidance)})
        return props

    def element(self, item: Item, element: str) -> dict[str, Any]:
        children = [(child, self.element_type(child, element)) for child in self.framework.children(item.id)]
        out: dict[str, Any] = {"id": self.ids[item.id]}
        if element == "param":
            out["props"] = self.props(item, element)
            out["label"] = item.title
            if item.summary:
                out["guidelines"] = [{"prose": item.summary}]
            return out
        if element == "part":
            out["name"] = item.props.get("part-name", "item")
            if "part-ns" in item.props:
                out["ns"] = item.props["part-ns"]
        out["title"] = item.title
        params = [self.element(child, kind) for child, kind in children if kind == "param"]
        if params:
            out["params"] = params
        out["props"] = self.props(item, element)
        parts: list[dict[str, Any]] = []
        if element == "part":
            if item.summary:
                out["prose"] = item.summary
        elif item.summary:
            parts.append({"name": "summary", "ns": OPENAIMS_NS, "prose": item.summary})
        if item.evidence:
            parts.append({"name": "evidence", "ns": OPENAIMS_NS, "prose": item.evidence})
        parts.extend(self.element(child, kind) for child, kind in children if kind == "part")
        if parts:
            out["parts"] = parts
        groups = [self.element(child, kind) for child, kind in children if kind == "group"]
        if groups:
            out["groups"] = groups
        controls = [self.element(child, kind) for child, kind in children if kind == "control"]
        if controls:
            out["controls"] = controls
        return out


def export_oscal_catalog(
    framework: Framework,
    *,
    last_modified: datetime | None = None,
    catalog_uuid: str | uuid.UUID | None = None,
) -> dict[str, Any]:
    """Return ``framework`` as an OSCAL 1.1 catalog document (a JSON-ready dict with a ``catalog`` key).

    Parameters
    ----------
    framework : Framework
        Any framework, built-in or imported.
    last_modified : datetime, optional
        The metadata ``last-modified`` stamp; now (UTC) when omitted. A naive datetime is taken as UTC.
    catalog_uuid : str or UUID, optional
        The catalog UUID; by default a UUID derived from the framework id and version, so every export of the
        same framework version identifies the same subject, as OSCAL asks.

    Returns
    -------
    dict
        ``{"catalog": {...}}``, ready for :func:`json.dumps`.

    Raises
    ------
    CatalogError
        If the framework cannot be expressed in OSCAL (a part at the top level, a control under a part, a prop
        named like one of ours).
    """
    stamp = last_modified or datetime.now(UTC)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    exporter = _Exporter(framework)
    metadata: dict[str, Any] = {
        "title": framework.name,
        "last-modified": stamp.isoformat(),
        "version": framework.version,
        "oscal-version": OSCAL_VERSION,
        "props": [
            {"name": "framework-id", "ns": OPENAIMS_NS, "value": framework.id},
            *(
                {"name": "note", "ns": OPENAIMS_NS, "value": _one_line(note)}
                for note in framework.notes
                if note.strip()
            ),
        ],
    }
    if framework.publisher:
        metadata["props"].insert(1, {"name": "publisher", "ns": OPENAIMS_NS, "value": _one_line(framework.publisher)})
    if framework.url:
        metadata["links"] = [{"href": framework.url, "rel": "reference"}]
    if framework.description:
        metadata["remarks"] = framework.description
    catalog: dict[str, Any] = {
        "uuid": str(catalog_uuid or uuid.uuid5(_UUID_NAMESPACE, f"{framework.id}@{framework.version}")),
        "metadata": metadata,
    }
    roots = [(item, exporter.element_type(item, None)) for item in framework.children(None)]
    for key, element in (("params", "param"), ("groups", "group"), ("controls", "control")):
        elements = [exporter.element(item, kind) for item, kind in roots if kind == element]
        if elements:
            catalog[key] = elements
    return {"catalog": catalog}


def write_oscal_catalog(framework: Framework, path: str | Path, **options: Any) -> Path:
    """Write :func:`export_oscal_catalog` output to ``path`` as indented UTF-8 JSON and return the path."""
    path = Path(path)
    document = export_oscal_catalog(framework, **options)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


class _Importer:
    def __init__(self, path: str | Path | None) -> None:
        self.path = path
        self.items: list[Item] = []
        self.used: set[str] = set()

    def fail(self, entry: str, problem: str) -> CatalogError:
        return CatalogError(self.path, entry, problem)

    def fresh_id(self, base: str) -> str:
        candidate, suffix = base, 2
        while candidate in self.used:
            candidate = f"{base}-{suffix}"
            suffix += 1
        return candidate

    def props(self, element: AbcMapping[str, Any], entry: str) -> tuple[dict[str, str], dict[str, str]]:
        """Split an element's props into ours (by name) and plain OSCAL ones; third-party namespaces are dropped."""
        ours: dict[str, str] = {}
        plain: dict[str, str] = {}
        for prop in element.get("props") or []:
            if not isinstance(prop, AbcMapping) or not isinstance(prop.get("name"), str) or "value" not in prop:
                raise self.fail(entry, f"malformed prop {prop!r}")
            ns = prop.get("ns")
            if ns == OPENAIMS_NS:
                ours.setdefault(prop["name"], str(prop["value"]))
            elif ns in (None, _OSCAL_NS):
                plain.setdefault(prop["name"], str(prop["value"]))
        return ours, plain

    def element(self, element: Any, etype: str, parent: Item | None, entry: str) -> None:
        if not isinstance(element, AbcMapping):
            raise self.fail(entry, f"must be an object, got {type(element).__name__}")
        ours, plain = self.props(element, entry)
        raw_id = element.get("id")
        if raw_id is not None and not isinstance(raw_id, str):
            raise self.fail(entry, f"id must be a string, got {raw_id!r}")
        if not raw_id and etype in ("control", "param"):
            raise self.fail(entry, f"{etype} has no id")
        name = str(element.get("name") or "item")
        if "original-id" in ours:
            item_id = ours["original-id"]
        elif raw_id:
            item_id = raw_id
        elif etype == "part":
            item_id = self.fresh_id(f"{parent.id if parent else 'catalog'}_{name}")
        else:
            slug = re.sub(r"[^a-z0-9]+", "-", str(element.get("title", "")).lower()).strip("-") or "group"
            item_id = self.fresh_id(slug)
        entry = f"{etype} {item_id!r}"
        if "kind" in ours and plain.get("label") == item_id:
            del plain["label"]  # the label we add on export, not data of the item
        default_kind = {"group": "group", "param": "parameter", "part": "part"}.get(etype, "control")
        if etype == "control" and parent is not None and parent.kind in ("control", "control-enhancement"):
            default_kind = "control-enhancement"
        summary, evidence = "", ""
        sub_parts: list[Any] = []
        for part in element.get("parts") or []:
            if isinstance(part, AbcMapping) and part.get("ns") == OPENAIMS_NS and part.get("name") == "summary":
                summary = str(part.get("prose", "")).strip()
            elif isinstance(part, AbcMapping) and part.get("ns") == OPENAIMS_NS and part.get("name") == "evidence":
                evidence = str(part.get("prose", "")).strip()
            else:
                sub_parts.append(part)
        if etype == "part":
            title = element.get("title") or plain.get("label") or name.replace("-", " ").capitalize()
            summary = str(element.get("prose", "")).strip()
            plain["part-name"] = name
            if element.get("ns") and element.get("ns") != OPENAIMS_NS:
                plain["part-ns"] = str(element["ns"])
        elif etype == "param":
            title = element.get("label") or item_id
            guidelines = [
                str(g.get("prose", "")).strip() for g in element.get("guidelines") or [] if isinstance(g, AbcMapping)
            ]
            summary = "\n\n".join(text for text in guidelines if text)
            select = element.get("select")
            if not summary and isinstance(select, AbcMapping) and select.get("choice"):
                how_many = select.get("how-many", "one")
                summary = f"Select ({how_many}): " + "; ".join(str(choice) for choice in select["choice"])
        else:
            title = element.get("title") or ""
        extra = {key: value for key, value in ours.items() if key not in _RESERVED_PROPS}
        item = Item(
            id=item_id,
            kind=ours.get("kind", default_kind),
            title=str(title).strip(),
            parent=parent.id if parent else None,
            guidance=ours.get("guidance"),
            summary=summary,
            evidence=evidence,
            props={**plain, **extra},
        )
        self.used.add(item_id)
        self.items.append(item)
        self.children(element, etype, item, sub_parts)

    def children(self, element: AbcMapping[str, Any], etype: str, item: Item | None, parts: Iterable[Any]) -> None:
        where = f"under {item.id!r}" if item else "at catalog level"
        lists: list[tuple[str, Iterable[Any]]] = [("param", element.get("params") or []), ("part", parts)]
        if etype in ("catalog", "group"):
            lists.append(("group", element.get("groups") or []))
        lists.append(("control", element.get("controls") or []))
        for child_type, children in lists:
            if not isinstance(children, list | tuple):
                raise self.fail(f"{child_type}s {where}", "must be a list")
            for number, child in enumerate(children, start=1):
                self.element(child, child_type, item, f"{child_type} #{number} {where}")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(path, None, "file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(path, None, f"not valid JSON: {exc}") from None


def import_oscal_catalog(
    source: str | Path | AbcMapping[str, Any],
    *,
    framework_id: str | None = None,
    path: str | Path | None = None,
) -> Framework:
    """Import an OSCAL 1.1 catalog as a :class:`Framework`.

    Parameters
    ----------
    source : str, Path or mapping
        A path to a catalog JSON file, or the parsed document (with its top-level ``catalog`` key).
    framework_id : str, optional
        Id to give the framework. By default the ``framework-id`` prop our exports carry, else a slug of the title.
    path : str or Path, optional
        Name to use in error messages when ``source`` is already parsed.

    Returns
    -------
    Framework
        Items in document order; groups, controls, enhancements, params and parts all become items.

    Raises
    ------
    CatalogError
        If the document is not an OSCAL catalog, a control has no id or title, ids repeat, ...
    """
    if isinstance(source, str | Path):
        path = Path(source)
        data = _read_json(path)
    else:
        data = source
    if not isinstance(data, AbcMapping) or not isinstance(data.get("catalog"), AbcMapping):
        raise CatalogError(path, None, "not an OSCAL catalog: no top-level 'catalog' object")
    catalog = data["catalog"]
    metadata = catalog.get("metadata")
    if not isinstance(metadata, AbcMapping):
        raise CatalogError(path, "catalog", "has no 'metadata' object")
    importer = _Importer(path)
    ours: dict[str, str] = {}
    notes: list[str] = []
    for prop in metadata.get("props") or []:
        if isinstance(prop, AbcMapping) and prop.get("ns") == OPENAIMS_NS:
            if prop.get("name") == "note":
                notes.append(str(prop.get("value", "")))
            else:
                ours.setdefault(str(prop.get("name")), str(prop.get("value", "")))
    title = str(metadata.get("title") or "").strip()
    version = str(metadata.get("version") or "").strip()
    if not title or not version:
        raise CatalogError(path, "catalog metadata", "needs a title and a version")
    publisher = ours.get("publisher") or next(
        (
            str(party["name"])
            for party in metadata.get("parties") or []
            if isinstance(party, AbcMapping) and party.get("name")
        ),
        "",
    )
    url = next(
        (
            str(link["href"])
            for link in metadata.get("links") or []
            if isinstance(link, AbcMapping) and link.get("rel") == "reference"
        ),
        "",
    )
    importer.children(catalog, "catalog", None, [])
    check_framework(importer.items, path)
    return Framework(
        id=framework_id or ours.get("framework-id") or re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"),
        name=title,
        version=version,
        publisher=publisher,
        items=tuple(importer.items),
        url=url,
        description=str(metadata.get("remarks") or "").strip(),
        notes=tuple(notes),
        path=str(path) if path is not None else None,
    )
