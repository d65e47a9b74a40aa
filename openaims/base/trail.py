"""Writing and verifying the trail (the Django side of ``openaims.trail``)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Iterator

from django.db import connection, models, transaction
from django.utils import timezone

from openaims.base.context import Actor, current_request_id
from openaims.base.models import TrailEvent, TrailHead
from openaims.trail import GENESIS_HASH, HASHED_FIELDS, ChainBreak, event_hash, verify_chain

SKIPPED_FIELDS = {"id", "organization", "created_at", "updated_at"}


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _trail_field_names(instance: models.Model) -> list[str]:
    names = getattr(instance, "trail_fields", None)
    if names:
        return list(names)
    opts = instance._meta
    fields = [f.name for f in opts.concrete_fields if f.name not in SKIPPED_FIELDS]
    fields += [f.name for f in opts.many_to_many]
    return fields


def snapshot(instance: models.Model) -> dict:
    """The trail-relevant values of a record, as JSON-able data (foreign keys and m2m as ids)."""
    data = {}
    opts = instance._meta
    for name in _trail_field_names(instance):
        field = opts.get_field(name)
        if field.many_to_many:
            if instance.pk is None or instance._state.adding:
                data[name] = []
            else:
                data[name] = sorted(str(pk) for pk in getattr(instance, name).values_list("pk", flat=True))
        elif field.is_relation:
            data[name] = _jsonable(getattr(instance, field.attname))
        else:
            data[name] = _jsonable(getattr(instance, field.attname))
    return data


def diff(before: dict, after: dict) -> dict:
    """``{field: [before, after]}`` for every field whose value changed."""
    keys = list(dict.fromkeys([*before, *after]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def canonical_json(data: dict) -> str:
    return json.dumps(_jsonable(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_event(
    *,
    actor: Actor,
    action: str,
    instance: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    changes: dict | None = None,
) -> TrailEvent:
    """Append one event to the organization's chain. Must run inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it records")
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id or str(instance.pk)
        object_label = object_label or str(instance)[:300]
    organization = actor.organization
    head = TrailHead.objects.select_for_update().filter(organization=organization).first()
    if head is None:
        head = TrailHead.objects.create(organization=organization, sequence=0, hash=GENESIS_HASH)
        head = TrailHead.objects.select_for_update().get(organization=organization)
    event = TrailEvent(
        organization=organization,
        sequence=head.sequence + 1,
        timestamp=timezone.now(),
        request_id=current_request_id(),
        actor_type=actor.actor_type,
        actor_id=actor.actor_id,
        actor_label=actor.label[:300],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label[:300],
        changes=canonical_json(changes or {}),
        prev_hash=head.hash,
    )
    event.hash = event_hash(event.prev_hash, event.hashed_values())
    event.save(force_insert=True)
    TrailHead.objects.filter(pk=head.pk).update(sequence=event.sequence, hash=event.hash)
    return event


def _timestamp_sql(vendor: str) -> str:
    """SQL that renders the stored time exactly as ``TIMESTAMP_FORMAT`` does, so no row is parsed in Python."""
    if vendor == "postgresql":
        return "to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    if vendor == "sqlite":
        # Django stores UTC as "YYYY-MM-DD HH:MM:SS[.ffffff]" (no fraction when it is zero).
        return (
            "replace(CASE WHEN length(timestamp) = 19 THEN timestamp || '.000000' ELSE substr(timestamp, 1, 26) END,"
            " ' ', 'T') || 'Z'"
        )
    raise NotImplementedError(f"trail verification on {vendor}")


def _rows(organization_id, chunk_size: int = 20000) -> Iterator[tuple]:
    """Stream an organization's events in sequence order, as the tuples ``verify_chain`` reads.

    Raw SQL with the timestamp rendered by the database: a million events stream in seconds, where the
    ORM would build a million model rows. The organization id is the one asked for (rows are filtered by it).
    """
    table = connection.ops.quote_name(TrailEvent._meta.db_table)
    org = str(organization_id)
    columns = ", ".join(
        ["id", "prev_hash", "hash", "sequence", _timestamp_sql(connection.vendor)]
        + [f for f in HASHED_FIELDS if f not in {"sequence", "organization_id", "timestamp"}]
    )
    org_param = organization_id.hex if connection.vendor == "sqlite" else organization_id
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE organization_id = %s ORDER BY sequence", [org_param])
        while batch := cursor.fetchmany(chunk_size):
            for row in batch:
                yield (row[0], row[1], row[2], row[3], org, *row[4:])


def verify_organization(organization) -> tuple[int, ChainBreak | None]:
    """Recompute an organization's chain; return the number of good events and the first break."""
    with transaction.atomic():
        count, broken = verify_chain(_rows(organization.pk))
        if broken is not None and broken.event_id and "-" not in broken.event_id:
            broken = ChainBreak(broken.sequence, str(uuid.UUID(broken.event_id)), broken.reason)
        if broken is None:
            head = TrailHead.objects.filter(organization=organization).first()
            head_sequence = head.sequence if head else 0
            if head_sequence != count:
                # Events were removed from the end of the chain.
                broken = ChainBreak(count + 1, "", f"the chain ends at {count} but its head says {head_sequence}")
    return count, broken


def history_for(instance: models.Model):
    """Trail events of one record, newest first."""
    return TrailEvent.objects.filter(
        organization_id=instance.organization_id, object_type=instance._meta.label_lower, object_id=str(instance.pk)
    ).order_by("-sequence")


def readable_history(events) -> list[tuple[TrailEvent, list[tuple[str, object, object]]]]:
    """Events with their changes as ``(field label, before, after)``, ids of related records shown by name.

    Related records are looked up in one query per related model, whatever the number of events.
    """
    from django.apps import apps

    events = list(events)
    wanted: dict[type[models.Model], set[str]] = {}
    plans = []
    for event in events:
        try:
            model = apps.get_model(event.object_type)
        except (LookupError, ValueError):
            model = None
        rows = []
        for name, (before, after) in event.changes_dict.items():
            field = None
            if model is not None:
                try:
                    field = model._meta.get_field(name)
                except Exception:  # noqa: BLE001 - a field removed since the event was written
                    field = None
            related = field.related_model if field is not None and field.is_relation else None
            if related is not None:
                for value in (before, after):
                    for pk in value if isinstance(value, list) else [value]:
                        if pk:
                            wanted.setdefault(related, set()).add(str(pk))
            label = str(getattr(field, "verbose_name", name)) if field is not None else name.replace("_", " ")
            rows.append((label, related, before, after, field))
        plans.append((event, rows))
    names: dict[tuple[type, str], str] = {}
    for related, pks in wanted.items():
        for obj in related._default_manager.filter(pk__in=pks):
            names[(related, str(obj.pk))] = str(obj)

    def show(related, field, value):
        if related is not None:
            if isinstance(value, list):
                return ", ".join(names.get((related, str(v)), f"(removed {str(v)[:8]})") for v in value) or "—"
            return names.get((related, str(value)), f"(removed {str(value)[:8]})") if value else None
        if isinstance(value, list):
            return ", ".join(map(str, value)) or "—"
        choices = dict(getattr(field, "choices", None) or ())
        if value in choices:
            return choices[value]
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value

    return [
        (event, [(label, show(rel, f, b), show(rel, f, a)) for label, rel, b, a, f in rows]) for event, rows in plans
    ]
