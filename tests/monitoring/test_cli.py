"""``aims monitor list|run`` and ``aims worker``: output, exit codes, one clear line on bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from openaims.cli.main import app
from openaims.monitoring import services
from openaims.monitoring.models import MetricRun
from tests.monitoring.helpers import ingest, make_monitor, prediction_rows

runner = CliRunner()


def aims(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def monitor(owner_actor):
    monitor = make_monitor(owner_actor, name="Parity by sex")
    ingest(owner_actor, monitor.data_source, prediction_rows(weeks=2, unfair_from_week=1))
    return monitor


def test_list_as_table_and_json(monitor):
    table = aims("monitor", "list")
    assert table.exit_code == 0 and "Monitors of Acme AI" in table.output and "Parity" in table.output
    data = json.loads(aims("monitor", "list", "--json", "--system", monitor.ai_system.name).output)
    assert [m["id"] for m in data] == [str(monitor.pk)] and data[0]["latest_run"] is None
    by_id = json.loads(aims("monitor", "list", "--json", "--system", str(monitor.ai_system_id)).output)
    assert len(by_id) == 1


def test_run_one_window_exit_code_follows_the_verdict(monitor):
    passed = aims("monitor", "run", str(monitor.pk), "--window-start", "2026-01-05", "--json")
    assert passed.exit_code == 0, passed.output
    assert json.loads(passed.output)["status"] == "passed"
    failed = aims("monitor", "run", str(monitor.pk), "--window-start", "2026-01-12")
    assert failed.exit_code == 1
    assert "Threshold breached" in failed.output and "demographic_parity_ratio [overall]" in failed.output
    assert "BREACHED" in failed.output
    assert MetricRun.objects.filter(monitor=monitor).count() == 2


def test_run_due(owner_actor, monitor):
    import datetime as dt

    services.monitor_update(actor=owner_actor, monitor=monitor, schedule="manual")
    assert "No monitor is due." in aims("monitor", "run", "--due").output
    services.monitor_update(
        actor=owner_actor, monitor=monitor, schedule="daily", next_run_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    result = aims("monitor", "run", "--due", "--json")
    runs = json.loads(result.output)
    assert len(runs) == 1 and runs[0]["trigger"] == "schedule" and runs[0]["monitor"] == "Parity by sex"


@pytest.mark.parametrize(
    "args, message",
    [
        (("monitor", "run"), "give a MONITOR_ID or --due"),
        (("monitor", "run", "not-a-uuid"), "no monitor 'not-a-uuid'"),
        (("monitor", "run", "00000000-0000-0000-0000-000000000000"), "no monitor"),
        (("monitor", "list", "--system", "Nope"), "--system: no AI system 'Nope'"),
        (("worker",), "AIMS_TASKS_IMMEDIATE=1"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(monitor, args, message):
    result = aims(*args)
    assert result.exit_code == 1
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_bad_window_start(monitor):
    result = aims("monitor", "run", str(monitor.pk), "--window-start", "soon")
    assert result.exit_code == 1 and "--window-start" in result.output
