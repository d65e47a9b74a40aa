"""Readiness 9.1 is derived from the runs: every live in-scope AI system measured by an active monitor, recently."""

from __future__ import annotations

from openaims.inventory.services import ai_system_create
from openaims.monitoring.readiness import measurement_rule
from openaims.monitoring.runner import run_monitor
from tests.monitoring.helpers import START, ingest, make_monitor, make_store, prediction_rows


def live(actor, name):
    return ai_system_create(actor=actor, name=name, purpose="Scores loans.", lifecycle_stage="deployed")


def test_measurement_rule_names_the_systems_not_measured(owner_actor):
    organization = owner_actor.organization
    assert measurement_rule(organization).status == "not_met"  # nothing live to measure
    first, second = live(owner_actor, "Scorer A"), live(owner_actor, "Scorer B")
    ai_system_create(actor=owner_actor, name="Idea only", purpose="Not live.")
    assert measurement_rule(organization).status == "not_met"

    monitors = []
    for system in (first, second):
        monitor = make_monitor(owner_actor, make_store(owner_actor, system))
        ingest(owner_actor, monitor.data_source, prediction_rows(weeks=1, per_week=200))
        monitors.append(monitor)
    run_monitor(actor=owner_actor, monitor=monitors[0], window_start=START)
    partial = measurement_rule(organization)
    assert partial.status == "partial" and "Scorer B" in partial.explanation and "Scorer A" not in partial.explanation

    run_monitor(actor=owner_actor, monitor=monitors[1], window_start=START)
    met = measurement_rule(organization)
    assert met.status == "met" and "2 live AI systems" in met.explanation
