"""The task runner: Huey with its queue in ``AIMS_DATA_DIR/tasks.sqlite3`` (whatever ``DATABASE_URL`` is).

Every minute a periodic task enqueues each due monitor (``next_run_at`` reached) as a task of its own, so one
slow data source does not hold up the others; every hour the prediction stores with many small parts are
compacted; every 15 minutes each organization's trail head that moved is checkpointed (signed, outside the
database). ``aims worker`` runs the consumer. Tests run tasks at once (immediate mode) unless
``AIMS_TASKS_IMMEDIATE=0``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections
from huey import SqliteHuey, crontab

logger = logging.getLogger(__name__)


def _make_huey() -> SqliteHuey:
    immediate = os.environ.get("AIMS_TASKS_IMMEDIATE", "1" if settings.TESTING else "0") == "1"
    folder = Path(settings.AIMS_DATA_DIR)
    if not immediate:
        folder.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("openaims", filename=str(folder / "tasks.sqlite3"), immediate=immediate, utc=True)


huey = _make_huey()


def _release_stale_connections() -> None:
    """In the worker, drop database connections past their age or broken; in-process (immediate) leave them."""
    if not huey.immediate:
        close_old_connections()


@huey.task()
def run_monitor_task(monitor_id: str) -> str | None:
    """Run one due monitor as the scheduler; returns the run's id (None when it was no longer due)."""
    from openaims.monitoring.runner import run_scheduled

    _release_stale_connections()
    try:
        run = run_scheduled(monitor_id)
    finally:
        _release_stale_connections()
    return str(run.pk) if run is not None else None


def enqueue_due_monitors() -> list[str]:
    """Enqueue a task for every due monitor of every organization; returns their ids."""
    from openaims.monitoring.runner import due_monitors

    _release_stale_connections()
    ids = [str(pk) for pk in due_monitors().values_list("pk", flat=True)]
    for monitor_id in ids:
        run_monitor_task(monitor_id)
    if ids:
        logger.info("enqueued %d due monitor(s)", len(ids))
    return ids


@huey.periodic_task(crontab(minute="*"))
def enqueue_due_monitors_every_minute() -> None:
    enqueue_due_monitors()


def compact_stores() -> list[str]:
    """Compact every prediction store holding more than ``AIMS_STORE_COMPACT_PARTS`` parts; returns their ids."""
    from openaims.monitoring.store import stores_compact_due

    _release_stale_connections()
    try:
        done = stores_compact_due()
    finally:
        _release_stale_connections()
    for source, result in done:
        logger.info("compacted store %s: %d parts, %d rows", source.pk, result.parts, result.rows)
    return [str(source.pk) for source, _ in done]


@huey.periodic_task(crontab(minute="17"))
def compact_stores_every_hour() -> None:
    compact_stores()


def checkpoint_trails() -> list[str]:
    """Sign and append a checkpoint of every organization's trail head that moved; returns their slugs."""
    from openaims.accounts.models import Organization
    from openaims.base.trail_checkpoints import checkpoint_trails as checkpoint

    _release_stale_connections()
    try:
        outcomes = checkpoint(Organization.objects.all())
    finally:
        _release_stale_connections()
    for outcome in outcomes:
        if outcome.status == "refused":
            logger.error("trail checkpoint of %s refused: %s", outcome.organization.slug, outcome.reason)
    return [o.organization.slug for o in outcomes if o.status == "written"]


@huey.periodic_task(crontab(minute="*/15"))
def checkpoint_trails_every_quarter_hour() -> None:
    checkpoint_trails()
