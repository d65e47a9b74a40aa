"""Monitoring of the demo organization: a generated prediction log of the credit scoring system, its store data
source, a fairness monitor, and one run per week — the last weeks breach the demographic parity threshold.

The log is generated with a fixed seed (numpy), 600 decisions a week over the 8 complete weeks before today.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
from django.utils import timezone

from openaims.controls.models import SoAEntry
from openaims.governance.models import AIObjective
from openaims.inventory.models import AISystem
from openaims.monitoring import services
from openaims.monitoring.models import DataSource
from openaims.monitoring.runner import last_complete_window, run_monitor
from openaims.monitoring.store import predictions_ingest_json

WEEKS = 8
PER_WEEK = 600
UNFAIR_WEEKS = 2  # the last weeks: young applicants are refused far more often
AGE_BANDS = ("18-25", "26-45", "46+")


def demo_prediction_rows(first_monday: dt.datetime, *, seed: int = 42) -> list[dict]:
    """The credit decisions of ``WEEKS`` weeks from ``first_monday``: repaid (truth), approved (decision), groups."""
    rng = np.random.default_rng(seed)
    rows = []
    for week in range(WEEKS):
        unfair = week >= WEEKS - UNFAIR_WEEKS
        offsets = np.sort(rng.integers(0, 7 * 24 * 3600, PER_WEEK))
        for offset in offsets:
            age_band = AGE_BANDS[int(rng.integers(0, len(AGE_BANDS)))]
            sex = "F" if rng.random() < 0.5 else "M"
            repaid = int(rng.random() < 0.6)
            approved = repaid if rng.random() < 0.95 else 1 - repaid
            if unfair and age_band == "18-25" and approved and rng.random() < 0.35:
                approved = 0
            score = float(np.clip(rng.normal(0.65 if approved else 0.35, 0.12), 0, 1))
            moment = first_monday + dt.timedelta(weeks=week, seconds=int(offset))
            rows.append(
                {
                    "decided_at": moment.isoformat(),
                    "repaid": repaid,
                    "approved": approved,
                    "score": round(score, 4),
                    "sex": sex,
                    "age_band": age_band,
                }
            )
    return rows


def load_demo_monitoring(actor, members) -> int:
    """Data source, prediction log, fairness monitor and its weekly runs; returns the number of runs."""
    organization = actor.organization
    system = AISystem.objects.filter(organization=organization, name="Retail credit scoring").first()
    if system is None or DataSource.objects.filter(organization=organization).exists():
        return 0
    source = services.data_source_create(
        actor=actor,
        ai_system=system,
        name="Credit decisions log",
        kind="store",
        timestamp_column="decided_at",
        y_true_column="repaid",
        y_pred_column="approved",
        protected_attributes=["sex", "age_band"],
        feature_columns=["score"],
        description="Every credit decision of the scoring model, with the later repayment outcome.",
    )
    last_start, _ = last_complete_window("weekly", timezone.now())
    first_monday = last_start - dt.timedelta(weeks=WEEKS - 1)
    body = "\n".join(json.dumps(row) for row in demo_prediction_rows(first_monday)).encode()
    predictions_ingest_json(actor=actor, data_source=source, chunks=[body])
    monitor = services.monitor_create(
        actor=actor,
        ai_system=system,
        data_source=source,
        name="Credit decisions: fairness by age",
        kind="fairness",
        thresholds=[
            {"metric": "demographic_parity_ratio", "operator": ">=", "value": 0.8, "group": "overall"},
            {"metric": "accuracy", "operator": ">=", "value": 0.85, "group": "overall"},
        ],
        protected_attributes=["age_band"],
        window="weekly",
        min_group_size=50,
        schedule="weekly",
        next_run_at=last_start + dt.timedelta(weeks=2),
        objectives=list(
            AIObjective.objects.filter(organization=organization, ai_systems=system).values_list("pk", flat=True)[:2]
        ),
        controls=list(
            SoAEntry.objects.filter(organization=organization, control_id__in=["A.6.2.6", "A.7.4"]).values_list(
                "pk", flat=True
            )
        ),
        description="The four-fifths rule on approvals across age bands, and accuracy against repayment.",
    )
    for week in range(WEEKS):
        run_monitor(actor=actor, monitor=monitor, window_start=first_monday + dt.timedelta(weeks=week))
    return WEEKS
