"""Incident and concern numbers stay unique and gap-free when recorded at the same time (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from openaims.oversight.incidents import services
from openaims.oversight.incidents.models import Concern, Incident
from tests.oversight.incidents.helpers import make_incident

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")


def _race(work) -> list[Exception]:
    errors: list[Exception] = []
    barrier = threading.Barrier(4)

    def run(worker: int) -> None:
        try:
            barrier.wait()
            for n in range(3):
                work(worker, n)
        except Exception as exc:  # reported by the caller, with the numbers
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_incidents_and_concerns_get_distinct_sequential_numbers(owner_actor):
    organization = owner_actor.organization
    assert _race(lambda worker, n: make_incident(owner_actor, title=f"Worker {worker} incident {n}")) == []
    assert (
        _race(lambda worker, n: services.concern_report(organization=organization, description=f"Concern {worker}.{n}"))
        == []
    )
    for model in (Incident, Concern):
        numbers = sorted(model.objects.filter(organization=organization).values_list("number", flat=True))
        assert numbers == list(range(1, 13)), model
