"""Compacting the Parquet prediction store: same rows before and after, one rename switches readers, ingests
keep working, old generations go after their grace time, a trail event, the scheduler and ``aims monitor compact``."""

from __future__ import annotations

import datetime as dt
import json
import threading

import duckdb
import pytest
from typer.testing import CliRunner

from openaims.accounts.choices import Role
from openaims.base.errors import NotFound, PermissionDenied
from openaims.base.models import TrailEvent
from openaims.cli.main import app
from openaims.monitoring import store
from openaims.monitoring.runner import run_monitor
from openaims.monitoring.store import (
    CURRENT,
    RETIRED_MARK,
    IngestError,
    store_compact,
    store_dir,
    store_parts,
    store_root,
)
from tests.monitoring.helpers import START, ingest, make_monitor, make_store, prediction_rows

NO_GRACE = dt.timedelta(0)


def batches(count: int, per_week: int = 20, seed: int = 100) -> list[list[dict]]:
    """``count`` distinct batches of rows (distinct content: a part per ingest)."""
    return [prediction_rows(weeks=1, per_week=per_week, seed=seed + i) for i in range(count)]


def content(folder) -> list[tuple]:
    """Every row a reader of ``folder`` sees, sorted (what DuckDB reads from the folder, as the runner does)."""
    with duckdb.connect() as con:
        return con.execute(
            f"SELECT * FROM read_parquet('{folder}/**/*.parquet') ORDER BY ALL",
        ).fetchall()


@pytest.fixture
def source(owner_actor):
    source = make_store(owner_actor)
    for rows in batches(5):
        ingest(owner_actor, source, rows)
    return source


def test_compaction_keeps_every_row_and_switches_to_one_file(owner_actor, source):
    before_dir = store_dir(source)
    before = content(before_dir)
    assert len(store_parts(source)) == 5 and len(before) == 100

    result = store_compact(actor=owner_actor, data_source=source)

    assert result.parts == 5 and result.rows == 100 and result.removed == 0
    parts = store_parts(source)
    assert [p.name for p in parts] == [result.part] == [f"{result.sha256}.parquet"]
    assert store_dir(source) != before_dir and store_dir(source).name == result.generation
    assert (store_root(source) / CURRENT).read_text().strip() == result.generation
    assert content(store_dir(source)) == before
    # A run that resolved the old generation before the switch still reads all of it (kept for the grace time).
    assert (before_dir / RETIRED_MARK).exists() and content(before_dir) == before
    assert not list(store_dir(source).glob(".*"))  # no temp file left
    event = TrailEvent.objects.filter(object_id=str(source.pk)).order_by("-sequence").first()
    was, now = event.changes_dict["predictions_compacted"]
    assert was == {"parts": 5, "rows": 100}
    assert now == {"parts": 1, "rows": 100, "sha256": result.sha256, "part": result.part}


def test_runs_give_the_same_numbers_after_compaction(owner_actor):
    monitor = make_monitor(owner_actor)
    rows = prediction_rows(weeks=2, per_week=400, unfair_from_week=1)
    for week_rows in (rows[i : i + 100] for i in range(0, len(rows), 100)):
        ingest(owner_actor, monitor.data_source, week_rows)
    assert len(store_parts(monitor.data_source)) == 8
    before = run_monitor(actor=owner_actor, monitor=monitor, window_start=START + dt.timedelta(weeks=1))
    store_compact(actor=owner_actor, data_source=monitor.data_source)
    after = run_monitor(actor=owner_actor, monitor=monitor, window_start=START + dt.timedelta(weeks=1))
    assert after.rows == before.rows == 400
    assert after.results == before.results and after.checks == before.checks and after.status == "failed"


def test_ingest_after_compaction_and_old_generations_removed_after_their_grace(owner_actor, source):
    first = store_compact(actor=owner_actor, data_source=source)
    extra = prediction_rows(weeks=1, per_week=7, seed=999)
    assert ingest(owner_actor, source, extra).rows == 7
    assert len(store_parts(source)) == 2 and store_dir(source).name == first.generation
    assert len(content(store_dir(source))) == 107

    second = store_compact(actor=owner_actor, data_source=source, keep_old_for=NO_GRACE)
    # Without grace both retired generations go: the ingests' first one and the one the first compaction wrote.
    assert second.parts == 2 and second.rows == 107 and second.removed == 2
    root = store_root(source)
    assert sorted(p.name for p in root.iterdir()) == sorted([CURRENT, second.generation])
    assert len(content(root)) == 107  # reading the whole root: nothing left twice
    assert store_compact(actor=owner_actor, data_source=source) is None  # one part: nothing to do


