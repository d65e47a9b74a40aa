"""Turn parsed YAML data into checked :class:`Framework` and :class:`Crosswalk` records.

Every problem raises :class:`CatalogError` naming the file and the entry, so the message alone tells a maintainer
which line to fix. The checks are the same whether data came from our YAML files or from an OSCAL import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as AbcMapping
from pathlib import Path
from typing import Any

from openaims.catalog._model import (
    BASES,
    KIND_PATTERN,
    RELATIONS,
    CatalogError,
    Crosswalk,
    Framework,
    Item,
    Mapping,
    MappingSource,
    Unmapped,
)

__all__ = ["check_framework", "parse_crosswalk", "parse_framework"]

#: Prop names become OSCAL prop names on export, so they follow OSCAL's token rule.
PROP_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")

_FRAMEWORK_KEYS = {"id", "name", "version", "publisher", "items", "url", "description", "notes"}
_FRAMEWORK_REQUIRED = ("id", "name", "version", "publisher", "items")
_ITEM_KEYS = {"id", "kind", "title", "parent", "guidance", "summary", "evidence", "props"}
_CROSSWALK_KEYS = {"id", "title", "source_framework", "target_framework", "sources", "notes", "mappings", "unmapped"}
_CROSSWALK_REQUIRED = ("id", "source_framework", "target_framework", "mappings")
_MAPPING_KEYS = {"source_id", "target_id", "relation", "basis", "source", "locator", "note"}
_MAPPING_REQUIRED = ("source_id", "target_id", "relation", "basis", "source")


def _text(value: Any, path: str | Path | None, entry: str, key: str, *, required: bool = True) -> str:
    """Return ``value`` as a stripped string, refusing numbers YAML parsed from unquoted ids like ``4.1``."""
    if value is None or value == "":
        if required:
            raise CatalogError(path, entry, f"'{key}' is missing or empty")
        return ""
    if isinstance(value, bool) or not isinstance(value, str):
        hint = " (quote it in YAML, e.g. '4.10', so it stays text)" if isinstance(value, int | float) else ""
        raise CatalogError(path, entry, f"'{key}' must be text, got {type(value).__name__} {value!r}{hint}")
    text = value.strip()
    if required and not text:
        raise CatalogError(path, entry, f"'{key}' is missing or empty")
    return text


def _check_keys(data: AbcMapping[str, Any], allowed: set[str], path: str | Path | None, entry: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise CatalogError(path, entry, f"unknown field(s) {', '.join(map(repr, unknown))}; allowed: {sorted(allowed)}")


def _mapping_of(data: Any, path: str | Path | None, entry: str) -> AbcMapping[str, Any]:
    if not isinstance(data, AbcMapping):
        raise CatalogError(path, entry, f"must be a mapping of fields, got {type(data).__name__}")
    return data


def _list_of(data: Any, path: str | Path | None, entry: str, key: str) -> list[Any]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise CatalogError(path, entry, f"'{key}' must be a list, got {type(data).__name__}")
    return data


def _props(data: Any, path: str | Path | None, entry: str) -> dict[str, str]:
    if data is None:
        return {}
    props = _mapping_of(data, path, f"{entry} props")
    result: dict[str, str] = {}
    for name, value in props.items():
        if not isinstance(name, str) or not PROP_NAME_PATTERN.match(name):
            raise CatalogError(path, entry, f"prop name {name!r} is not a token (letters, digits, '.', '-', '_')")
        result[name] = _text(value, path, entry, f"props.{name}")
    return result


def _item(raw: Any, number: int, path: str | Path | None) -> Item:
    entry = f"item #{number}"
    data = _mapping_of(raw, path, entry)
    if isinstance(data.get("id"), str) and data["id"].strip():
        entry = f"item {data['id'].strip()!r} (#{number})"
    _check_keys(data, _ITEM_KEYS, path, entry)
    kind = _text(data.get("kind"), path, entry, "kind")
    if not KIND_PATTERN.match(kind):
        raise CatalogError(path, entry, f"kind {kind!r} must be a lowercase token like 'control' or 'risk-source'")
    return Item(
        id=_text(data.get("id"), path, entry, "id"),
        kind=kind,
        title=_text(data.get("title"), path, entry, "title", required=False),
        parent=_text(data.get("parent"), path, entry, "parent", required=False) or None,
        guidance=_text(data.get("guidance"), path, entry, "guidance", required=False) or None,
        summary=_text(data.get("summary"), path, entry, "summary", required=False),
        evidence=_text(data.get("evidence"), path, entry, "evidence", required=False),
        props=_props(data.get("props"), path, entry),
    )


def check_framework(items: list[Item] | tuple[Item, ...], path: str | Path | None) -> None:
    """Check the items of one framework for consistency.

    Parameters
    ----------
    items : sequence of Item
        The framework's items in document order.
    path : str or Path or None
        Source file, for messages.

    Raises
    ------
    CatalogError
        On a duplicate id, an item (control or otherwise) without a title, an unknown parent, or a parent cycle.
    """
    seen: dict[str, int] = {}
    for number, item in enumerate(items, start=1):
        entry = f"item {item.id!r} (#{number})"
        if item.id in seen:
            raise CatalogError(path, entry, f"duplicate id {item.id!r} (first defined as item #{seen[item.id]})")
        seen[item.id] = number
        if not item.title:
            raise CatalogError(path, entry, f"{item.kind} {item.id!r} has no title")
    for number, item in enumerate(items, start=1):
        if item.parent is not None and item.parent not in seen:
            raise CatalogError(path, f"item {item.id!r} (#{number})", f"unknown parent {item.parent!r}")
    parents = {item.id: item.parent for item in items}
    for number, item in enumerate(items, start=1):
        visited = {item.id}
        parent = item.parent
        while parent is not None:
            if parent in visited:
                raise CatalogError(path, f"item {item.id!r} (#{number})", f"parent chain loops back through {parent!r}")
            visited.add(parent)
            parent = parents[parent]


def parse_framework(data: Any, path: str | Path | None = None) -> Framework:
    """Build a checked :class:`Framework` from data parsed from one of our YAML framework files.

    Parameters
    ----------
    data : mapping
        The parsed document (see ``openaims/catalog/data/README.md`` for the schema).
    path : str or Path, optional
        Source file, for messages and :attr:`Framework.path`.

    Raises
    ------
    CatalogError
        If a field is missing, misspelt or of the wrong type, or the items are inconsistent.
    """
    doc = _mapping_of(data, path, "framework")
    _check_keys(doc, _FRAMEWORK_KEYS, path, "framework")
    for key in _FRAMEWORK_REQUIRED:
        if key not in doc:
            raise CatalogError(path, "framework", f"'{key}' is missing")
    items = [
        _item(raw, number, path) for number, raw in enumerate(_list_of(doc["items"], path, "framework", "items"), 1)
    ]
    if not items:
        raise CatalogError(path, "framework", "'items' is empty")
    check_framework(items, path)
    notes = _list_of(doc.get("notes"), path, "framework", "notes")
    return Framework(
        id=_text(doc["id"], path, "framework", "id"),
        name=_text(doc["name"], path, "framework", "name"),
        version=_text(doc["version"], path, "framework", "version"),
        publisher=_text(doc["publisher"], path, "framework", "publisher"),
        items=tuple(items),
        url=_text(doc.get("url"), path, "framework", "url", required=False),
        description=_text(doc.get("description"), path, "framework", "description", required=False),
        notes=tuple(_text(note, path, "framework", "notes") for note in notes),
        path=str(path) if path is not None else None,
    )


def _sources(data: Any, path: str | Path | None) -> dict[str, MappingSource]:
    sources: dict[str, MappingSource] = {}
    for key, raw in _mapping_of(data or {}, path, "crosswalk sources").items():
        entry = f"source {key!r}"
        if not isinstance(key, str) or not key:
            raise CatalogError(path, entry, "source keys must be text")
        fields = _mapping_of(raw, path, entry)
        _check_keys(fields, {"title", "url", "note"}, path, entry)
        sources[key] = MappingSource(
            key=key,
            title=_text(fields.get("title"), path, entry, "title"),
            url=_text(fields.get("url"), path, entry, "url", required=False),
            note=_text(fields.get("note"), path, entry, "note", required=False),
        )
    return sources


def parse_crosswalk(data: Any, frameworks: AbcMapping[str, Framework], path: str | Path | None = None) -> Crosswalk:
    """Build a checked :class:`Crosswalk` whose every id exists in ``frameworks``.

    Parameters
    ----------
    data : mapping
        The parsed crosswalk document.
    frameworks : mapping of str to Framework
        Frameworks by id; the crosswalk's source and target framework must be among them.
    path : str or Path, optional
        Source file, for messages.

    Raises
    ------
    CatalogError
        On an unknown framework, an unknown source or target id, an unknown relation, basis or source key,
        or a pair listed twice.
    """
    doc = _mapping_of(data, path, "crosswalk")
    _check_keys(doc, _CROSSWALK_KEYS, path, "crosswalk")
    for key in _CROSSWALK_REQUIRED:
        if key not in doc:
            raise CatalogError(path, "crosswalk", f"'{key}' is missing")
    ends: dict[str, Framework] = {}
    for side in ("source_framework", "target_framework"):
        framework_id = _text(doc[side], path, "crosswalk", side)
        if framework_id not in frameworks:
            raise CatalogError(
                path, "crosswalk", f"{side} {framework_id!r} is not a known framework {sorted(frameworks)}"
            )
        ends[side] = frameworks[framework_id]
    source_fw, target_fw = ends["source_framework"], ends["target_framework"]
    sources = _sources(doc.get("sources"), path)
    mappings: list[Mapping] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, raw in enumerate(_list_of(doc["mappings"], path, "crosswalk", "mappings"), start=1):
        entry = f"mapping #{number}"
        fields = _mapping_of(raw, path, entry)
        if isinstance(fields.get("source_id"), str) and isinstance(fields.get("target_id"), str):
            entry = f"mapping #{number} ({fields['source_id']!r} -> {fields['target_id']!r})"
        _check_keys(fields, _MAPPING_KEYS, path, entry)
        values = {key: _text(fields.get(key), path, entry, key) for key in _MAPPING_REQUIRED}
        if values["source_id"] not in source_fw:
            raise CatalogError(path, entry, f"source_id {values['source_id']!r} is not an item of {source_fw.id!r}")
        if values["target_id"] not in target_fw:
            raise CatalogError(path, entry, f"target_id {values['target_id']!r} is not an item of {target_fw.id!r}")
        if values["relation"] not in RELATIONS:
            raise CatalogError(path, entry, f"relation {values['relation']!r} is not one of {list(RELATIONS)}")
        if values["basis"] not in BASES:
            raise CatalogError(path, entry, f"basis {values['basis']!r} is not one of {list(BASES)}")
        if values["source"] not in sources:
            raise CatalogError(
                path, entry, f"source {values['source']!r} is not declared under 'sources' {sorted(sources)}"
            )
        locator = _text(fields.get("locator"), path, entry, "locator", required=False)
        pair = (values["source_id"], values["target_id"], locator)
        if pair in seen:
            raise CatalogError(path, entry, f"pair already listed as mapping #{seen[pair]}")
        seen[pair] = number
        mappings.append(
            Mapping(
                source_framework=source_fw.id,
                source_id=values["source_id"],
                target_framework=target_fw.id,
                target_id=values["target_id"],
                relation=values["relation"],
                basis=values["basis"],
                source=values["source"],
                locator=locator,
                note=_text(fields.get("note"), path, entry, "note", required=False),
            )
        )
    unmapped: list[Unmapped] = []
    for number, raw in enumerate(_list_of(doc.get("unmapped"), path, "crosswalk", "unmapped"), start=1):
        entry = f"unmapped #{number}"
        fields = _mapping_of(raw, path, entry)
        _check_keys(fields, {"source_id", "note"}, path, entry)
        source_id = _text(fields.get("source_id"), path, entry, "source_id")
        if source_id not in source_fw:
            raise CatalogError(
                path, f"{entry} ({source_id!r})", f"source_id {source_id!r} is not an item of {source_fw.id!r}"
            )
        if any(mapping.source_id == source_id for mapping in mappings):
            raise CatalogError(
                path, f"{entry} ({source_id!r})", f"{source_id!r} is listed as unmapped but has mappings"
            )
        unmapped.append(Unmapped(source_id=source_id, note=_text(fields.get("note"), path, entry, "note")))
    crosswalk_id = _text(doc["id"], path, "crosswalk", "id")
    return Crosswalk(
        id=crosswalk_id,
        title=_text(doc.get("title"), path, "crosswalk", "title", required=False) or crosswalk_id,
        source_framework=source_fw.id,
        target_framework=target_fw.id,
        mappings=tuple(mappings),
        sources=sources,
        unmapped=tuple(unmapped),
        notes=tuple(
            _text(note, path, "crosswalk", "notes") for note in _list_of(doc.get("notes"), path, "crosswalk", "notes")
        ),
        path=str(path) if path is not None else None,
    )
