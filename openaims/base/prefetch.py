"""Prefetches for API answers, which list related records by id only.

Loading whole related records to read their ids, through a related manager made for each record, costs most of a
list request's time (a risk's AI systems, controls and evidence are wide rows). :func:`ids_only` prefetches each
relation's primary keys alone, in the related model's own order, into a plain list on the record; schemas read it
with :func:`ids_of`, which falls back to the relation (and its usual prefetch cache) when the record was loaded
another way. The answer is the same either way.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Prefetch


def _attr(name: str) -> str:
    return f"_prefetched_{name}_ids"


def ids_only(model: type[models.Model], *names: str) -> list[Prefetch]:
    """A prefetch of each many-to-many (or reverse) relation ``names`` of ``model`` that loads ids only."""
    prefetches = []
    for name in names:
        related = model._meta.get_field(name).related_model
        prefetches.append(Prefetch(name, queryset=related._default_manager.only("pk"), to_attr=_attr(name)))
    return prefetches


def ids_of(obj: models.Model, name: str) -> list:
    """The ids of ``obj``'s related records ``name``: from :func:`ids_only`'s prefetch when there is one."""
    prefetched = getattr(obj, _attr(name), None)
    if prefetched is None:
        prefetched = getattr(obj, name).all()
    return [related.pk for related in prefetched]