def test_readers_never_see_both_nor_neither(owner_actor, source):
    """A reader resolving and reading the store over and over while ingests and compactions go on."""
    totals = {100 + 7 * i for i in range(6)}
    seen: list[int] = []
    problems: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set() or not seen:
            try:
                seen.append(len(content(store_dir(source))))
            except duckdb.Error as exc:  # a file gone while read, or no file at all
                problems.append(str(exc))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(5):
            ingest(owner_actor, source, prediction_rows(weeks=1, per_week=7, seed=500 + i))
            store_compact(actor=owner_actor, data_source=source)
    finally:
        stop.set()
        reader.join()
    assert problems == []
    assert seen and set(seen) <= totals, sorted(set(seen) - totals)
    assert seen == sorted(seen)  # rows only ever appear
    assert len(content(store_dir(source))) == 135


def test_a_failed_compaction_changes_nothing(owner_actor, source, monkeypatch):
    root = store_root(source)
    before_entries = sorted(p.name for p in root.iterdir())
    before_dir, before_parts = store_dir(source), store_parts(source)

    def broken(**kwargs):
        raise RuntimeError("trail is down")

    monkeypatch.setattr(store, "record_event", broken)
    with pytest.raises(RuntimeError):
        store_compact(actor=owner_actor, data_source=source)
    assert sorted(p.name for p in root.iterdir()) == before_entries
    assert store_dir(source) == before_dir and store_parts(source) == before_parts


def test_a_store_from_before_generations_is_compacted_too(owner_actor, source):
    """Parts directly in the root (no CURRENT): the root is the generation; its parts go after the grace."""
    root = store_root(source)
    for part in store_parts(source):
        part.rename(root / part.name)
    store_dir(source).rmdir()
    (root / CURRENT).unlink()
    assert store_dir(source) == root and len(store_parts(source)) == 5
    before = content(root)
    result = store_compact(actor=owner_actor, data_source=source)
    assert (root / RETIRED_MARK).exists() and content(store_dir(source)) == before
    again = store_compact(
        actor=owner_actor, data_source=source, min_parts=1, keep_old_for=NO_GRACE
    )  # one part: only sweeps
    assert again is None
    assert not list(root.glob("*.parquet")) and not (root / RETIRED_MARK).exists()
    assert store_dir(source).name == result.generation and content(root) == before


def test_rights_tenancy_and_kind(actor_of, owner_actor, other_actor, source):
    with pytest.raises(PermissionDenied):
        store_compact(actor=actor_of(Role.VIEWER), data_source=source)
    with pytest.raises(NotFound):
        store_compact(actor=other_actor, data_source=source)
    parquet = make_store(owner_actor, kind="parquet", location="logs.parquet")
    with pytest.raises(IngestError, match="store"):
        store_compact(actor=owner_actor, data_source=parquet)
    assert len(store_parts(source)) == 5  # nothing happened
    assert store_compact(actor=actor_of(Role.CONTRIBUTOR), data_source=source).parts == 5


def test_the_scheduler_compacts_stores_with_more_parts_than_the_setting(owner_actor, source, settings):
    from openaims.monitoring.tasks import compact_stores

    settings.AIMS_STORE_COMPACT_PARTS = 4
    small = make_store(owner_actor)
    for rows in batches(4, seed=300):
        ingest(owner_actor, small, rows)
    assert compact_stores() == [str(source.pk)]  # 5 parts > 4; the other holds 4
    assert len(store_parts(source)) == 1 and len(store_parts(small)) == 4
    event = TrailEvent.objects.filter(object_id=str(source.pk)).order_by("-sequence").first()
    assert "predictions_compacted" in event.changes_dict and event.actor_label.startswith("scheduler")


runner = CliRunner()


def test_cli_compact(owner_actor, source):
    neither = runner.invoke(app, ["monitor", "compact"])
    assert neither.exit_code == 1 and "SOURCE or --all" in neither.output
    unknown = runner.invoke(app, ["monitor", "compact", "no such source"])
    assert unknown.exit_code == 1 and "no data source 'no such source'" in unknown.output
    result = runner.invoke(app, ["monitor", "compact", source.name, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["compacted"] and data["parts"] == 5 and data["rows"] == 100 and data["data_source"] == str(source.pk)
    text = runner.invoke(app, ["monitor", "compact", str(source.pk)])
    assert text.exit_code == 0 and "nothing to compact" in text.output
    other = make_store(owner_actor)
    for rows in batches(3, seed=700):
        ingest(owner_actor, other, rows)
    every = runner.invoke(app, ["monitor", "compact", "--all", "--min-parts", "2", "--json"])
    assert every.exit_code == 0, every.output
    assert [(d["name"], d["parts"]) for d in json.loads(every.output)] == [(other.name, 3)]
    assert "No store needs compacting." in runner.invoke(app, ["monitor", "compact", "--all"]).output
