"""Records and prediction logs the monitoring tests build on, made through the services."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import numpy as np

from openaims.inventory.services import ai_system_create
from openaims.monitoring import services
from openaims.monitoring.store import predictions_ingest_json

_numbers = itertools.count(1)

#: A Monday: weekly windows start here.
START = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def make_system(actor, name: str | None = None):
    return ai_system_create(actor=actor, name=name or f"Scorer {next(_numbers)}", purpose="Scores loans.")


def make_store(actor, system=None, **overrides):
    fields = {
        "ai_system": system or make_system(actor),
        "name": f"Predictions {next(_numbers)}",
        "kind": "store",
        "timestamp_column": "ts",
        "y_true_column": "label",
        "y_pred_column": "approved",
        "protected_attributes": ["sex"],
        **overrides,
    }
    return services.data_source_create(actor=actor, **fields)


def make_monitor(actor, source=None, **overrides):
    source = source or make_store(actor)
    fields = {
        "ai_system": source.ai_system,
        "data_source": source,
        "name": f"Fairness {next(_numbers)}",
        "kind": "fairness",
        "window": "weekly",
        "min_group_size": 10,
        "thresholds": [
            {"metric": "demographic_parity_ratio", "operator": ">=", "value": 0.8},
            {"metric": "accuracy", "operator": ">=", "value": 0.6},
        ],
        **overrides,
    }
    return services.monitor_create(actor=actor, **fields)


def prediction_rows(weeks: int = 2, per_week: int = 400, seed: int = 7, unfair_from_week: int | None = None):
    """Rows over ``weeks`` weeks from START; from ``unfair_from_week`` group F is approved far less often."""
    rng = np.random.default_rng(seed)
    rows = []
    for week in range(weeks):
        for i in range(per_week):
            sex = "F" if rng.random() < 0.5 else "M"
            label = int(rng.random() < 0.5)
            correct = rng.random() < 0.85
            approved = label if correct else 1 - label
            if unfair_from_week is not None and week >= unfair_from_week and sex == "F" and rng.random() < 0.6:
                approved = 0
            ts = START + dt.timedelta(weeks=week, seconds=int(i * 604800 / per_week))
            rows.append({"ts": ts.isoformat(), "label": label, "approved": approved, "sex": sex})
    return rows


def ingest(actor, source, rows):
    body = "\n".join(json.dumps(r) for r in rows).encode()
    return predictions_ingest_json(actor=actor, data_source=source, chunks=[body])
