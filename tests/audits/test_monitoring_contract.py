"""The contract monitoring calls: a breach opens (or adds to) a nonconformity, a later passing run verifies it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from openaims.accounts.choices import Role
from openaims.audits import services
from openaims.audits.models import Nonconformity
from openaims.base.models import TrailEvent
from openaims.monitoring.services import monitor_update
from tests.audits.helpers import BREACH, make_action, make_evidence, make_monitor, make_run, make_system


@pytest.fixture
def monitor(owner_actor, members):
    system = make_system(owner_actor, owner=members[Role.MANAGER])
    return make_monitor(owner_actor, system=system)


def _breach(actor, run, breaches=None):
    return services.nonconformity_open_for_breach(
        actor=actor, metric_run=run, breaches=[BREACH] if breaches is None else breaches
    )


def test_a_breach_opens_a_nonconformity(owner_actor, members, monitor):
    run = make_run(owner_actor, monitor, week=0, passed=False)
    nc = _breach(owner_actor, run, [BREACH, {**BREACH, "metric": "accuracy", "group": "F", "value": 0.5}])
    assert nc.reference == "NC-0001"
    assert (nc.source, nc.status, nc.monitor, nc.raised_by_run) == ("monitoring", "open", monitor, run)
    assert nc.ai_system == monitor.ai_system and nc.owner == members[Role.MANAGER]
    assert "demographic_parity_ratio (overall) = 0.62, required >= 0.8" in nc.description
    assert "accuracy (F) = 0.5" in nc.description
    assert list(nc.evidence.all()) == [run.evidence]
    assert nc.requirement_ids == ["9.1", "A.6.2.6"] and nc.due_date is not None
    assert [e.action for e in TrailEvent.objects.filter(object_id=str(nc.pk))] == ["create"]


def test_another_breach_is_recorded_on_the_open_nonconformity(owner_actor, monitor):
    first = make_run(owner_actor, monitor, week=0, passed=False)
    nc = _breach(owner_actor, first)
    second = make_run(owner_actor, monitor, week=1, passed=False)
    again = _breach(owner_actor, second)
    assert again.pk == nc.pk and Nonconformity.objects.count() == 1
    again.refresh_from_db()
    assert again.last_failing_run == second and again.raised_by_run == first
    assert set(again.evidence.all()) == {first.evidence, second.evidence}
    event = TrailEvent.objects.filter(object_id=str(nc.pk)).last()
    assert "breached again" in event.changes_dict["reason"][1]
    count = TrailEvent.objects.count()
    assert _breach(owner_actor, second).pk == nc.pk  # the same run twice changes nothing
    assert TrailEvent.objects.count() == count


def test_a_passing_run_verifies_but_does_not_close(owner_actor, monitor):
    failing = make_run(owner_actor, monitor, week=1, passed=False)
    nc = _breach(owner_actor, failing)
    earlier_pass = make_run(owner_actor, monitor, week=0, passed=True)
    assert services.nonconformities_verify_by_run(actor=owner_actor, metric_run=earlier_pass) == []
    same_window = make_run(owner_actor, monitor, week=1, passed=True)
    assert services.nonconformities_verify_by_run(actor=owner_actor, metric_run=same_window) == []
    assert (
        services.nonconformities_verify_by_run(actor=owner_actor, metric_run=failing) == []
    )  # failed runs verify nothing
    later = make_run(owner_actor, monitor, week=2, passed=True)
    verified = services.nonconformities_verify_by_run(actor=owner_actor, metric_run=later)
    assert [n.pk for n in verified] == [nc.pk]
    nc.refresh_from_db()
    assert (nc.status, nc.verified_by_run) == ("awaiting_verification", later)
    assert later.evidence in nc.evidence.all()
    assert services.nonconformities_verify_by_run(actor=owner_actor, metric_run=later) == []


def test_a_new_failure_sends_it_back_to_action_planned(owner_actor, monitor):
    nc = _breach(owner_actor, make_run(owner_actor, monitor, week=0, passed=False))
    make_action(owner_actor, nc, status="in_progress")
    services.nonconformities_verify_by_run(actor=owner_actor, metric_run=make_run(owner_actor, monitor, 1, True))
    nc.refresh_from_db()
    assert nc.status == "awaiting_verification"
    again = _breach(owner_actor, make_run(owner_actor, monitor, week=2, passed=False))
    assert again.pk == nc.pk
    nc.refresh_from_db()
    assert (nc.status, nc.verified_by_run) == ("action_planned", None)
    event = TrailEvent.objects.filter(object_id=str(nc.pk)).last()
    assert event.action == "transition" and "did not hold" in event.changes_dict["reason"][1]


def test_close_effective_with_the_verifying_run(actor_of, owner_actor, monitor):
    nc = _breach(owner_actor, make_run(owner_actor, monitor, week=0, passed=False))
    make_action(owner_actor, nc, status="done")
    manager = actor_of(Role.MANAGER)
    with pytest.raises(ValidationError) as exc:
        services.nonconformity_close(
            actor=manager, nonconformity=nc, effective=True, note="ok", evidence=[make_evidence(owner_actor)]
        )
    assert "verified_by_run" in exc.value.message_dict  # the monitor is active: its passing run is needed
    services.nonconformities_verify_by_run(actor=owner_actor, metric_run=make_run(owner_actor, monitor, 1, True))
    closed = services.nonconformity_close(actor=manager, nonconformity=nc, effective=True, note="Next week passed.")
    assert closed.status == "closed_effective" and closed.verified_by_run is not None
    event = TrailEvent.objects.filter(object_id=str(nc.pk)).last()
    assert "passing run" in event.changes_dict["verification"][1]


def test_admin_override_needs_evidence(actor_of, owner_actor, monitor):
    nc = _breach(owner_actor, make_run(owner_actor, monitor, week=0, passed=False))
    make_action(owner_actor, nc, status="done")
    admin = actor_of(Role.ADMIN)
    with pytest.raises(ValidationError) as exc:
        services.nonconformity_close(actor=admin, nonconformity=nc, effective=True, note="Model retired.")
    assert "evidence" in exc.value.message_dict
    closed = services.nonconformity_close(
        actor=admin, nonconformity=nc, effective=True, note="Retrained.", evidence=[make_evidence(owner_actor)]
    )
    assert closed.status == "closed_effective"
    event = TrailEvent.objects.filter(object_id=str(nc.pk)).last()
    assert "override" in event.changes_dict["verification"][1]


def test_inactive_monitor_closes_on_evidence(actor_of, owner_actor, monitor):
    nc = _breach(owner_actor, make_run(owner_actor, monitor, week=0, passed=False))
    make_action(owner_actor, nc, status="done")
    monitor_update(actor=owner_actor, monitor=monitor, active=False)
    closed = services.nonconformity_close(
        actor=actor_of(Role.MANAGER),
        nonconformity=nc,
        effective=True,
        note="Monitor retired with the model; the replacement was reviewed.",
        evidence=[make_evidence(owner_actor)],
    )
    assert closed.status == "closed_effective"


def test_after_closing_a_new_breach_opens_a_new_nonconformity(owner_actor, monitor):
    nc = _breach(owner_actor, make_run(owner_actor, monitor, week=0, passed=False))
    make_action(owner_actor, nc, status="done")
    services.nonconformities_verify_by_run(actor=owner_actor, metric_run=make_run(owner_actor, monitor, 1, True))
    services.nonconformity_close(actor=owner_actor, nonconformity=nc, effective=True, note="ok")
    fresh = _breach(owner_actor, make_run(owner_actor, monitor, week=3, passed=False))
    assert fresh.pk != nc.pk and fresh.reference == "NC-0002"


def test_not_effective_follow_up_takes_the_later_runs(owner_actor, monitor):
    first = make_run(owner_actor, monitor, week=0, passed=False)
    nc = _breach(owner_actor, first)
    services.nonconformity_close(actor=owner_actor, nonconformity=nc, effective=False, note="Reweighing did not help.")
    follow_up = Nonconformity.objects.get(previous=nc)
    assert (follow_up.monitor, follow_up.raised_by_run, follow_up.source) == (monitor, first, "monitoring")
    assert _breach(owner_actor, make_run(owner_actor, monitor, week=1, passed=False)).pk == follow_up.pk
    verified = services.nonconformities_verify_by_run(
        actor=owner_actor, metric_run=make_run(owner_actor, monitor, 2, True)
    )
    assert [n.pk for n in verified] == [follow_up.pk]


def test_system_without_owner_and_run_without_evidence(owner_actor):
    monitor = make_monitor(owner_actor)
    run = make_run(owner_actor, monitor, week=0, passed=False, with_evidence=False)
    nc = _breach(owner_actor, run, [])
    assert nc.owner is None and nc.evidence.count() == 0 and "no breach details" in nc.description
