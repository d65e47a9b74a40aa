"""Internal audits planned at the same time get distinct sequential numbers, and findings recorded at the same time
on lines of one audit each raise their own nonconformity (PostgreSQL: concurrent connections)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from openaims.audits import internal_services as services
from openaims.audits.models import AuditChecklistItem, InternalAudit, Nonconformity
from tests.audits.internal_helpers import make_audit, make_programme

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")


def _run(workers: int, work) -> list[Exception]:
    errors: list[Exception] = []
    barrier = threading.Barrier(workers)

    def target(worker: int) -> None:
        try:
            barrier.wait()
            work(worker)
        except Exception as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_planning_gets_distinct_sequential_numbers(owner_actor):
    programme = make_programme(owner_actor)

    def plan(worker: int) -> None:
        for n in range(3):
            make_audit(owner_actor, programme, title=f"Worker {worker} audit {n}")

    assert _run(4, plan) == []
    numbers = sorted(
        InternalAudit.objects.filter(organization=owner_actor.organization).values_list("number", flat=True)
    )
    assert numbers == list(range(1, 13))


@pytest.mark.django_db(transaction=True)
def test_concurrent_findings_each_raise_one_nonconformity(owner_actor):
    audit = make_audit(owner_actor, clause_ids=["9", "10"])
    services.internal_audit_generate_checklist(actor=owner_actor, audit=audit)
    services.internal_audit_start(actor=owner_actor, internal_audit=audit)
    lines = list(AuditChecklistItem.objects.filter(audit=audit).order_by("position"))[:4]

    def find(worker: int) -> None:
        services.audit_checklist_item_record_finding(
            actor=owner_actor, item=lines[worker], finding="minor_nonconformity"
        )

    assert _run(4, find) == []
    raised = AuditChecklistItem.objects.filter(audit=audit, nonconformity__isnull=False)
    assert raised.count() == 4
    numbers = sorted(
        Nonconformity.objects.filter(organization=owner_actor.organization).values_list("number", flat=True)
    )
    assert numbers == [1, 2, 3, 4]
