"""One lock order for every write: numbered creates, edits and deletes at the same time never deadlock (PostgreSQL).

Every numbered create is in the mix (incidents, concerns, nonconformities, assessments, SoA versions, internal
audits) and so are monitor runs, which in one transaction create a run, its evidence, alerts, link the evidence to an
SoA entry, and open a numbered nonconformity on a breach (or add the run to the open one, or mark it verified).

Before the order was one, an edit locked the trail head and then (inserting its event, which refers to the
organization) the organization's row, while a numbered create locked the organization's row and then the trail
head: PostgreSQL broke the cycle by failing one of them ("deadlock detected"). Each thread here has its own
connection; the work is bounded in operations, not in time.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import re
import threading
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from openaims.audits import services as audit_services
from openaims.audits.models import InternalAudit, Nonconformity
from openaims.base.context import request_scope
from openaims.base.locks import holds_organization_lock, lock_organization, lock_rows
from openaims.base.models import TrailEvent, TrailHead
from openaims.base.trail import verify_organization
from openaims.controls import services as control_services
from openaims.controls.models import SoAEntry, SoAVersion
from openaims.impact import services as impact_services
from openaims.impact.models import ImpactAssessment
from openaims.inventory import services as inventory_services
from openaims.inventory.models import AISystem
from openaims.monitoring.models import MetricRun
from openaims.monitoring.runner import run_monitor
from openaims.oversight.incidents import services as incident_services
from openaims.oversight.incidents.models import Concern, Incident
from openaims.oversight.transparency.services import publication_publish
from openaims.risk import services as risk_services
from openaims.risk.models import Risk
from tests.audits.internal_helpers import make_audit, make_programme
from tests.conftest import bearer_client
from tests.controls.conftest import justify_all
from tests.impact.conftest import complete_answers
from tests.monitoring.helpers import START, ingest, make_monitor, make_store, prediction_rows

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks (PostgreSQL)")
REPO_ROOT = Path(__file__).resolve().parents[2]

WORKERS = 8
ROUNDS = 10  # operations per worker
#: The monitors' windows, run in turn: the second breaches the parity threshold (opening a nonconformity, or adding
#: the run to the open one), the first and third pass (the third, later than the breach, marks it verified).
WINDOWS = [START + dt.timedelta(weeks=1), START, START + dt.timedelta(weeks=2)]


class Writes:
    """The writes each worker made and had acknowledged, counted as ``(object type, action)`` trail events."""

    def __init__(self) -> None:
        self.acknowledged: collections.Counter = collections.Counter()
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def ack(self, object_type: str, action: str, count: int = 1) -> None:
        with self.lock:
            self.acknowledged[(object_type, action)] += count

    def fail(self, what: str, problem: object) -> None:
        with self.lock:
            self.errors.append(f"{what}: {problem}")


def _operations(actor, systems, risks, incidents, monitors, programme, client, writes: Writes):
    """Every numbered create, monitor runs, edits of rows the workers share, and deletes; each acknowledges what it
    wrote."""
    organization = actor.organization
    counter = itertools.count(1)

    def api_patch_system(worker: int) -> None:
        system = systems[worker % len(systems)]
        answer = client.patch(
            f"/api/v1/systems/{system.pk}", {"purpose": f"Purpose {next(counter)}"}, content_type="application/json"
        )
        if answer.status_code != 200:
            return writes.fail("PATCH /api/v1/systems", f"{answer.status_code} {answer.content[:200]!r}")
        writes.ack("inventory.aisystem", "update")

    def api_post_incident(worker: int) -> None:
        body = {
            "title": f"Incident {next(counter)}",
            "description": "Wrong refusals.",
            "ai_system_id": str(systems[0].pk),
        }
        answer = client.post("/api/v1/incidents", body, content_type="application/json")
        if answer.status_code != 201:
            return writes.fail("POST /api/v1/incidents", f"{answer.status_code} {answer.content[:200]!r}")
        writes.ack("incidents.incident", "create")

    def incident_create_and_delete(worker: int) -> None:
        incident = incident_services.incident_create(
            actor=actor, title=f"Incident {next(counter)}", description="Wrong refusals.", ai_system=systems[1]
        )
        writes.ack("incidents.incident", "create")
        incident_services.incident_delete(actor=actor, incident=incident)
        writes.ack("incidents.incident", "delete")

    def incident_edit(worker: int) -> None:
        incident = incidents[worker % len(incidents)]
        incident_services.incident_update(actor=actor, incident=incident, description=f"Seen {next(counter)} times.")
        writes.ack("incidents.incident", "update")

    def concern_report(worker: int) -> None:
        incident_services.concern_report(
            organization=organization, description=f"Concern {next(counter)}", ai_system=systems[worker % len(systems)]
        )
        writes.ack("incidents.concern", "create")

    def nonconformity_create(worker: int) -> None:
        audit_services.nonconformity_create(actor=actor, title=f"Finding {next(counter)}")
        writes.ack("audits.nonconformity", "create")

    def impact_assessment_create(worker: int) -> None:
        impact_services.impact_assessment_create(
            actor=actor,
            ai_system=systems[worker % len(systems)],
            template_id="iso42005",
            title=f"Assessment {next(counter)}",
            answers=complete_answers("iso42005"),
        )
        writes.ack("impact.impactassessment", "create")

    def system_edit(worker: int) -> None:
        system = systems[(worker + 1) % len(systems)]
        inventory_services.ai_system_update(actor=actor, ai_system=system, description=f"Edit {next(counter)}")
        writes.ack("inventory.aisystem", "update")

    def risk_edit(worker: int) -> None:
        risk = risks[worker % len(risks)]
        risk_services.risk_update(actor=actor, risk=risk, description=f"Edit {next(counter)}")
        writes.ack("risk.risk", "update")

    def monitor_run(worker: int) -> None:
        """A run writes several records in one transaction: its events (found by the run's request id) are checked
        against what it made, then acknowledged."""
        monitor = monitors[worker % len(monitors)]
        window = WINDOWS[next(counter) % len(WINDOWS)]
        with request_scope() as request_id:
            run = run_monitor(actor=actor, monitor=monitor, window_start=window)
        if run.status == "error":
            return writes.fail("monitor_run", run.error)
        expected_failure = window == WINDOWS[0]
        if run.passed == expected_failure:
            return writes.fail("monitor_run", f"window {window:%Y-%m-%d} passed={run.passed}")
        events = collections.Counter(
            TrailEvent.objects.filter(organization=organization, request_id=request_id).values_list(
                "object_type", "action"
            )
        )
        made = {
            ("monitoring.metricrun", "create"): 1,
            ("evidence.evidence", "create"): 1,
            ("monitoring.alert", "create"): run.alerts.count(),
            ("audits.nonconformity", "create"): Nonconformity.objects.filter(raised_by_run=run).count(),
        }
        for kind, count in made.items():
            if events[kind] != count:
                return writes.fail("monitor_run", f"{kind}: {events[kind]} events for {count} records")
        for kind, count in events.items():
            writes.ack(*kind, count=count)

    def soa_version_issue(worker: int) -> None:
        control_services.soa_issue_version(actor=actor, note=f"Issue {next(counter)}")
        writes.ack("controls.soaversion", "create")

    def internal_audit_plan(worker: int) -> None:
        make_audit(actor, programme, title=f"Internal audit {next(counter)}")
        writes.ack("audits.internalaudit", "create")

    def risk_create_and_delete(worker: int) -> None:
        risk = risk_services.risk_create(actor=actor, title=f"Risk {next(counter)}", likelihood=2, consequence=3)
        writes.ack("risk.risk", "create")
        risk_services.risk_delete(actor=actor, risk=risk)
        writes.ack("risk.risk", "delete")

    return [
        api_patch_system,
        api_post_incident,
        incident_create_and_delete,
        incident_edit,
        concern_report,
        nonconformity_create,
        monitor_run,
        impact_assessment_create,
        soa_version_issue,
        internal_audit_plan,
        system_edit,
        risk_edit,
        risk_create_and_delete,
    ]


def _event_kinds(organization) -> collections.Counter:
    return collections.Counter(
        TrailEvent.objects.filter(organization=organization).values_list("object_type", "action")
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_numbered_creates_edits_and_deletes_at_once_never_deadlock(owner_actor):
    organization = owner_actor.organization
    systems = [
        inventory_services.ai_system_create(
            actor=owner_actor, name=f"Scorer {n}", purpose="Scores loans.", in_scope=True
        )
        for n in range(3)
    ]
    risks = [
        risk_services.risk_create(actor=owner_actor, title=f"Shared risk {n}", likelihood=3, consequence=3)
        for n in range(2)
    ]
    for system in systems:  # the public form names published systems only
        publication_publish(actor=owner_actor, ai_system=system, public_sections=["purpose"])
    incidents = [
        incident_services.incident_create(actor=owner_actor, title=f"Shared {n}", description="Seen.") for n in range(2)
    ]
    justify_all(owner_actor)  # the SoA can be issued
    control = SoAEntry.objects.get(organization=organization, control_id="A.6.2.6")
    rows = prediction_rows(weeks=2, per_week=400, unfair_from_week=1)
    rows += [dict(r, ts=(dt.datetime.fromisoformat(r["ts"]) + dt.timedelta(weeks=2)).isoformat()) for r in rows[:400]]
    monitors = []
    for system in systems[:2]:
        monitor = make_monitor(owner_actor, make_store(owner_actor, system), controls=[control.pk])
        ingest(owner_actor, monitor.data_source, rows)
        monitors.append(monitor)
    programme = make_programme(owner_actor)
    before = collections.Counter(
        TrailEvent.objects.filter(organization=organization).values_list("object_type", "action")
    )
    clients = [bearer_client(owner_actor) for _ in range(WORKERS)]
    writes = Writes()
    barrier = threading.Barrier(WORKERS)

    def work(worker: int) -> None:
        operations = _operations(owner_actor, systems, risks, incidents, monitors, programme, clients[worker], writes)
        try:
            barrier.wait()
            for round_ in range(ROUNDS):
                operation = operations[(worker + round_) % len(operations)]
                try:
                    operation(worker)
                except Exception as exc:  # a deadlock, or anything else: reported below, the worker goes on
                    writes.fail(operation.__name__, repr(exc)[:300])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert writes.errors == []
    after = collections.Counter(
        TrailEvent.objects.filter(organization=organization).values_list("object_type", "action")
    )
    for kind, count in writes.acknowledged.items():
        assert after[kind] - before[kind] == count, kind
    count, broken = verify_organization(organization)
    assert broken is None
    assert count == TrailHead.objects.get(organization=organization).sequence == sum(after.values())
    # Numbers stay gap-free and revisions distinct under the same load.
    for model in (Incident, Concern, Nonconformity, SoAVersion, InternalAudit):
        numbers = sorted(model.objects.filter(organization=organization).values_list("number", flat=True))
        assert len(numbers) == len(set(numbers)), model
    for model in (Concern, Nonconformity, SoAVersion, InternalAudit):
        numbers = model.objects.filter(organization=organization).values_list("number", flat=True)
        made = writes.acknowledged[(model._meta.label_lower, "create")]
        assert made > 0 and sorted(numbers) == list(range(1, made + 1)), model
    runs = MetricRun.objects.filter(monitor__in=monitors)
    assert runs.count() == writes.acknowledged[("monitoring.metricrun", "create")] > 0
    assert runs.filter(passed=False).exists() and runs.filter(passed=True).exists()
    assert Nonconformity.objects.filter(monitor__in=monitors).exists()  # a breach opened one
    revisions = ImpactAssessment.objects.filter(organization=organization).values_list("ai_system_id", "revision")
    assert len(revisions) == len(set(revisions)) == writes.acknowledged[("impact.impactassessment", "create")]
    assert Risk.objects.filter(organization=organization).count() == len(risks)
    assert AISystem.objects.filter(organization=organization).count() == len(systems)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_organization_lock_is_taken_once_per_transaction_and_released_with_it(owner_actor):
    organization = owner_actor.organization
    with transaction.atomic():
        assert not holds_organization_lock(organization)
        lock_organization(organization)
        assert holds_organization_lock(organization)
        with CaptureQueriesContext(connection) as queries:
            lock_organization(organization)
            list(lock_rows(Risk.objects, organization))
        assert len(queries) == 1  # the rows only: the organization's lock is held already
        try:
            with transaction.atomic():
                lock_organization(organization)  # held from the outer block: stays held
                raise RuntimeError("roll the savepoint back")
        except RuntimeError:
            pass
        assert holds_organization_lock(organization)
    assert not holds_organization_lock(organization)
    with transaction.atomic():
        assert not holds_organization_lock(organization)  # a new transaction asks again
        try:
            with transaction.atomic():
                lock_organization(organization)
                raise RuntimeError("roll the savepoint back")
        except RuntimeError:
            pass
        assert not holds_organization_lock(organization)  # released with the savepoint it was taken in


def test_rows_are_locked_only_through_the_helper():
    """``select_for_update`` is called in ``openaims/base/locks.py`` only: every other lock goes through it."""
    calls = re.compile(r"\.select_for_update\(")
    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for path in sorted((REPO_ROOT / "openaims").rglob("*.py"))
        if path.relative_to(REPO_ROOT).as_posix() != "openaims/base/locks.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if calls.search(line)
    ]
    assert found == []
