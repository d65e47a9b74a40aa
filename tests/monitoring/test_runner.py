"""Running a monitor: the same numbers as openaims.metrics (and Fairlearn) on the window's rows, thresholds,
alerts, evidence, the loop to nonconformities, append-only runs, error runs, drift and score-based sources."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from openaims.accounts.choices import Role
from openaims.base.models import TrailEvent
from openaims.controls.models import SoAEntry
from openaims.controls.services import soa_ensure_entries
from openaims.metrics import fairness
from openaims.monitoring import runner, services
from openaims.monitoring.models import Alert, MetricRun
from openaims.monitoring.runner import last_complete_window, run_monitor, window_containing
from tests.monitoring.helpers import START, ingest, make_monitor, make_store, prediction_rows

WEEK2 = START + dt.timedelta(weeks=1)


@pytest.fixture
def rows():
    return prediction_rows(weeks=2, per_week=400, unfair_from_week=1)


@pytest.fixture
def monitor(owner_actor, rows):
    monitor = make_monitor(owner_actor)
    ingest(owner_actor, monitor.data_source, rows)
    return monitor


def window_frame(rows, start) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    ts = pd.to_datetime(frame["ts"], utc=True)
    return frame[(ts >= pd.Timestamp(start)) & (ts < pd.Timestamp(start + dt.timedelta(weeks=1)))]


def test_windows_are_utc_days_weeks_and_months():
    at = dt.datetime(2026, 3, 18, 15, 30, tzinfo=dt.UTC)  # a Wednesday
    assert window_containing("daily", at) == (at.replace(hour=0, minute=0), dt.datetime(2026, 3, 19, tzinfo=dt.UTC))
    assert window_containing("weekly", at) == (
        dt.datetime(2026, 3, 16, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 23, tzinfo=dt.UTC),
    )
    assert window_containing("monthly", at) == (
        dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
    )
    assert last_complete_window("weekly", at)[0] == dt.datetime(2026, 3, 9, tzinfo=dt.UTC)
    assert last_complete_window("monthly", dt.datetime(2026, 1, 2, tzinfo=dt.UTC))[0] == dt.datetime(
        2025, 12, 1, tzinfo=dt.UTC
    )


def test_run_numbers_equal_the_engine_on_the_window_rows(owner_actor, monitor, rows):
    run = run_monitor(actor=owner_actor, monitor=monitor, window_start=START)
    expected = fairness(
        "label", "approved", sensitive_features=["sex"], data=window_frame(rows, START), min_group_size=10
    )
    assert run.rows == 400 == expected.rows
    assert run.results["by_group"] == json.loads(json.dumps(expected.to_dict()["by_group"]))
    assert run.results["differences"] == json.loads(json.dumps(expected.differences()))
    assert run.results["overall"] == json.loads(json.dumps(expected.overall.to_dict()))
    counts = run.aggregates["confusion_counts"]
    assert sum(sum(c.values()) for c in counts.values()) == 400
    assert run.engine == "duckdb" and run.window_end - run.window_start == dt.timedelta(weeks=1)


def test_run_numbers_equal_fairlearn(owner_actor, monitor, rows):
    from fairlearn.metrics import MetricFrame, demographic_parity_ratio, selection_rate
    from sklearn.metrics import accuracy_score

    run = run_monitor(actor=owner_actor, monitor=monitor, window_start=WEEK2)
    frame = window_frame(rows, WEEK2)
    mf = MetricFrame(
        metrics={"selection_rate": selection_rate, "accuracy": accuracy_score},
        y_true=frame["label"],
        y_pred=frame["approved"],
        sensitive_features=frame["sex"],
    )
    for group in ("F", "M"):
        assert run.results["by_group"][group]["selection_rate"] == pytest.approx(
            mf.by_group.loc[group, "selection_rate"]
        )
        assert run.results["by_group"][group]["accuracy"] == pytest.approx(mf.by_group.loc[group, "accuracy"])
    ratio = demographic_parity_ratio(frame["label"], frame["approved"], sensitive_features=frame["sex"])
    assert run.results["differences"]["demographic_parity_ratio"] == pytest.approx(ratio)


def test_passing_and_failing_thresholds_alerts_and_evidence(owner_actor, monitor):
    soa_ensure_entries(actor=owner_actor)
    control = SoAEntry.objects.get(organization=owner_actor.organization, control_id="A.6.2.6")
    services.monitor_update(actor=owner_actor, monitor=monitor, controls=[control.pk])

    passed = run_monitor(actor=owner_actor, monitor=monitor, window_start=START)
    assert passed.status == "passed" and passed.passed and not passed.alerts.exists()
    assert [c["passed"] for c in passed.checks] == [True, True]

    failed = run_monitor(actor=owner_actor, monitor=monitor, window_start=WEEK2)
    assert failed.status == "failed" and not failed.passed
    breach = failed.failed_checks
    assert [(c["metric"], c["group"]) for c in breach] == [("demographic_parity_ratio", "overall")]
    assert breach[0]["value"] < 0.8
    alert = Alert.objects.get(run=failed)
    assert alert.metric == "demographic_parity_ratio" and alert.severity == "critical" and alert.monitor == monitor
    assert alert.value == pytest.approx(breach[0]["value"]) and alert.threshold == 0.8 and alert.operator == ">="
    assert "demographic_parity_ratio" in alert.message

    for run in (passed, failed):
        evidence = run.evidence
        assert evidence.kind == "record" and evidence.record_type == "monitoring.metricrun"
        assert evidence.record_id == str(run.pk)
        assert list(evidence.ai_systems.all()) == [monitor.ai_system]
        assert evidence in control.evidence.all()
    events = TrailEvent.objects.filter(object_id=str(failed.pk)).values_list("action", flat=True)
    assert list(events) == ["create", "update"]  # created, then linked to its evidence in the same transaction


def test_any_group_threshold_checks_every_large_enough_group(owner_actor, monitor):
    services.monitor_update(
        actor=owner_actor,
        monitor=monitor,
        thresholds=[{"metric": "selection_rate", "operator": ">=", "value": 0.4, "group": "any"}],
    )
    run = run_monitor(actor=owner_actor, monitor=monitor, window_start=WEEK2)
    by_group = {c["group"]: c for c in run.checks}
    assert set(by_group) == {"F", "M"}
    assert by_group["F"]["passed"] is False and by_group["M"]["passed"] is True
    assert by_group["F"]["interval"][0] <= by_group["F"]["value"] <= by_group["F"]["interval"][1]
    assert Alert.objects.get(run=run).group == "F"


def test_the_loop_opens_a_nonconformity_and_a_later_passing_run_verifies_it(owner_actor, monitor, rows):
    nonconformity = pytest.importorskip("openaims.audits.models").Nonconformity
    failed = run_monitor(actor=owner_actor, monitor=monitor, window_start=WEEK2)
    nc = nonconformity.objects.get(monitor=monitor)
    assert nc.raised_by_run == failed
    third_week = [
        dict(r, ts=(dt.datetime.fromisoformat(r["ts"]) + dt.timedelta(weeks=2)).isoformat()) for r in rows[:400]
    ]
    ingest(owner_actor, monitor.data_source, third_week)
    fixed = run_monitor(actor=owner_actor, monitor=monitor, window_start=WEEK2 + dt.timedelta(weeks=1))
    assert fixed.status == "passed"
    nc.refresh_from_db()
    assert nc.verified_by_run == fixed


def test_runs_are_append_only(api_as, owner_actor, monitor):
    run = run_monitor(actor=owner_actor, monitor=monitor, window_start=START)
    assert not hasattr(services, "metric_run_update") and not hasattr(services, "metric_run_delete")
    client = api_as(Role.OWNER)
    assert client.patch(f"/api/v1/metric-runs/{run.pk}", {}, content_type="application/json").status_code == 405
    assert client.delete(f"/api/v1/metric-runs/{run.pk}").status_code == 405
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="deactivate"):
        services.monitor_delete(actor=owner_actor, monitor=monitor)
    assert MetricRun.objects.filter(pk=run.pk).exists()


def test_an_empty_window_or_unreadable_source_is_an_error_run_that_changes_nothing_else(owner_actor, monitor):
    empty = run_monitor(actor=owner_actor, monitor=monitor, window_start=START - dt.timedelta(weeks=5))
    assert empty.status == "error" and "No rows" in empty.error and empty.evidence is None
    assert not Alert.objects.filter(run=empty).exists()
    source = make_store(owner_actor, y_true_column="outcome")
    broken = make_monitor(owner_actor, source=source)
    ingest(owner_actor, source, [dict(r, outcome=r.pop("label")) for r in prediction_rows(weeks=1, per_week=5)])
    services.data_source_update(actor=owner_actor, data_source=source, y_true_column="missing")
    run = run_monitor(actor=owner_actor, monitor=broken, window_start=START)
    assert run.status == "error" and "missing" in run.error
    never = make_monitor(owner_actor)
    assert "no predictions" in run_monitor(actor=owner_actor, monitor=never, window_start=START).error


def test_score_threshold_and_positive_label(owner_actor):
    source = make_store(
        owner_actor,
        y_pred_column="",
        score_column="score",
        threshold=0.5,
        positive_label="good",
        y_true_column="outcome",
    )
    monitor = make_monitor(
        owner_actor,
        source=source,
        thresholds=[{"metric": "accuracy", "operator": ">=", "value": 0.5}],
        kind="performance",
    )
    rows = [
        {
            "ts": (START + dt.timedelta(hours=i)).isoformat(),
            "outcome": "good" if i % 2 else "bad",
            "score": 0.9 if i % 2 else 0.1,
            "sex": "F",
        }
        for i in range(40)
    ]
    ingest(owner_actor, source, rows)
    run = run_monitor(actor=owner_actor, monitor=monitor, window_start=START)
    assert run.status == "passed" and run.results["overall"]["accuracy"] == 1.0


def test_performance_monitor_without_groups(owner_actor):
    source = make_store(owner_actor, protected_attributes=[])
    monitor = make_monitor(
        owner_actor,
        source=source,
        kind="performance",
        thresholds=[{"metric": "accuracy", "operator": ">=", "value": 0.99}],
    )
    ingest(
        owner_actor,
        source,
        [{k: v for k, v in r.items() if k != "sex"} for r in prediction_rows(weeks=1, per_week=100)],
    )
    run = run_monitor(actor=owner_actor, monitor=monitor, window_start=START)
    assert run.status == "failed" and run.rows == 100
    assert list(run.results["by_group"]) == ["all"]


def test_drift_monitor_against_the_previous_window(owner_actor):
    source = make_store(owner_actor, feature_columns=["income"])
    monitor = make_monitor(
        owner_actor,
        source=source,
        kind="drift",
        thresholds=[{"metric": "psi", "operator": "<", "value": 0.2}],
    )
    rows = prediction_rows(weeks=2, per_week=300)
    for i, row in enumerate(rows):
        row["income"] = float(i % 100) + (60.0 if i >= 300 else 0.0)
    ingest(owner_actor, source, rows)
    run = run_monitor(actor=owner_actor, monitor=monitor, window_start=WEEK2)
    assert run.status == "failed"
    assert run.results["columns"]["income"]["psi"] > 0.2
    assert run.checks[0]["group"] == "income"
    assert run.aggregates["reference_window"][0].startswith("2026-01-05")


def test_scheduler_runs_due_monitors_and_moves_the_next_run(owner_actor, monitor):
    now = dt.datetime(2026, 1, 20, 9, tzinfo=dt.UTC)
    services.monitor_update(actor=owner_actor, monitor=monitor, next_run_at=now - dt.timedelta(minutes=1))
    assert list(runner.due_monitors(now)) == [monitor]
    run = runner.run_scheduled(monitor.pk, now=now)
    assert run.trigger == "schedule" and run.window_start == WEEK2
    monitor.refresh_from_db()
    assert monitor.next_run_at == now - dt.timedelta(minutes=1) + dt.timedelta(days=1)
    assert runner.run_scheduled(monitor.pk, now=now) is None  # no longer due


def test_huey_task_in_immediate_mode(owner_actor, monitor):
    from openaims.monitoring.tasks import enqueue_due_monitors, huey

    assert huey.immediate
    services.monitor_update(actor=owner_actor, monitor=monitor, next_run_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert enqueue_due_monitors() == [str(monitor.pk)]
    assert MetricRun.objects.filter(monitor=monitor, trigger="schedule").count() == 1


def test_running_needs_the_create_right(actor_of, monitor):
    from openaims.base.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        run_monitor(actor=actor_of(Role.VIEWER), monitor=monitor, window_start=START)
