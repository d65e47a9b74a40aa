"""Records the nonconformity tests build on: made through the services, metric runs as monitoring stores them."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from openaims.audits import services
from openaims.evidence.services import evidence_create
from openaims.inventory.services import ai_system_create
from openaims.monitoring.models import MetricRun
from openaims.monitoring.services import data_source_create, monitor_create

_numbers = itertools.count(1)

#: A Monday: weekly windows start here.
START = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
BREACH = {"metric": "demographic_parity_ratio", "group": "overall", "value": 0.62, "operator": ">=", "threshold": 0.8}


def make_system(actor, name: str | None = None, **fields):
    return ai_system_create(actor=actor, name=name or f"Scorer {next(_numbers)}", purpose="Scores loans.", **fields)


def make_nc(actor, **overrides):
    fields = {"title": f"Nonconformity {next(_numbers)}", "description": "Found in a review.", **overrides}
    return services.nonconformity_create(actor=actor, **fields)


def make_action(actor, nonconformity, **overrides):
    fields = {"nonconformity": nonconformity, "root_cause": "Skewed data.", "description": "Reweigh.", **overrides}
    return services.corrective_action_create(actor=actor, **fields)


def make_evidence(actor, **overrides):
    fields = {"title": f"Review record {next(_numbers)}", "url": "https://example.org/review", **overrides}
    return evidence_create(actor=actor, **fields)


def make_monitor(actor, system=None, **overrides):
    system = system or make_system(actor)
    source = data_source_create(
        actor=actor,
        ai_system=system,
        name=f"Predictions {next(_numbers)}",
        kind="store",
        timestamp_column="ts",
        y_true_column="label",
        y_pred_column="approved",
        protected_attributes=["sex"],
    )
    fields = {
        "ai_system": system,
        "data_source": source,
        "name": f"Fairness {next(_numbers)}",
        "kind": "fairness",
        "thresholds": [{"metric": "demographic_parity_ratio", "operator": ">=", "value": 0.8}],
        **overrides,
    }
    return monitor_create(actor=actor, **fields)


def make_run(actor, monitor, week: int, passed: bool, with_evidence: bool = True) -> MetricRun:
    """A stored run of ``monitor`` over week ``week`` from START (what monitoring's runner records)."""
    start = START + dt.timedelta(weeks=week)
    evidence = make_evidence(actor, title=f"Run of {monitor} week {week}") if with_evidence else None
    now = timezone.now()
    return MetricRun.objects.create(
        organization=actor.organization,
        monitor=monitor,
        window_start=start,
        window_end=start + dt.timedelta(weeks=1),
        rows=400,
        engine="duckdb",
        status="passed" if passed else "failed",
        passed=passed,
        checks=[{**BREACH, "value": 0.91 if passed else 0.62, "passed": passed}],
        evidence=evidence,
        started_at=now,
        finished_at=now,
    )
