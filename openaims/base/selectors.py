"""Reads shared by UI, API and CLI: always scoped to the actor's organization, and to a guest auditor's AI systems.

An actor with a system scope (a guest auditor invited to some AI systems) sees, of each model: AI systems in the
scope; records bound to one AI system (an FK to it, e.g. ``ai_system``) when that system is in scope or none is
set; records linked to several (an M2M, e.g. ``ai_systems``) when one of them is in scope or they are linked to
none (organization-wide records: policies, the SoA, readiness); and records that hang from such a record (a
metric run from its monitor, a harm from its assessment) by the same rule. Anything else answers 404, exactly like
another organization's record.
"""

from __future__ import annotations

import functools
import uuid
from typing import TypeVar

from django.db import models
from django.db.models import Exists, OuterRef, Q

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.errors import NotFound

M = TypeVar("M", bound=models.Model)


def _is_ai_system(model) -> bool:
    return model is not None and model._meta.label_lower == "inventory.aisystem"


def _direct_link(model: type[models.Model]) -> tuple[str, models.Field] | None:
    """``("fk" | "m2m", field)``: how ``model`` names its AI system(s) itself, if it does."""
    # ``scope_*`` fields say what someone may see (a guest's invitation), not what the record is about.
    fields = [f for f in model._meta.get_fields() if getattr(f, "concrete", False) and not f.name.startswith("scope_")]
    fks = [f for f in fields if f.many_to_one or f.one_to_one]
    for f in sorted(fks, key=lambda f: f.name != "ai_system"):
        if getattr(f, "concrete", False) and _is_ai_system(f.related_model) and not f.auto_created:
            return "fk", f
    m2ms = [f for f in model._meta.many_to_many if _is_ai_system(f.related_model) and not f.name.startswith("scope_")]
    for f in sorted(m2ms, key=lambda f: f.name != "ai_systems"):
        return "m2m", f
    return None


def _link_condition(kind: str, field, scope: frozenset, prefix: str) -> Q | models.Expression:
    if kind == "fk":
        condition = Q(**{f"{prefix}{field.name}__in": scope})
        return condition | Q(**{f"{prefix}{field.name}__isnull": True}) if field.null else condition
    through = field.remote_field.through
    linked = through._default_manager.filter(**{field.m2m_field_name(): OuterRef(f"{prefix}pk")})
    in_scope = linked.filter(**{f"{field.m2m_reverse_field_name()}__in": scope})
    return Q(Exists(in_scope)) | ~Q(Exists(linked))


@functools.cache
def system_link(model: type[models.Model]) -> tuple[str, str, str] | None:
    """How ``model``'s rows reach AI systems, for the system scope: ``(kind, field name, prefix)``, or None when
    its rows are organization-wide. ``kind`` is "self" (AI systems), "fk" or "m2m"; ``prefix`` is the FK path to
    the record that holds the link (empty when the model holds it)."""
    if _is_ai_system(model):
        return ("self", "pk", "")
    if model._meta.app_label == "accounts":  # members and tokens: their scope fields say what they see
        return None
    direct = _direct_link(model)
    if direct is not None:
        return (direct[0], direct[1].name, "")
    for f in model._meta.concrete_fields:
        if not f.many_to_one or f.name == "organization" or not hasattr(f.related_model, "organization"):
            continue
        through_parent = _direct_link(f.related_model) if not _is_ai_system(f.related_model) else ("fk", None)
        if through_parent is not None:
            return ("parent", f.name, "")
    return None


def restrict_to_system_scope(qs: models.QuerySet[M], actor: Actor) -> models.QuerySet[M]:
    """``qs`` without the rows outside the actor's system scope (unchanged without one)."""
    scope = actor.system_scope
    if scope is None:
        return qs
    model = qs.model
    link = system_link(model)
    if link is None:
        return qs
    kind, name, _ = link
    if kind == "self":
        return qs.filter(pk__in=scope)
    if kind in ("fk", "m2m"):
        return qs.filter(_link_condition(kind, model._meta.get_field(name), scope, ""))
    parent_field = model._meta.get_field(name)  # a record hanging from a system-bound record
    parent = parent_field.related_model
    if _is_ai_system(parent):
        condition = Q(**{f"{name}__in": scope})
    else:
        parent_kind, parent_link = _direct_link(parent)
        condition = _link_condition(parent_kind, parent_link, scope, f"{name}__")
    if parent_field.null:
        condition = condition | Q(**{f"{name}__isnull": True})
    return qs.filter(condition)


def scoped(model: type[M], actor: Actor) -> models.QuerySet[M]:
    """Every record of ``model`` the actor's organization owns (and, for a guest auditor, their scope covers)."""
    actor.require(Permission.VIEW)
    return restrict_to_system_scope(model._default_manager.filter(organization=actor.organization), actor)


def get_scoped(model: type[M], actor: Actor, pk, queryset: models.QuerySet | None = None) -> M:
    """One record of the actor's organization, or :class:`NotFound` (also for other organizations' records and
    records outside a guest auditor's scope)."""
    try:
        pk = uuid.UUID(str(pk))
    except ValueError as exc:
        raise NotFound(f"No such {model._meta.verbose_name}.") from exc
    qs = queryset if queryset is not None else scoped(model, actor)
    obj = restrict_to_system_scope(qs.filter(pk=pk, organization=actor.organization), actor).first()
    if obj is None:
        raise NotFound(f"No such {model._meta.verbose_name}.")
    return obj


def filter_getter(filters):
    """``get(name)`` of list filters given as a dict (UI, CLI) or as a schema object (API)."""
    return filters.get if isinstance(filters, dict) else lambda name: getattr(filters, name, None)
