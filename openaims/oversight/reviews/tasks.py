"""Webhook deliveries on the project's task runner (:mod:`openaims.monitoring.tasks`); retries are scheduled."""

from __future__ import annotations

from openaims.monitoring.tasks import _release_stale_connections, huey


@huey.task()
def deliver_webhook_task(item_id: str, attempt: int = 1) -> bool:
    """One delivery attempt; on failure the next one is scheduled after the backoff (up to the last try)."""
    from openaims.oversight.reviews.webhooks import backoff_seconds, deliver

    _release_stale_connections()
    try:
        delivery = deliver(item_id, attempt)
    finally:
        _release_stale_connections()
    if delivery is None or delivery.succeeded:
        return bool(delivery and delivery.succeeded)
    if delivery.next_retry_at is not None:
        deliver_webhook_task.schedule(args=(item_id, attempt + 1), delay=backoff_seconds(attempt))
    return False
