"""The trail: appends per second (bulk import, raw ``record_event``) and verifying a chain of 1,000,000 events.

The million events are not written through ``record_event`` (hours on this machine): the benchmark computes a
valid chain in Python with ``openaims.trail.event_hash`` over the same values, in the same order, as
``record_event`` and ``TrailEvent.hashed_values``, inserts it in batches (``executemany`` on SQLite, ``COPY`` on
PostgreSQL, one transaction), moves the organization's ``TrailHead`` to the last event, then times
``aims trail verify --org <slug>`` as a subprocess and ``verify_organization`` in-process. Environment:
``AIMS_BENCH_EVENTS`` (1,000,000), ``AIMS_BENCH_IMPORT_ROWS``, ``AIMS_BENCH_APPENDS``.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid

from benchmarks.common import (
    AIMS,
    child_result,
    child_setup,
    engines,
    print_table,
    progress,
    run_child,
    save,
    workspace,
)

EVENTS = int(os.environ.get("AIMS_BENCH_EVENTS", "1000000"))
IMPORT_ROWS = int(os.environ.get("AIMS_BENCH_IMPORT_ROWS", "1000"))
APPENDS = int(os.environ.get("AIMS_BENCH_APPENDS", "3000"))
COMMITTED_APPENDS = APPENDS // 10
BATCH = 10_000
VERIFY_TARGET_S = 10.0
#: Columns of ``base_trailevent`` in the order the generated rows hold them.
COLUMNS = ("id", "organization_id", "sequence", "timestamp", "request_id", "actor_type", "actor_id", "actor_label",
           "action", "object_type", "object_id", "object_label", "changes", "prev_hash", "hash")  # fmt: skip


def _bench_import(actor) -> dict:
    """``import_systems`` of ``IMPORT_ROWS`` rows (one create event each), as ``aims systems import`` runs it."""
    from openaims.base.models import TrailHead
    from openaims.inventory import services
    from openaims.inventory.transfer import import_systems

    for i in range(5):
        services.dataset_create(actor=actor, name=f"Dataset {i}")
    rows = [
        (
            i + 2,
            {
                "name": f"Imported system {i:05}",
                "purpose": "Loaded by the trail benchmark.",
                "owner": actor.user.username,
                "lifecycle_stage": "design",
                "tags": ["bench", "import"],
                "datasets": [f"Dataset {i % 5}"],
            },
        )
        for i in range(IMPORT_ROWS)
    ]
    before = TrailHead.objects.get(organization=actor.organization).sequence
    start = time.perf_counter()
    result = import_systems(actor=actor, rows=rows)
    elapsed = time.perf_counter() - start
    events = TrailHead.objects.get(organization=actor.organization).sequence - before
    assert result["created"] == IMPORT_ROWS and events == IMPORT_ROWS, (result, events)
    return {"rows": IMPORT_ROWS, "events": events, "seconds": elapsed, "events_per_s": events / elapsed}


def _bench_appends(actor) -> dict:
    """Raw ``record_event``: many in one transaction, and one transaction (commit) per event."""
    from django.db import transaction

    from openaims.base.trail import record_event

    def append(i: int) -> None:
        record_event(actor=actor, action="update", object_type="bench.thing", object_id=str(i), object_label=f"T{i}",
                     changes={"status": ["open", "closed"], "note": [None, f"append {i}"]})  # fmt: skip

    start = time.perf_counter()
    with transaction.atomic():
        for i in range(APPENDS):
            append(i)
    one_tx = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(COMMITTED_APPENDS):
        with transaction.atomic():
            append(i)
    committed = time.perf_counter() - start
    return {
        "one_transaction": {"events": APPENDS, "seconds": one_tx, "events_per_s": APPENDS / one_tx},
        "commit_each": {
            "events": COMMITTED_APPENDS,
            "seconds": committed,
            "events_per_s": COMMITTED_APPENDS / committed,
        },
    }


def _chain(organization, after_sequence: int, after_hash: str, count: int):
    """Batches of valid rows (``COLUMNS`` order) continuing an organization's chain, as the database stores them."""
    from django.db import connection

    from openaims.base.models import TrailEvent
    from openaims.base.trail import canonical_json
    from openaims.trail import HASHED_FIELDS, TIMESTAMP_FORMAT, event_hash

    sqlite = connection.vendor == "sqlite"
    org_id, org_db = str(organization.pk), (organization.pk.hex if sqlite else organization.pk)
    changes_of = '{{"purpose":["Scores loans.","Scores loans, revision {}."]}}'.format
    assert changes_of(7) == canonical_json({"purpose": ["Scores loans.", "Scores loans, revision 7."]})
    objects = [str(uuid.uuid4()) for _ in range(10_000)]  # each object gets ~100 events, like a busy record
    first = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(milliseconds=count)  # naive UTC
    assert connection.ops.adapt_datetimefield_value(first.replace(tzinfo=dt.UTC)) == (
        str(first) if sqlite else first.replace(tzinfo=dt.UTC)
    )
    prev, request_id, rows = after_hash, uuid.uuid4().hex, []
    for n in range(count):
        sequence = after_sequence + 1 + n
        if n % 50 == 0:
            request_id = uuid.uuid4().hex
        timestamp = first + dt.timedelta(milliseconds=n)
        # The values and order of TrailEvent.hashed_values() (the timestamp in UTC, as TIMESTAMP_FORMAT text).
        hashed = (sequence, org_id, timestamp.strftime(TIMESTAMP_FORMAT), request_id, "system", "", "benchmark loader",
                  "update", "inventory.aisystem", objects[sequence % 10_000], f"System {sequence % 10_000:05}",
                  changes_of(sequence))  # fmt: skip
        digest = event_hash(prev, hashed)
        if n == 0:  # the model hashes these values to the same digest
            fields = dict(zip(HASHED_FIELDS, hashed, strict=True))
            fields.update(organization_id=organization.pk, timestamp=timestamp.replace(tzinfo=dt.UTC))
            assert event_hash(prev, TrailEvent(**fields).hashed_values()) == digest
        stored_ts = str(timestamp) if sqlite else timestamp.replace(tzinfo=dt.UTC)
        rows.append((os.urandom(16).hex(), org_db, sequence, stored_ts, *hashed[3:], prev, digest))
        prev = digest
        if len(rows) == BATCH:
            yield rows
            rows = []
    if rows:
        yield rows


