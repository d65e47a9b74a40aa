"""Frameworks imported by the organization's operators, kept beside the built-in catalog.

An import (OSCAL JSON or our YAML) is validated by ``openaims.catalog``, written back as our YAML and stored under
``AIMS_DATA_DIR/catalog`` with a name derived from its content (``<framework id>-<sha256 prefix>.yaml``), never
from the file name the user gave. Re-importing a framework id replaces the earlier import; built-in ids are
refused.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

import yaml
from django.conf import settings

from openaims.catalog import CatalogError, Framework, builtin_crosswalks, builtin_frameworks, load_framework

FRAMEWORK_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def store_dir() -> Path:
    return Path(settings.AIMS_DATA_DIR) / "catalog"


def framework_document(framework: Framework) -> dict:
    """``framework`` as the data of one of our YAML framework files (see ``openaims/catalog/data/README.md``)."""
    items = []
    for item in framework.items:
        row: dict = {"id": item.id, "kind": item.kind, "title": item.title}
        for name in ("parent", "guidance", "summary", "evidence"):
            if getattr(item, name):
                row[name] = getattr(item, name)
        if item.props:
            row["props"] = dict(item.props)
        items.append(row)
    document = {
        "id": framework.id,
        "name": framework.name,
        "version": framework.version,
        "publisher": framework.publisher,
    }
    for name in ("url", "description"):
        if getattr(framework, name):
            document[name] = getattr(framework, name)
    if framework.notes:
        document["notes"] = list(framework.notes)
    document["items"] = items
    return document


def stored_frameworks() -> dict[str, Framework]:
    """Imported frameworks by id (each file checked again as it is read)."""
    directory = store_dir()
    if not directory.is_dir():
        return {}
    found = {}
    for path in sorted(directory.glob("*.yaml")):
        framework = load_framework(path)
        found[framework.id] = framework
    return found


def all_frameworks() -> dict[str, Framework]:
    """The built-in frameworks, then the imported ones."""
    return {**builtin_frameworks(), **stored_frameworks()}


def find_framework(framework_id: str) -> Framework:
    """A built-in or imported framework; ``KeyError`` naming the known ids otherwise."""
    frameworks = all_frameworks()
    try:
        return frameworks[framework_id]
    except KeyError:
        raise KeyError(f"unknown framework {framework_id!r}; known: {', '.join(sorted(frameworks))}") from None


def import_framework(path: str | Path) -> tuple[Framework, Path]:
    """Validate a framework file (OSCAL ``.json`` or our YAML) and store it; return it and where it went.

    Raises ``CatalogError`` (file, entry, problem) for anything that is not a valid framework.
    """
    path = Path(path)
    if not path.is_file():
        raise CatalogError(path, None, "file not found")
    if path.stat().st_size > MAX_IMPORT_BYTES:
        raise CatalogError(path, None, f"larger than {MAX_IMPORT_BYTES // 1024 // 1024} MB")
    framework = load_framework(path)
    if not FRAMEWORK_ID.match(framework.id):
        raise CatalogError(path, "framework", f"id {framework.id!r} must be lowercase letters, digits, '.', '_', '-'")
    if framework.id in builtin_frameworks():
        raise CatalogError(path, "framework", f"id {framework.id!r} is built in; give the import another id")
    text = yaml.safe_dump(framework_document(framework), sort_keys=False, allow_unicode=True)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    directory = store_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{framework.id}-{digest[:16]}.yaml"
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".import-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        load_framework(temporary)  # what is stored reads back as a valid framework
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    for old in directory.glob(f"{framework.id}-*.yaml"):
        if old != target and load_framework(old).id == framework.id:
            old.unlink()
    return load_framework(target), target


def mapping_index() -> dict[tuple[str, str], list]:
    """``{(framework id, item id): [Mapping, ...]}`` over the built-in crosswalks, both ends indexed."""
    index: dict[tuple[str, str], list] = {}
    for crosswalk in builtin_crosswalks():
        for mapping in crosswalk.mappings:
            index.setdefault((mapping.source_framework, mapping.source_id), []).append(mapping)
            index.setdefault((mapping.target_framework, mapping.target_id), []).append(mapping)
    return index
