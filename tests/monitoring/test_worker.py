"""A real task runner: ``aims worker`` (Huey consumer, SQLite queue in the data directory) runs a due monitor.

The worker is a subprocess with its own data directory and SQLite database, so it sees committed data only,
as in production.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AIMS = str(Path(sys.executable).with_name("aims"))

SETUP = """
import datetime as dt, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openaims.web.settings")
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from openaims.accounts.selectors import actor_for
from openaims.accounts.services import organization_create, user_create
from openaims.monitoring import services
from openaims.monitoring.runner import last_complete_window
from tests.monitoring.helpers import START, ingest, make_monitor, prediction_rows
from django.utils import timezone
shift = last_complete_window("weekly", timezone.now())[0] - START
rows = [dict(r, ts=(dt.datetime.fromisoformat(r["ts"]) + shift).isoformat()) for r in prediction_rows(weeks=1)]
owner = user_create(username="owner@example.org", password="correct-horse-battery")
actor = actor_for(owner, organization_create(name="Worker test", slug="worker", owner=owner))
monitor = make_monitor(actor)
ingest(actor, monitor.data_source, rows)
services.monitor_update(actor=actor, monitor=monitor, next_run_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
print(monitor.pk.hex)
"""


def test_worker_runs_a_due_monitor(tmp_path):
    database = tmp_path / "aims.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIMS_", "DATABASE_URL", "PYTEST", "DJANGO"))},
        "AIMS_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{database}",
        "AIMS_SECRET_KEY": "worker-test-secret-key-0123456789abcdef0123456789",
        "AIMS_TASKS_IMMEDIATE": "0",
        "PYTHONPATH": str(ROOT),
    }
    setup = subprocess.run(
        [sys.executable, "-c", SETUP], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert setup.returncode == 0, setup.stderr[-3000:]
    monitor_id = setup.stdout.strip().splitlines()[-1]

    worker = subprocess.Popen([AIMS, "worker"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        runs = []
        while time.monotonic() < deadline and not runs:
            time.sleep(0.5)
            with sqlite3.connect(database) as con:
                runs = con.execute(
                    "SELECT trigger, status, rows FROM monitoring_metricrun WHERE replace(monitor_id, '-', '') = ?",
                    [monitor_id],
                ).fetchall()
        assert worker.poll() is None, worker.stdout.read().decode()[-3000:]
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            output = worker.communicate(timeout=20)[0].decode()
        except subprocess.TimeoutExpired:
            worker.kill()
            output = worker.communicate()[0].decode()
    assert runs, output[-3000:]
    trigger, status, rows = runs[0]
    assert (trigger, status, rows) == ("schedule", "passed", 400)
    with sqlite3.connect(database) as con:
        next_run = con.execute("SELECT next_run_at FROM monitoring_monitor").fetchone()[0]
    assert next_run > "2026-01-01"
    assert (tmp_path / "data" / "tasks.sqlite3").exists()
