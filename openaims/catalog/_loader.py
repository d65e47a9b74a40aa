"""Read framework and crosswalk files, and serve the built-in catalog shipped in ``openaims/catalog/data``."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from collections.abc import Mapping as AbcMapping
from pathlib import Path
from typing import Any

import yaml

from openaims.catalog._model import CatalogError, Crosswalk, Framework, Mapping
from openaims.catalog._validate import parse_crosswalk, parse_framework

__all__ = [
    "DATA_DIR",
    "builtin_crosswalks",
    "builtin_frameworks",
    "get_crosswalk",
    "get_framework",
    "load_crosswalk",
    "load_framework",
    "mappings_for",
]

#: Where the built-in framework files (``*.yaml``) and crosswalks (``crosswalks/*.yaml``) live.
DATA_DIR = Path(__file__).resolve().parent / "data"

_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_YAML_LOADER)
    except FileNotFoundError:
        raise CatalogError(path, None, "file not found") from None
    except yaml.YAMLError as exc:
        raise CatalogError(path, None, f"not valid YAML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise CatalogError(path, None, f"not UTF-8 text: {exc}") from None


def load_framework(path: str | Path) -> Framework:
    """Load one framework file.

    Parameters
    ----------
    path : str or Path
        A framework in our YAML format (``.yaml``/``.yml``) or an OSCAL 1.1 catalog (``.json``).

    Returns
    -------
    Framework

    Raises
    ------
    CatalogError
        If the file is missing, unreadable or inconsistent; the message names the file and the entry.
    """
    path = Path(path)
    if path.suffix.lower() == ".json":
        from openaims.catalog._oscal import import_oscal_catalog  # local: _oscal imports this module's siblings

        return import_oscal_catalog(path)
    return parse_framework(_read_yaml(path), path)


def load_crosswalk(
    path: str | Path, frameworks: AbcMapping[str, Framework] | Iterable[Framework] | None = None
) -> Crosswalk:
    """Load one crosswalk file and check every id against its frameworks.

    Parameters
    ----------
    path : str or Path
        A crosswalk YAML file.
    frameworks : mapping of id to Framework, or iterable of Framework, optional
        The frameworks its ids refer to; the built-in frameworks when omitted.

    Returns
    -------
    Crosswalk

    Raises
    ------
    CatalogError
        If a pair names an unknown item, relation, basis or source; the message names the file and the pair.
    """
    if frameworks is None:
        by_id: AbcMapping[str, Framework] = builtin_frameworks()
    elif isinstance(frameworks, AbcMapping):
        by_id = frameworks
    else:
        by_id = {framework.id: framework for framework in frameworks}
    path = Path(path)
    return parse_crosswalk(_read_yaml(path), by_id, path)


@functools.cache
def _builtin_frameworks() -> tuple[Framework, ...]:
    frameworks = tuple(load_framework(path) for path in sorted(DATA_DIR.glob("*.yaml")))
    seen: dict[str, Framework] = {}
    for framework in frameworks:
        if framework.id in seen:
            raise CatalogError(
                framework.path, "framework", f"id {framework.id!r} also used by {seen[framework.id].path}"
            )
        seen[framework.id] = framework
    return frameworks


@functools.cache
def _builtin_crosswalks() -> tuple[Crosswalk, ...]:
    frameworks = builtin_frameworks()
    return tuple(load_crosswalk(path, frameworks) for path in sorted((DATA_DIR / "crosswalks").glob("*.yaml")))


def builtin_frameworks() -> dict[str, Framework]:
    """Return the frameworks shipped with OpenAIMS, by id (a fresh dict; the frameworks are immutable).

    Returns
    -------
    dict of str to Framework
        ``iso42001``, ``nist-ai-rmf``, ``eu-ai-act``, ``iso27001`` and ``soc2``.
    """
    return {framework.id: framework for framework in _builtin_frameworks()}


def get_framework(framework_id: str) -> Framework:
    """Return the built-in framework ``framework_id``.

    Raises
    ------
    KeyError
        If there is no such framework; the message lists the known ids.
    """
    frameworks = builtin_frameworks()
    try:
        return frameworks[framework_id]
    except KeyError:
        raise KeyError(f"unknown framework {framework_id!r}; known: {sorted(frameworks)}") from None


def builtin_crosswalks() -> tuple[Crosswalk, ...]:
    """Return the crosswalks shipped with OpenAIMS, each checked against the built-in frameworks."""
    return _builtin_crosswalks()


def get_crosswalk(source_framework: str, target_framework: str) -> Crosswalk:
    """Return the built-in crosswalk from ``source_framework`` to ``target_framework``.

    Raises
    ------
    KeyError
        If no built-in crosswalk joins those two frameworks in that direction.
    """
    for crosswalk in builtin_crosswalks():
        if (crosswalk.source_framework, crosswalk.target_framework) == (source_framework, target_framework):
            return crosswalk
    known = sorted(f"{cw.source_framework} -> {cw.target_framework}" for cw in builtin_crosswalks())
    raise KeyError(f"no crosswalk {source_framework} -> {target_framework}; known: {known}")


def mappings_for(
    framework_id: str,
    item_id: str,
    *,
    crosswalks: Iterable[Crosswalk] | None = None,
    basis: Iterable[str] | None = None,
) -> tuple[Mapping, ...]:
    """Return every pair that has ``item_id`` of ``framework_id`` at either end.

    Parameters
    ----------
    framework_id, item_id : str
        The item to look up, e.g. ``("iso42001", "A.6.2.4")`` or ``("nist-ai-rmf", "MEASURE 2.11")``.
    crosswalks : iterable of Crosswalk, optional
        Where to look; the built-in crosswalks when omitted (then the item must exist).
    basis : iterable of str, optional
        Keep only pairs with one of these bases, e.g. ``{"published", "judgement"}`` to leave out derived pairs.

    Returns
    -------
    tuple of Mapping
        In crosswalk order; use :meth:`Mapping.other_side` for the item on the far end.

    Raises
    ------
    KeyError
        With the built-in crosswalks, if the framework or item does not exist.
    """
    if crosswalks is None:
        framework = get_framework(framework_id)
        if item_id not in framework:
            raise KeyError(f"{framework_id}: no item {item_id!r}")
        crosswalks = builtin_crosswalks()
    wanted = frozenset(basis) if basis is not None else None
    return tuple(
        mapping
        for crosswalk in crosswalks
        for mapping in crosswalk.mappings
        if (
            (mapping.source_framework == framework_id and mapping.source_id == item_id)
            or (mapping.target_framework == framework_id and mapping.target_id == item_id)
        )
        and (wanted is None or mapping.basis in wanted)
    )