def _seed(organization, count: int) -> dict:
    """Append ``count`` generated events to the organization's chain and move its head (one transaction)."""
    from django.db import connection, transaction

    from openaims.base.models import TrailEvent, TrailHead

    table = TrailEvent._meta.db_table
    assert {f.column for f in TrailEvent._meta.concrete_fields} == set(COLUMNS), "TrailEvent's columns changed"
    head = TrailHead.objects.get(organization=organization)
    start = time.perf_counter()
    last = None
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB of page cache for the load only
            sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
            for rows in _chain(organization, head.sequence, head.hash, count):
                cursor.executemany(sql, rows)
                last = rows[-1]
        else:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for rows in _chain(organization, head.sequence, head.hash, count):
                    for row in rows:
                        copy.write_row(row)
                    last = rows[-1]
        TrailHead.objects.filter(pk=head.pk).update(sequence=last[2], hash=last[-1])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")  # what autovacuum does soon after a load this size
    elapsed = time.perf_counter() - start
    return {"events": count, "seconds": elapsed, "events_per_s": count / elapsed}


def _bench_verify(organization, total: int) -> dict:
    """``aims trail verify`` as a subprocess, then ``verify_organization`` in-process: in ranges by one worker
    process per CPU (what the command does), and in this one process alone."""
    from openaims.base import trail

    start = time.perf_counter()
    done = subprocess.run([str(AIMS), "trail", "verify", "--org", organization.slug], capture_output=True, text=True)
    cli = time.perf_counter() - start
    assert done.returncode == 0 and f"ok, {total} events" in done.stdout, (done.stdout, done.stderr)
    timings = {}
    for label, workers in (("in_ranges_s", None), ("one_process_s", 1)):
        start = time.perf_counter()
        count, broken = trail.verify_organization(organization, workers=workers)
        timings[label] = time.perf_counter() - start
        assert (count, broken) == (total, None), (count, broken)
    return {"events": total, "cli_s": cli, "cli_output": done.stdout.strip(), "workers": os.cpu_count(),
            **timings, "target_s": VERIFY_TARGET_S}  # fmt: skip


def child() -> None:
    child_setup()
    from openaims.accounts.selectors import actor_for
    from openaims.accounts.services import organization_create, user_create

    owner = user_create(username="bench-owner@example.org", password=None)
    actor = actor_for(owner, organization_create(name="Trail import", slug="trail-import", owner=owner))
    progress(f"import_systems of {IMPORT_ROWS:,} rows")
    result = {"import": _bench_import(actor)}
    progress(f"record_event: {APPENDS:,} in one transaction, {COMMITTED_APPENDS:,} committed one by one")
    result["appends"] = _bench_appends(actor)
    organization = organization_create(name="Trail million", slug="trail-million")
    progress(f"generating and inserting {EVENTS - 1:,} chained events")
    result["seed"] = _seed(organization, EVENTS - 1)  # event 1 is the organization's creation
    progress("aims trail verify (subprocess), then verify_organization (in-process)")
    result["verify"] = _bench_verify(organization, EVENTS)
    child_result(result)


def run() -> dict:
    results: dict = {"events": EVENTS, "import_rows": IMPORT_ROWS, "appends": APPENDS}
    for engine in engines():
        progress(f"{engine}: trail benchmark")
        with workspace(engine, "trail") as env:
            results[engine] = run_child("benchmarks.trail", env)
    names = [e for e in ("sqlite", "postgres") if e in results]
    r = {e: results[e] for e in names}

    def row(label: str, *keys: str, digits: int = 1) -> list:
        values = []
        for e in names:
            value = r[e]
            for key in keys:
                value = value[key]
            values.append(round(value, digits))
        return [label, *values]

    rows = [
        row(f"import_systems, {IMPORT_ROWS:,} rows (events/s)", "import", "events_per_s"),
        row(f"record_event ×{APPENDS:,}, one transaction (events/s)", "appends", "one_transaction", "events_per_s"),
        row(f"record_event ×{COMMITTED_APPENDS:,}, commit each (events/s)", "appends", "commit_each", "events_per_s"),
        row(f"seed: generate + bulk insert {EVENTS - 1:,} events (s)", "seed", "seconds"),
        row(f"aims trail verify, {EVENTS:,} events (s)", "verify", "cli_s", digits=2),
        row("verify_organization, ranges in worker processes (s)", "verify", "in_ranges_s", digits=2),
        row("verify_organization, one process (s)", "verify", "one_process_s", digits=2),
    ]
    print_table("Trail", ["measure", *names], rows)
    for e in names:
        ok = r[e]["verify"]["cli_s"] < VERIFY_TARGET_S
        print(f"  {e}: aims trail verify {'meets' if ok else 'MISSES'} the {VERIFY_TARGET_S:.0f} s target")
        r[e]["verify"]["meets_target"] = ok
    results["table"] = rows
    save("trail", results)
    return results


if __name__ == "__main__":
    child() if "--child" in sys.argv else run()
