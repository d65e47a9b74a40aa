"""10.2 readiness, derived from the nonconformity records."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from openaims.audits import services
from openaims.audits.readiness import RULES, nonconformity_rule
from openaims.controls.selectors.readiness import collect_rules
from tests.audits.helpers import make_action, make_evidence, make_monitor, make_nc, make_run


def test_rule_is_collected_for_10_2():
    assert collect_rules()["10.2"] is RULES["10.2"]


def test_empty_register_is_partial(org):
    result = nonconformity_rule(org)
    assert result.status == "partial" and "No nonconformity" in result.explanation
    assert result.url_name == "nonconformities-list"


def test_overdue_nonconformity_and_action_make_it_partial(owner_actor, org):
    past = timezone.localdate() - dt.timedelta(days=1)
    nc = make_nc(owner_actor, detected_on=past - dt.timedelta(days=5), due_date=past)
    result = nonconformity_rule(org)
    assert result.status == "partial" and "NC-0001" in result.explanation
    services.nonconformity_update(actor=owner_actor, nonconformity=nc, due_date=None)
    make_action(owner_actor, nc, due_date=past)
    result = nonconformity_rule(org)
    assert result.status == "partial" and "corrective actions past their due date on NC-0001" in result.explanation


def test_open_on_time_and_verified_closures_are_met(owner_actor, org):
    make_nc(owner_actor, due_date=timezone.localdate() + dt.timedelta(days=10))
    by_person = make_nc(owner_actor)
    make_action(owner_actor, by_person, status="done")
    services.nonconformity_close(
        actor=owner_actor, nonconformity=by_person, effective=True, note="ok", evidence=[make_evidence(owner_actor)]
    )
    monitor = make_monitor(owner_actor)
    by_run = services.nonconformity_open_for_breach(
        actor=owner_actor, metric_run=make_run(owner_actor, monitor, 0, False), breaches=[]
    )
    make_action(owner_actor, by_run, status="done")
    services.nonconformities_verify_by_run(actor=owner_actor, metric_run=make_run(owner_actor, monitor, 1, True))
    services.nonconformity_close(actor=owner_actor, nonconformity=by_run, effective=True, note="passed")
    result = nonconformity_rule(org)
    assert result.status == "met", result.explanation
    assert "3 nonconformities" in result.explanation and "2 closed" in result.explanation


def test_effective_closure_without_verification_is_partial(owner_actor, org):
    from openaims.audits.models import Nonconformity

    nc = make_nc(owner_actor)
    make_action(owner_actor, nc, status="done")
    services.nonconformity_close(
        actor=owner_actor, nonconformity=nc, effective=True, note="ok", evidence=[make_evidence(owner_actor)]
    )
    # Records imported or written before the rule existed: closed effective with nothing behind it.
    Nonconformity.verification_evidence.through.objects.filter(nonconformity_id=nc.pk).delete()
    result = nonconformity_rule(org)
    assert result.status == "partial" and "without a passing run or evidence: NC-0001" in result.explanation
