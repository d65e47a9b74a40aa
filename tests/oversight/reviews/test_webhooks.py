"""Signed webhooks of final decisions, against a real HTTP server on 127.0.0.1 (no internet).

The loopback receiver is allow-listed by the instance setting, as an administrator would for an internal receiver;
without it the outbound policy refuses the address (tests/security/test_outbound.py).
"""

from __future__ import annotations

import json

import pytest

from openaims.accounts.choices import Role
from openaims.monitoring.tasks import huey
from openaims.oversight.reviews import services, webhooks
from openaims.oversight.reviews.models import WebhookDelivery
from openaims.oversight.reviews.tasks import deliver_webhook_task
from tests.oversight.reviews.helpers import Receiver, make_item, make_rule, make_settings, make_system

pytestmark = pytest.mark.django_db

SECRET = "a-webhook-secret-of-some-length"


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.AIMS_OUTBOUND_ALLOW_HOSTS = ["127.0.0.1"]


@pytest.fixture(autouse=True)
def _empty_schedule():
    huey.flush()
    yield
    huey.flush()


def _system_with_webhook(actor, url: str):
    system = make_system(actor)
    make_rule(actor, system)
    make_settings(actor, system, webhook_url=url, webhook_secret=SECRET)
    return system


def test_a_final_decision_is_posted_signed(owner_actor, actor_of, django_capture_on_commit_callbacks):
    with Receiver([200]) as receiver:
        item = make_item(owner_actor, _system_with_webhook(owner_actor, receiver.url))
        with django_capture_on_commit_callbacks(execute=True):
            services.review_item_decide(
                actor=actor_of(Role.REVIEWER), item=item, action="override", outcome="approve", reason="Documented."
            )
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    timestamp, signature = headers["x-openaims-timestamp"], headers["x-openaims-signature"]
    assert signature.startswith("sha256=") and webhooks.verify(SECRET, timestamp, body, signature)
    assert not webhooks.verify("another-secret-entirely", timestamp, body, signature)
    assert not webhooks.verify(SECRET, timestamp, body + b" ", signature)
    assert not webhooks.verify(SECRET, str(int(timestamp) - 3600), body, signature)  # a replay an hour later
    sent = json.loads(body)
    assert sent["review_id"] == str(item.pk) and sent["final_outcome"] == "approve" and sent["overridden"] is True
    assert sent["decisions"][0]["reason"] == "Documented."
    delivery = WebhookDelivery.objects.get(item=item)
    assert (delivery.attempt, delivery.status_code, delivery.succeeded, delivery.next_retry_at) == (1, 200, True, None)
    assert delivery.outcome == "delivered" and headers["host"] == receiver.url.split("/")[2]


def test_an_escalation_sends_nothing(owner_actor, actor_of, django_capture_on_commit_callbacks):
    with Receiver([200]) as receiver:
        item = make_item(owner_actor, _system_with_webhook(owner_actor, receiver.url))
        with django_capture_on_commit_callbacks(execute=True):
            services.review_item_decide(actor=actor_of(Role.REVIEWER), item=item, action="escalate", reason="Unsure.")
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_failures_are_retried_with_backoff_and_logged(owner_actor, actor_of, django_capture_on_commit_callbacks):
    with Receiver([500, 503, 200]) as receiver:
        item = make_item(owner_actor, _system_with_webhook(owner_actor, receiver.url))
        with django_capture_on_commit_callbacks(execute=True):
            services.review_item_decide(actor=actor_of(Role.REVIEWER), item=item, action="approve")
        first = WebhookDelivery.objects.get(item=item)
        assert (first.status_code, first.succeeded) == (500, False) and first.next_retry_at is not None
        scheduled = huey.scheduled()
        assert [task.args for task in scheduled] == [(str(item.pk), 2)]
        # The scheduler would run them after their delays; here each runs when called.
        deliver_webhook_task.call_local(str(item.pk), 2)
        deliver_webhook_task.call_local(str(item.pk), 3)
    attempts = list(WebhookDelivery.objects.filter(item=item).values_list("attempt", "status_code", "succeeded"))
    assert attempts == [(1, 500, False), (2, 503, False), (3, 200, True)]
    bodies = [body for _, body in receiver.received]
    assert len(set(bodies)) == 1  # the same decision each time
    assert [webhooks.backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_the_last_attempt_schedules_nothing_more(owner_actor, actor_of):
    with Receiver([500]) as receiver:
        item = make_item(owner_actor, _system_with_webhook(owner_actor, receiver.url))
        services.review_item_decide(actor=actor_of(Role.REVIEWER), item=item, action="approve")
        deliver_webhook_task.call_local(str(item.pk), webhooks.MAX_ATTEMPTS)
    last = WebhookDelivery.objects.get(item=item)
    assert last.attempt == webhooks.MAX_ATTEMPTS and last.next_retry_at is None and not last.succeeded
    assert huey.scheduled() == []


def test_no_answer_is_a_plain_failure(owner_actor, actor_of, caplog):
    with Receiver([200]) as receiver:
        url = receiver.url
    item = make_item(owner_actor, _system_with_webhook(owner_actor, url))  # the server is closed now
    services.review_item_decide(actor=actor_of(Role.REVIEWER), item=item, action="approve")
    with caplog.at_level("WARNING", logger="openaims.oversight.reviews.webhooks"):
        delivery = webhooks.deliver(item.pk, 1)
    assert delivery.status_code is None and not delivery.succeeded and delivery.next_retry_at
    assert delivery.outcome == "failed"  # why (refused here) is in the server's log, not the organization's
    assert "refused" in caplog.text.lower()


def test_a_redirect_is_a_failed_delivery(owner_actor, actor_of):
    with Receiver([302]) as receiver:
        item = make_item(owner_actor, _system_with_webhook(owner_actor, receiver.url))
        services.review_item_decide(actor=actor_of(Role.REVIEWER), item=item, action="approve")
        delivery = webhooks.deliver(item.pk, 1)
    assert delivery.status_code == 302 and not delivery.succeeded and len(receiver.received) == 1
    assert delivery.outcome == "failed (status 302)"


def test_nothing_is_sent_without_a_webhook_or_before_a_decision(owner_actor):
    item = make_item(owner_actor)
    assert webhooks.deliver(item.pk, 1) is None
