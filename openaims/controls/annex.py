"""ISO/IEC 42001 items the controls app builds on, read from the framework-free catalog."""

from __future__ import annotations

import functools

from openaims.catalog import Framework, Item, get_framework

ISO42001 = "iso42001"
#: Label of the group of an organization's own controls (entries with an empty group id).
CUSTOM_GROUP_TITLE = "The organization's own controls"


def iso42001() -> Framework:
    return get_framework(ISO42001)


@functools.cache
def annex_a_controls() -> tuple[Item, ...]:
    """The 38 Annex A controls, in document order."""
    return iso42001().of_kind("control")


@functools.cache
def annex_a_groups() -> dict[str, str]:
    """``{group id: title}`` of the Annex A groups (A.2 ... A.10), in document order."""
    framework = iso42001()
    return {item.parent: framework.get(item.parent).title for item in annex_a_controls() if item.parent}


@functools.cache
def clause_requirements() -> tuple[Item, ...]:
    """The auditable requirements of clauses 4-10, in document order."""
    return iso42001().of_kind("requirement")


def top_clause(item_id: str) -> Item:
    """The top-level clause (4 ... 10) an item of ISO/IEC 42001 sits in."""
    framework = iso42001()
    chain = (framework.get(item_id), *framework.ancestors(item_id))
    return chain[-1]


def group_title(group_id: str) -> str:
    return annex_a_groups().get(group_id, group_id or CUSTOM_GROUP_TITLE)
