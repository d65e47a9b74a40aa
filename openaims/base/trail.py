"""Writing and verifying the trail (the Django side of ``openaims.trail``)."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import decimal
import json
import multiprocessing
import os
import uuid

from django.db import connection, models, transaction
from django.utils import timezone

from openaims.base.context import Actor, current_request_id
from openaims.base.locks import lock_trail_head
from openaims.base.models import TrailEvent, TrailHead
from openaims.trail import GENESIS_HASH, ChainBreak, event_hash
from openaims.trail.store import verify_range, verify_range_at

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
    head = lock_trail_head(organization)  # the organization's lock first, then the head (one lock order)
    if head is None:  # the first event: the organization's lock keeps a second writer from making a head too
        head = TrailHead.objects.create(organization=organization, sequence=0, hash=GENESIS_HASH)
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


#: Below this many events a chain is verified in the calling process; above, in ranges by worker processes.
PARALLEL_MIN_EVENTS = 200_000


def _connection_info() -> dict | None:
    """How a worker process reaches this database on its own, or None when it cannot (in-memory SQLite)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(settings["NAME"])
        if name == ":memory:" or "mode=memory" in name or connection.is_in_memory_db():
            return None
        return {"vendor": "sqlite", "path": name}
    if connection.vendor == "postgresql":
        from psycopg.conninfo import make_conninfo

        params = {
            "dbname": settings["NAME"],
            "user": settings.get("USER") or None,
            "password": settings.get("PASSWORD") or None,
            "host": settings.get("HOST") or None,
            "port": str(settings["PORT"]) if settings.get("PORT") else None,
        }
        return {"vendor": "postgresql", "conninfo": make_conninfo(**{k: v for k, v in params.items() if v})}
    return None


def _ranges(last: int, parts: int) -> list[tuple[int, int]]:
    size = -(-last // parts)
    return [(first, min(first + size - 1, last)) for first in range(1, last + 1, size)]


def verify_organization(organization, *, workers: int | None = None) -> tuple[int, ChainBreak | None]:
    """Recompute an organization's chain; return the number of good events and the first break.

    Long chains are cut into ranges verified by ``workers`` processes (default: one per CPU), each on its own
    connection; a chain in the caller's open transaction, or in an in-memory database, is verified here.
    """
    table = connection.ops.quote_name(TrailEvent._meta.db_table)
    key = organization.pk.hex if connection.vendor == "sqlite" else str(organization.pk)
    with connection.cursor() as cursor:
        # The highest sequence first, then the head: a writer moves both in one transaction.
        cursor.execute(f"SELECT max(sequence) FROM {table} WHERE organization_id = %s", [key])
        highest = cursor.fetchone()[0] or 0
    head = TrailHead.objects.filter(organization=organization).first()
    last = head.sequence if head else 0
    common = {"vendor": connection.vendor, "table": table, "organization_id": str(organization.pk)}
    workers = workers or os.cpu_count() or 1
    info = None if connection.in_atomic_block else _connection_info()
    if workers > 1 and info is not None and last >= PARALLEL_MIN_EVENTS:
        ranges = _ranges(last, workers)
        starts = [first - 1 for first, _ in ranges if first > 1]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT sequence, hash FROM {table} WHERE organization_id = %s AND sequence IN "
                f"({', '.join(['%s'] * len(starts))})",
                [key, *starts],
            )
            hashes = dict(cursor.fetchall())
        connection.close()  # each worker opens its own; this one reconnects when next used
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(len(ranges), mp_context=context) as pool:
            futures = [
                pool.submit(
                    verify_range_at,
                    info,
                    organization_key=key,
                    first=first,
                    last=end,
                    prev_hash=GENESIS_HASH if first == 1 else hashes.get(first - 1, ""),
                    **common,
                )
                for first, end in ranges
            ]
            results = [future.result() for future in futures]
    else:
        with transaction.atomic(), connection.chunked_cursor() as cursor:
            results = [verify_range(cursor, organization_key=key, first=1, last=last, prev_hash=GENESIS_HASH, **common)]
    count = 0
    for result in results:
        count += result.count
        if result.broken is not None:
            return count, _canonical(result.broken)
        if not result.complete:
            missing = result.first + result.count
            if result.last == last:
                return count, ChainBreak(missing, "", f"the chain ends at {missing - 1} but its head says {last}")
            return count, ChainBreak(missing, "", f"event #{missing} is missing")
    if highest > last:
        return count, ChainBreak(last + 1, "", f"events after #{last} are not covered by the chain head")
    return count, None


def verify_span(organization, *, first: int, last: int, prev_hash: str) -> tuple[int, ChainBreak | None]:
    """Recompute events ``first..last`` of an organization, the first expected to follow ``prev_hash``.

    What a checkpoint needs: the events since the previous checkpoint, without the whole chain again.
    """
    if last < first:
        return 0, None
    table = connection.ops.quote_name(TrailEvent._meta.db_table)
    key = organization.pk.hex if connection.vendor == "sqlite" else str(organization.pk)
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        result = verify_range(
            cursor,
            vendor=connection.vendor,
            table=table,
            organization_id=str(organization.pk),
            organization_key=key,
            first=first,
            last=last,
            prev_hash=prev_hash,
        )
    if result.broken is not None:
        return result.count, _canonical(result.broken)
    if not result.complete:
        missing = first + result.count
        return result.count, ChainBreak(missing, "", f"event #{missing} is missing")
    return result.count, None


def event_time(organization, sequence: int) -> str:
    """When event ``sequence`` of an organization was written (UTC, to the second), or "" when there is none."""
    stamp = (
        TrailEvent.objects.filter(organization=organization, sequence=sequence)
        .values_list("timestamp", flat=True)
        .first()
    )
    return stamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if stamp else ""


def _canonical(broken: ChainBreak) -> ChainBreak:
    """The event id as a hyphenated UUID (SQLite stores it as 32 hex digits)."""
    if broken.event_id and "-" not in broken.event_id:
        return ChainBreak(broken.sequence, str(uuid.UUID(broken.event_id)), broken.reason)
    return broken


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
        if isinstance(value, dict):  # a JSON field (e.g. the answers of an impact assessment): not hashable
            return "; ".join(f"{k}: {v}" for k, v in value.items()) or "—"
        choices = dict(getattr(field, "choices", None) or ())
        if value in choices:
            return choices[value]
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value

    return [
        (event, [(label, show(rel, f, b), show(rel, f, a)) for label, rel, b, a, f in rows]) for event, rows in plans
    ]
