"""Generic writes that domain services build on: one transaction, validation, permission, trail event.

Domain services (``<entity>_<action>``) call these with the fields they accept; nothing else in the
code base saves or deletes a domain record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils.text import capfirst

from openaims.accounts.choices import Permission
from openaims.base.context import Actor
from openaims.base.locks import lock_organization, lock_rows
from openaims.base.models import TrailAction
from openaims.base.trail import diff, record_event, snapshot

M = TypeVar("M", bound=models.Model)


def _split_m2m(model: type[models.Model], fields: dict) -> tuple[dict, dict]:
    m2m_names = {f.name for f in model._meta.many_to_many}
    plain = {k: v for k, v in fields.items() if k not in m2m_names}
    m2m = {k: v for k, v in fields.items() if k in m2m_names}
    return plain, m2m


def _check_related_same_org(instance: models.Model, actor: Actor, m2m: dict) -> None:
    """Refuse links to records of another organization: they do not exist for this actor."""
    errors: dict[str, list[str]] = {}
    for field in instance._meta.concrete_fields:
        if not field.is_relation or field.name == "organization":
            continue
        related_model = field.related_model
        value = getattr(instance, field.attname)
        if value is None or not hasattr(related_model, "organization"):
            continue
        if not related_model._default_manager.filter(pk=value, organization=actor.organization).exists():
            errors[field.name] = [f"No {related_model._meta.verbose_name} with id {value} in this organization."]
    for name, values in m2m.items():
        related_model = instance._meta.get_field(name).related_model
        if not hasattr(related_model, "organization"):
            continue
        ids = {str(getattr(v, "pk", v)) for v in values}
        found = {
            str(pk)
            for pk in related_model._default_manager.filter(pk__in=ids, organization=actor.organization).values_list(
                "pk", flat=True
            )
        }
        missing = sorted(ids - found)
        if missing:
            errors[name] = [f"No {related_model._meta.verbose_name} with id {', '.join(missing)} in this organization."]
    if errors:
        raise ValidationError(errors)


def _full_clean(instance: models.Model) -> None:
    """``full_clean``, with uniqueness-within-the-organization errors put on the field that clashes."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        errors: dict[str, list] = {}
        for field, field_errors in exc.error_dict.items():
            for error in field_errors:
                check = (
                    (error.params or {}).get("unique_check") if error.code in ("unique", "unique_together") else None
                )
                fields = [f for f in (check or ()) if f != "organization"]
                if field == "__all__" and len(fields) == 1:
                    value = getattr(instance, fields[0])
                    message = f"{capfirst(instance._meta.verbose_name)} {value!r} already exists in this organization."
                    errors.setdefault(fields[0], []).append(message)
                else:
                    errors.setdefault(field, []).append(error)
        raise ValidationError(errors) from exc


def _save_validated(instance: models.Model, actor: Actor, m2m: dict) -> None:
    _check_related_same_org(instance, actor, m2m)
    _full_clean(instance)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:  # a race past full_clean's uniqueness check
        raise ValidationError({"__all__": [f"Conflicts with an existing record ({exc.__class__.__name__})."]}) from exc
    for name, values in m2m.items():
        getattr(instance, name).set(values)


def create_record(
    model: type[M],
    *,
    actor: Actor,
    permission: str = Permission.CREATE,
    label: str | None = None,
    **fields,
) -> M:
    """Create a record of ``model`` in the actor's organization and record a ``create`` event."""
    actor.require(permission)
    plain, m2m = _split_m2m(model, fields)
    with transaction.atomic():
        lock_organization(actor.organization)  # first, before the insert (one lock order: see base.locks)
        instance = model(organization=actor.organization, **plain)
        _save_validated(instance, actor, m2m)
        after = snapshot(instance)
        record_event(
            actor=actor,
            action=TrailAction.CREATE,
            instance=instance,
            object_label=label or "",
            changes={k: [None, v] for k, v in after.items() if v not in (None, "", [], {})},
        )
    return instance


