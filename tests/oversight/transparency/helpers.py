"""Records the transparency tests build on, made through the services (metric runs as monitoring stores them)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from openaims.inventory.services import ai_system_create
from openaims.monitoring.models import MetricRun
from openaims.monitoring.services import data_source_create, monitor_create
from openaims.oversight.transparency import services

_numbers = itertools.count(1)
START = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def make_system(actor, name: str | None = None, **fields):
    fields = {"purpose": "Scores loan applications.", **fields}
    return ai_system_create(actor=actor, name=name or f"Scorer {next(_numbers)}", **fields)


def make_obligation(actor, system=None, **overrides):
    fields = {
        "ai_system": system or make_system(actor),
        "title": f"Quarterly fairness report {next(_numbers)}",
        "recipient": "Supervisory authority",
        "frequency": "quarterly",
        "first_due_date": dt.date(2030, 1, 31),
        **overrides,
    }
    return services.reporting_obligation_create(actor=actor, **fields)


def make_record(actor, obligation=None, **overrides):
    fields = {
        "obligation": obligation or make_obligation(actor),
        "summary": f"Report sent through the portal {next(_numbers)}",
        **overrides,
    }
    return services.reporting_record_create(actor=actor, **fields)


def make_monitor(actor, system, kind: str = "fairness", **overrides):
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
        "name": f"{kind.capitalize()} {next(_numbers)}",
        "kind": kind,
        "thresholds": [{"metric": "demographic_parity_ratio", "operator": ">=", "value": 0.8}]
        if kind == "fairness"
        else [{"metric": "accuracy", "operator": ">=", "value": 0.7}],
        **overrides,
    }
    return monitor_create(actor=actor, **fields)


def _rates(selection: float, accuracy: float, count: int) -> dict:
    return {
        "count": count,
        "selection_rate": selection,
        "accuracy": accuracy,
        "ci": {"selection_rate": [selection - 0.05, selection + 0.05], "accuracy": [accuracy - 0.04, accuracy + 0.04]},
        "small_group": False,
    }


def make_run(actor, monitor, week: int, *, passed: bool = True, status: str | None = None, ratio: float = 0.9):
    """A stored run over week ``week`` from START with results shaped as the metrics engine returns them."""
    start = START + dt.timedelta(weeks=week)
    now = timezone.now()
    results = {
        "rows": 400,
        "overall": _rates(0.5, 0.82, 400),
        "by_group": {"sex=F": _rates(0.45, 0.8, 200), "sex=M": _rates(0.55, 0.84, 200), "sex=X": {"small_group": True}},
        "differences": {"demographic_parity_ratio": ratio},
    }
    check = {"metric": "demographic_parity_ratio", "operator": ">=", "threshold": 0.8, "group": "overall"}
    return MetricRun.objects.create(
        organization=actor.organization,
        monitor=monitor,
        window_start=start,
        window_end=start + dt.timedelta(weeks=1),
        rows=400,
        engine="duckdb",
        status=status or ("passed" if passed else "failed"),
        passed=passed,
        results={} if status == "error" else results,
        checks=[] if status == "error" else [{**check, "value": ratio, "interval": None, "passed": passed}],
        started_at=now,
        finished_at=now,
    )
