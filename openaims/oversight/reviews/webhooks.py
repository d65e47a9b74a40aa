"""Signed webhooks of final decisions: the AI system learns the outcome without polling.

Each request is a POST of a JSON body with two headers: ``X-OpenAIMS-Timestamp`` (Unix seconds) and
``X-OpenAIMS-Signature: sha256=<hex>``, the HMAC-SHA256 with the system's webhook secret of
``<timestamp>.<raw body>``. The receiver recomputes it and refuses old timestamps, so a captured request cannot be
replayed later. A failed attempt (no answer, or not 2xx) is retried with exponential backoff, up to
:data:`MAX_ATTEMPTS` tries; each attempt is a :class:`~openaims.oversight.reviews.models.WebhookDelivery`.

Requests go through :mod:`openaims.policy.outbound`: never to internal addresses (unless allow-listed by the
instance administrator), resolved once and pinned, redirects not followed (a 3xx is a failed attempt).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import time
import uuid

from django.db import transaction
from django.utils import timezone

from openaims.accounts.choices import Permission
from openaims.base.context import system_actor
from openaims.base.services import create_record
from openaims.oversight.reviews.models import ReviewItem, ReviewSettings, WebhookDelivery
from openaims.policy import outbound

MAX_ATTEMPTS = 5
SIGNATURE_HEADER = "X-OpenAIMS-Signature"
TIMESTAMP_HEADER = "X-OpenAIMS-Timestamp"
EVENT = "review.decided"

logger = logging.getLogger(__name__)


def backoff_seconds(attempt: int) -> float:
    """The wait before try ``attempt + 1``: ``AIMS_WEBHOOK_BACKOFF_SECONDS`` (default 30), doubled each time."""
    base = float(os.environ.get("AIMS_WEBHOOK_BACKOFF_SECONDS", "30"))
    return base * 2 ** (attempt - 1)


def timeout_seconds() -> float:
    return float(os.environ.get("AIMS_WEBHOOK_TIMEOUT_SECONDS", "10"))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 of ``<timestamp>.<body>`` with ``secret``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, max_age: float = 300, now=None) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent (within ``max_age`` seconds)."""
    try:
        age = (now if now is not None else time.time()) - int(timestamp)
    except ValueError:
        return False
    return abs(age) <= max_age and hmac.compare_digest(sign(secret, timestamp, body), signature)


def payload(item: ReviewItem) -> dict:
    """The body of the webhook: the item's final decision and the decisions that led to it (not who made them:
    the reviewers' identities stay in OpenAIMS)."""
    return {
        "event": EVENT,
        "review_id": str(item.pk),
        "ai_system_id": str(item.ai_system_id),
        "decision_id": item.decision_id,
        "idempotency_key": item.idempotency_key,
        "status": item.status,
        "ai_output": item.ai_output,
        "final_outcome": item.final_outcome,
        "overridden": item.final_outcome != item.ai_output,
        "decided_at": item.decided_at.isoformat() if item.decided_at else None,
        "decisions": [
            {
                "action": d.action,
                "outcome": d.outcome,
                "reason": d.reason,
                "level": d.level,
            }
            for d in item.decisions.order_by("created_at")
        ],
    }


def _post(url: str, body: bytes, headers: dict) -> int | None:
    """The receiver's HTTP status, or None (no answer, or the URL is not allowed now). The reason of a failure goes
    to the server's log only: the organization sees "failed", so the log cannot probe the network behind it."""
    try:
        return outbound.post(url, body, headers, timeout=timeout_seconds()).status
    except outbound.OutboundRefused as exc:
        logger.warning("webhook refused by the outbound policy: %s", exc)
    except outbound.OutboundFailed as exc:
        logger.warning("webhook failed: %s", exc.detail)
    return None


def deliver(item_id, attempt: int = 1) -> WebhookDelivery | None:
    """Try once to POST the item's final decision to its system's webhook; log the attempt and return it.

    None when there is nothing to send (no webhook set, or the item is not decided).
    """
    item = ReviewItem.objects.select_related("organization").filter(pk=item_id).first()
    if item is None or item.is_open:
        return None
    settings = ReviewSettings.objects.filter(ai_system_id=item.ai_system_id).first()
    if settings is None or not settings.webhook_url:
        return None
    body = json.dumps(payload(item), sort_keys=True, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "OpenAIMS-webhook",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(settings.webhook_secret, timestamp, body),
        "X-OpenAIMS-Event": EVENT,
        "X-OpenAIMS-Delivery": uuid.uuid4().hex,
    }
    status = _post(settings.webhook_url, body, headers)
    succeeded = status is not None and 200 <= status < 300
    retry = not succeeded and attempt < MAX_ATTEMPTS
    next_retry_at = timezone.now() + dt.timedelta(seconds=backoff_seconds(attempt)) if retry else None
    actor = system_actor(item.organization, label="webhook")
    with transaction.atomic():
        return create_record(
            WebhookDelivery,
            actor=actor,
            permission=Permission.CREATE,
            item=item,
            url=settings.webhook_url,
            attempt=attempt,
            status_code=status,
            succeeded=succeeded,
            next_retry_at=next_retry_at,
        )


def enqueue_delivery(item_id: str) -> None:
    """Hand the first attempt to the task runner (called after the decision's transaction commits)."""
    if ReviewItem.objects.filter(pk=item_id, ai_system__review_settings__webhook_url__gt="").exists():
        from openaims.oversight.reviews.tasks import deliver_webhook_task

        deliver_webhook_task(item_id, 1)