def update_record(
    instance: M,
    *,
    actor: Actor,
    permission: str = Permission.CHANGE,
    action: str = TrailAction.UPDATE,
    context: dict | None = None,
    **fields,
) -> M:
    """Change fields of a record and record an event with before and after values (none if nothing changed).

    ``context`` adds entries to the event that are not fields, e.g. ``{"reason": "..."}`` of a transition.
    """
    actor.require(permission)
    _ensure_same_org(instance, actor)
    plain, m2m = _split_m2m(type(instance), fields)
    with transaction.atomic():
        # Start from the stored row, locked, so a stale copy neither overwrites others' changes nor lies in the trail.
        current = lock_rows(type(instance)._default_manager, actor.organization).get(pk=instance.pk)
        before = snapshot(current)
        for field in instance._meta.concrete_fields:
            if field.name not in plain:
                setattr(instance, field.attname, getattr(current, field.attname))
        for name, value in plain.items():
            setattr(instance, name, value)
        try:
            _save_validated(instance, actor, m2m)
        except ValidationError:
            instance.refresh_from_db()
            raise
        changes = diff(before, snapshot(instance))
        if changes and context:
            changes.update({k: [None, v] for k, v in context.items() if v})
        if changes:
            record_event(actor=actor, action=action, instance=instance, changes=changes)
    return instance


def delete_record(instance: models.Model, *, actor: Actor, permission: str = Permission.DELETE) -> None:
    """Delete a record and record a ``delete`` event holding its last values."""
    actor.require(permission)
    _ensure_same_org(instance, actor)
    with transaction.atomic():
        lock_organization(actor.organization)  # first, before the delete (one lock order: see base.locks)
        before = snapshot(instance)
        label = str(instance)
        pk = str(instance.pk)
        object_type = instance._meta.label_lower
        try:
            instance.delete()
        except models.ProtectedError as exc:
            names = sorted({str(o) for o in exc.protected_objects})[:5]
            raise ValidationError({"__all__": [f"Still used by: {', '.join(names)}."]}) from exc
        record_event(
            actor=actor,
            action=TrailAction.DELETE,
            object_type=object_type,
            object_id=pk,
            object_label=label,
            changes={k: [v, None] for k, v in before.items() if v not in (None, "", [], {})},
        )


def _ensure_same_org(instance: models.Model, actor: Actor) -> None:
    from openaims.base.errors import NotFound

    if getattr(instance, "organization_id", None) != actor.organization.pk:
        raise NotFound(f"No such {instance._meta.verbose_name}.")


def bulk_create_records(model: type[M], rows: Iterable[dict], *, actor: Actor) -> list[M]:
    """Create many records in one transaction (all or nothing), one trail event each."""
    with transaction.atomic():
        return [create_record(model, actor=actor, **row) for row in rows]


def next_number(model: type[models.Model], organization) -> int:
    """The organization's next ``number`` of ``model`` (1, 2, ...); call after :func:`lock_organization`."""
    return (model._default_manager.filter(organization=organization).aggregate(n=Max("number"))["n"] or 0) + 1


def refuse_unsettable(fields: dict, allowed: set[str] | frozenset[str]) -> None:
    """Refuse, naming each, the fields a service sets itself (numbers, statuses, dates of transitions)."""
    errors = {name.removesuffix("_id"): ["This field is set by OpenAIMS, not here."] for name in set(fields) - allowed}
    if errors:
        raise ValidationError(errors)


def organization_member(actor: Actor, value, field: str):
    """The user ``value`` (a user or its id) if a member of the actor's organization; None for none; else refused."""
    from openaims.accounts.models import Membership

    if value is None or value == "":
        return None
    pk = str(getattr(value, "pk", value))
    membership = Membership.objects.filter(organization=actor.organization, user_id=pk).select_related("user").first()
    if membership is None:
        raise ValidationError({field: [f"No member with id {pk} in this organization."]})
    return membership.user
