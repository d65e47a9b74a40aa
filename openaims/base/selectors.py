"""Reads shared by UI, API and CLI: always scoped to the actor's organization."""

from __future__ import annotations

import uuid
from typing import TypeVar

from django.db import models

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.errors import NotFound

M = TypeVar("M", bound=models.Model)


def scoped(model: type[M], actor: Actor) -> models.QuerySet[M]:
    """Every record of ``model`` the actor's organization owns."""
    actor.require(Permission.VIEW)
    return model._default_manager.filter(organization=actor.organization)


def get_scoped(model: type[M], actor: Actor, pk, queryset: models.QuerySet | None = None) -> M:
    """One record of the actor's organization, or :class:`NotFound` (also for other organizations' records)."""
    try:
        pk = uuid.UUID(str(pk))
    except ValueError as exc:
        raise NotFound(f"No such {model._meta.verbose_name}.") from exc
    qs = queryset if queryset is not None else scoped(model, actor)
    obj = qs.filter(pk=pk, organization=actor.organization).first()
    if obj is None:
        raise NotFound(f"No such {model._meta.verbose_name}.")
    return obj


def filter_getter(filters):
    """``get(name)`` of list filters given as a dict (UI, CLI) or as a schema object (API)."""
    return filters.get if isinstance(filters, dict) else lambda name: getattr(filters, name, None)
