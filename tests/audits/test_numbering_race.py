"""Numbers stay unique and gap-free when members record nonconformities at the same time (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from openaims.audits import services
from openaims.audits.models import Nonconformity

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")


@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_gets_distinct_sequential_numbers(owner_actor):
    errors: list[Exception] = []
    barrier = threading.Barrier(4)

    def record(worker: int) -> None:
        try:
            barrier.wait()
            for n in range(3):
                services.nonconformity_create(actor=owner_actor, title=f"Worker {worker} finding {n}")
        except Exception as exc:  # reported below, with the numbers
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(
        Nonconformity.objects.filter(organization=owner_actor.organization).values_list("number", flat=True)
    )
    assert numbers == list(range(1, 13))
