"""A token's last-used time is bookkeeping: written at most every few minutes, and never a reason to fail a read."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from openaims.accounts.models import ApiToken
from openaims.accounts.services import TOKEN_LAST_USED_EVERY, token_create


def _token_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].upper().startswith("UPDATE") and "apitoken" in q["sql"].lower()]


def test_last_used_is_written_once_per_interval(owner_actor):
    token, raw = token_create(actor=owner_actor, user=owner_actor.user, name="ci")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    with CaptureQueriesContext(connection) as first:
        assert client.get("/api/v1/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None and len(_token_writes(first.captured_queries)) == 1
    with CaptureQueriesContext(connection) as again:
        for _ in range(5):
            assert client.get("/api/v1/me").status_code == 200
    assert _token_writes(again.captured_queries) == []

    # An interval later (and another process, which has not tried yet), the next read writes it again.
    earlier = token.last_used_at - TOKEN_LAST_USED_EVERY - dt.timedelta(seconds=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    cache.delete(f"token-used:{token.pk}")
    assert client.get("/api/v1/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at > earlier
