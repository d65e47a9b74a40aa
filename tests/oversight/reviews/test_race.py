"""Concurrency on PostgreSQL: two reviewers never both decide one item; two retries never make two items."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from openaims.accounts.choices import Role
from openaims.oversight.reviews import services
from openaims.oversight.reviews.models import ReviewDecision, ReviewItem
from tests.oversight.reviews.helpers import make_item, make_rule, make_system, submit

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")


def _run_together(work, count: int) -> tuple[list, list[Exception]]:
    results: list = []
    errors: list[Exception] = []
    barrier = threading.Barrier(count)

    def run(n: int) -> None:
        try:
            barrier.wait()
            results.append(work(n))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_one_wins(owner_actor, actor_of):
    for _ in range(5):
        item = make_item(owner_actor)
        reviewers = [actor_of(Role.REVIEWER), actor_of(Role.MANAGER)]

        def decide(n: int, item=item, reviewers=reviewers):
            if n == 0:
                return services.review_item_decide(actor=reviewers[0], item=item, action="approve")
            return services.review_item_decide(
                actor=reviewers[1], item=item, action="override", outcome="approve", reason="Documented income."
            )

        results, errors = _run_together(decide, 2)
        assert len(results) == 1 and len(errors) == 1
        assert isinstance(errors[0], services.AlreadyDecided)
        assert ReviewDecision.objects.filter(item=item).count() == 1
        item.refresh_from_db()
        winner = ReviewDecision.objects.get(item=item)
        assert item.final_outcome == ("reject" if winner.action == "approve" else "approve")


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_make_one_item(owner_actor):
    system = make_system(owner_actor)
    make_rule(owner_actor, system)
    results, errors = _run_together(lambda n: submit(owner_actor, system, "loan-7", idempotency_key="key-7"), 4)
    assert errors == []
    assert ReviewItem.objects.filter(ai_system=system).count() == 1
    assert len({r.item.pk for r in results}) == 1
    assert sorted(r.created for r in results) == [False, False, False, True]


@pytest.mark.django_db(transaction=True)
def test_two_decision_requests_at_once_one_is_refused(owner_actor, actor_of):
    """The same race through the API: two reviewers' requests at once; one 200, one 409, one decision stored."""
    from tests.conftest import bearer_client

    clients = [bearer_client(actor_of(Role.REVIEWER)), bearer_client(actor_of(Role.MANAGER))]
    for _ in range(3):
        item = make_item(owner_actor)
        url = f"/api/v1/reviews/{item.pk}/decision"
        bodies = [
            {"action": "approve"},
            {"action": "override", "outcome": "approve", "reason": "Documented income."},
        ]

        def post(n: int, url=url, bodies=bodies):
            return clients[n].post(url, bodies[n], content_type="application/json").status_code

        statuses, errors = _run_together(post, 2)
        assert errors == []
        assert sorted(statuses) == [200, 409]
        assert ReviewDecision.objects.filter(item=item).count() == 1
