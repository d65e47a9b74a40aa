"""Load: 16 API clients for 60 s of mixed reads and writes on ``aims serve`` (gunicorn) over PostgreSQL, first alone,
then beside a 20,000-row ``aims systems import`` into another organization.

``python -m benchmarks.load`` (or ``python -m benchmarks.run load``). Everything stays on 127.0.0.1: the script
creates a database of its own (dropped at the end), loads the demo organization, gives each client its own API
token, and starts ``aims serve --workers N --threads T`` (``AIMS_BENCH_LOAD_WORKERS``, default 4;
``AIMS_BENCH_LOAD_THREADS``, default 16). Each client sends its requests
over a kept-alive connection, choosing each at random (seeded): reads are lists and details of AI systems, risks and
incidents; writes are ``PATCH`` of AI systems and risks, ``POST`` of incidents and risks. Each 60 s phase runs twice:
back to back (each client sends its next request when the answer arrives: the server saturated), then paced (each
client starts one request every ``AIMS_BENCH_LOAD_PACE_MS``, default 500 ms: 32 requests/s offered).

Reported: requests, errors (every answer that is not 2xx, and every failed connection: must be 0), read and write
latency percentiles (target: reads p99 < 250 ms on the project's 2-core machine), the trail events of each kind
against the writes the server acknowledged (equal), and ``aims trail verify`` (ok).
"""

from __future__ import annotations

import collections
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.common import (
    AIMS,
    REPO,
    child_result,
    child_setup,
    free_port,
    ms,
    percentile,
    postgres_available,
    print_table,
    progress,
    run_child,
    save,
    stop_server,
    timed,
    wait_healthy,
    workspace,
)

CLIENTS = 16
SECONDS = float(os.environ.get("AIMS_BENCH_LOAD_SECONDS", 60))
IMPORT_ROWS = int(os.environ.get("AIMS_BENCH_LOAD_IMPORT_ROWS", 20_000))
WORKERS = int(os.environ.get("AIMS_BENCH_LOAD_WORKERS", 4))
#: Request threads per worker: 16, so that writes queued on the organization lock never leave reads without a thread.
THREADS = int(os.environ.get("AIMS_BENCH_LOAD_THREADS", 16))
WARM_UP_SECONDS = 10
#: Paced phases: each client starts one request every PACE seconds (16 clients: 32 requests/s offered).
PACE = float(os.environ.get("AIMS_BENCH_LOAD_PACE_MS", 500)) / 1000
PHASES = ("alone", "alone_paced", "with_import", "with_import_paced")
READ_P99_TARGET_MS = 250
IMPORT_SLUG = "imports"
IMPORTER = "importer@bench.local"

#: (name, weight, read?) of each kind of request; a write names the trail event it must leave.
REQUESTS = [
    ("GET /systems", 16, True),
    ("GET /systems/{id}", 16, True),
    ("GET /risks", 12, True),
    ("GET /risks/{id}", 12, True),
    ("GET /incidents", 14, True),
    ("PATCH /systems/{id}", 10, False),
    ("POST /incidents", 8, False),
    ("POST /risks", 6, False),
    ("PATCH /risks/{id}", 6, False),
]
#: The trail event each acknowledged write leaves (object type, action).
EVENT_OF = {
    "PATCH /systems/{id}": ("inventory.aisystem", "update"),
    "POST /incidents": ("incidents.incident", "create"),
    "POST /risks": ("risk.risk", "create"),
    "PATCH /risks/{id}": ("risk.risk", "update"),
}


# ---------------------------------------------------------------- set-up, in a child process with Django


def _child_setup() -> None:
    """Migrate, load the demo, make one token per client and an organization for the import; print the ids."""
    child_setup()
    from openaims.accounts.models import User
    from openaims.accounts.selectors import actor_for
    from openaims.accounts.services import organization_create, token_create, user_create
    from openaims.demo import DEMO_USERS, load_demo
    from openaims.inventory.models import AISystem
    from openaims.risk.models import Risk

    organization, _ = load_demo()
    owner = User.objects.get(username=DEMO_USERS[0][0])
    actor = actor_for(owner, organization)
    tokens = [token_create(actor=actor, user=owner, name=f"load client {n}")[1] for n in range(CLIENTS)]
    importer = user_create(username=IMPORTER, password="bench-importer-password")
    organization_create(name="Imports (benchmark)", slug=IMPORT_SLUG, owner=importer)
    child_result(
        {
            "organization_id": str(organization.pk),
            "tokens": tokens,
            "systems": [
                str(pk) for pk in AISystem.objects.filter(organization=organization).values_list("pk", flat=True)
            ],
            "risks": [str(pk) for pk in Risk.objects.filter(organization=organization).values_list("pk", flat=True)],
        }
    )


def _import_file(folder: Path) -> Path:
    """A CSV of ``IMPORT_ROWS`` new AI systems, in the format ``aims systems export`` writes."""
    path = folder / "systems.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("name,purpose,business_unit,lifecycle_stage,in_scope\n")
        for n in range(IMPORT_ROWS):
            out.write(f"Imported system {n:05},Scores applications (row {n}),Unit {n % 40},idea,yes\n")
    return path


# ---------------------------------------------------------------- the clients


class Tally:
    """Latencies and outcomes of every request, shared by the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = collections.defaultdict(list)
        self.errors: collections.Counter = collections.Counter()
        self.acknowledged: collections.Counter = collections.Counter()
        self.examples: list[str] = []

    def add(self, name: str, seconds: float, status: int | None, detail: str = "") -> None:
        with self.lock:
            self.latency[name].append(seconds)
            if status is None or not 200 <= status < 300:
                self.errors[name] += 1
                if len(self.examples) < 10:
                    self.examples.append(f"{name}: {status} {detail[:200]}")
            elif name in EVENT_OF:
                self.acknowledged[EVENT_OF[name]] += 1


def _request(name: str, ids: dict, rng: random.Random, stamp: str) -> tuple[str, str, dict | None]:
    system = rng.choice(ids["systems"])
    risk = rng.choice(ids["risks"])
    if name == "GET /systems":
        return "GET", "/api/v1/systems", None
    if name == "GET /systems/{id}":
        return "GET", f"/api/v1/systems/{system}", None
    if name == "GET /risks":
        return "GET", "/api/v1/risks", None
    if name == "GET /risks/{id}":
        return "GET", f"/api/v1/risks/{risk}", None
    if name == "GET /incidents":
        return "GET", "/api/v1/incidents", None
    if name == "PATCH /systems/{id}":
        return "PATCH", f"/api/v1/systems/{system}", {"description": f"Checked under load ({stamp})."}
    if name == "POST /incidents":
        return "POST", "/api/v1/incidents", {"title": f"Load incident {stamp}", "description": "Under load."}
    if name == "POST /risks":
        return "POST", "/api/v1/risks", {"title": f"Load risk {stamp}", "likelihood": 2, "consequence": 3}
    return "PATCH", f"/api/v1/risks/{risk}", {"description": f"Reviewed under load ({stamp})."}


def _client(phase: str, number: int, port: int, token: str, ids: dict, until: float, tally: Tally, pace: float) -> None:
    rng = random.Random(f"{phase} {number}")
    names = [name for name, _, _ in REQUESTS]
    weights = [weight for _, weight, _ in REQUESTS]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Connection": "keep-alive"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    sent = 0
    next_start = time.perf_counter()
    while time.perf_counter() < until:
        if pace:  # paced: one request every `pace` seconds (at once when behind, never a burst to catch up)
            time.sleep(max(0.0, next_start - time.perf_counter()))
            next_start = max(next_start + pace, time.perf_counter())
        sent += 1
        name = rng.choices(names, weights)[0]
        method, path, body = _request(name, ids, rng, f"{phase} client {number} request {sent}")
        start = time.perf_counter()
        try:
            connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            answer = connection.getresponse()
            content = answer.read()
            tally.add(name, time.perf_counter() - start, answer.status, content.decode(errors="replace"))
            if answer.getheader("Connection", "").lower() == "close":
                connection.close()
        except (OSError, http.client.HTTPException) as exc:
            tally.add(name, time.perf_counter() - start, None, repr(exc))
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.close()


def _trail_kinds(database_url: str, organization_id: str) -> collections.Counter:
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT object_type, action, count(*) FROM base_trailevent WHERE organization_id = %s GROUP BY 1, 2",
            [organization_id],
        ).fetchall()
    return collections.Counter({(object_type, action): count for object_type, action, count in rows})


def _count(database_url: str, sql: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute(sql).fetchone()[0]


def _phase(label: str, port: int, ids: dict, env: dict, seconds: float = SECONDS, pace: float = 0.0) -> dict:
    """Run the clients for ``seconds`` (back to back, or one request every ``pace`` s each); return the figures."""
    before = _trail_kinds(env["DATABASE_URL"], ids["organization_id"])
    tally = Tally()
    started = time.perf_counter()
    until = started + seconds
    threads = [
        threading.Thread(target=_client, args=(label, n, port, ids["tokens"][n], ids, until, tally, pace))
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    after = _trail_kinds(env["DATABASE_URL"], ids["organization_id"])
    reads = [s for name, _, read in REQUESTS if read for s in tally.latency[name]]
    writes = [s for name, _, read in REQUESTS if not read for s in tally.latency[name]]
    events = {f"{t} {a}": after[(t, a)] - before[(t, a)] for t, a in EVENT_OF.values()}
    acknowledged = {f"{t} {a}": tally.acknowledged[(t, a)] for t, a in EVENT_OF.values()}
    figures = {
        "phase": label,
        "seconds": round(elapsed, 1),
        "requests": len(reads) + len(writes),
        "requests_per_s": round((len(reads) + len(writes)) / elapsed, 1),
        "errors": sum(tally.errors.values()),
        "errors_by_request": dict(tally.errors),
        "error_examples": tally.examples,
        "reads": len(reads),
        "writes": len(writes),
        "read_ms": {p: ms(percentile(reads, q)) for p, q in (("p50", 50), ("p95", 95), ("p99", 99))} if reads else {},
        "write_ms": {p: ms(percentile(writes, q)) for p, q in (("p50", 50), ("p95", 95), ("p99", 99))}
        if writes
        else {},
        "by_request_ms": {
            name: {"count": len(v), "p50": ms(percentile(v, 50)), "p99": ms(percentile(v, 99))}
            for name, v in tally.latency.items()
        },
        "acknowledged_writes": acknowledged,
        "trail_events": events,
        "trail_events_match": events == acknowledged,
    }
    return figures


def run() -> dict:
    if not postgres_available():
        print("PostgreSQL: no server at 127.0.0.1:5432; the load benchmark needs it")
        return {}
    results: dict = {
        "clients": CLIENTS,
        "seconds": SECONDS,
        "workers": WORKERS,
        "threads": THREADS,
        "import_rows": IMPORT_ROWS,
    }
    with workspace("postgres", "load") as env, tempfile.TemporaryDirectory(prefix="aims-load-") as folder:
        progress("set-up: aims init, demo organization, one API token per client, an organization for the import")
        timed([str(AIMS), "init"], env, cwd=REPO)
        ids = run_child("benchmarks.load", env)
        csv = _import_file(Path(folder))
        port = free_port()
        log = open(Path(folder) / "server.log", "w+b")  # noqa: SIM115 - closed below, read on failure
        server = subprocess.Popen(
            [
                str(AIMS),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(WORKERS),
                "--threads",
                str(THREADS),
            ],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        try:
            wait_healthy(server, port)
            progress(
                f"{CLIENTS} clients for {SECONDS:.0f} s, aims serve --workers {WORKERS} --threads {THREADS} (gunicorn)"
            )
            warm = _phase("warm-up", port, ids, env, seconds=WARM_UP_SECONDS)  # every worker loads the app
            results["warm_up"] = {k: warm[k] for k in ("seconds", "requests", "errors", "trail_events_match")}
            results["alone"] = _phase("alone", port, ids, env)
            results["alone_paced"] = _phase("alone, paced", port, ids, env, pace=PACE)
            progress(f"the same beside `aims systems import` of {IMPORT_ROWS:,} rows into another organization")
            began = time.perf_counter()
            importer = subprocess.Popen(
                [str(AIMS), "systems", "import", str(csv), "--org", IMPORT_SLUG, "--user", IMPORTER],
                env=env,
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            results["with_import"] = _phase("with import", port, ids, env)
            results["with_import_paced"] = _phase("with import, paced", port, ids, env, pace=PACE)
            results["import_still_running_after_phases"] = importer.poll() is None
            output, _ = importer.communicate(timeout=3600)
            results["import"] = {
                "seconds": round(time.perf_counter() - began, 1),
                "exit_code": importer.returncode,
                "output": output.strip()[-300:],
                "systems": _count(
                    env["DATABASE_URL"],
                    "SELECT count(*) FROM inventory_aisystem s JOIN accounts_organization o "
                    f"ON o.id = s.organization_id WHERE o.slug = '{IMPORT_SLUG}'",
                ),
            }
        finally:
            stop_server(server)
            log.seek(0)
            results["server_log_tail"] = log.read().decode(errors="replace")[-3000:]
            log.close()
        verify = subprocess.run([str(AIMS), "trail", "verify"], env=env, cwd=REPO, capture_output=True, text=True)
        results["trail_verify"] = {"exit_code": verify.returncode, "output": (verify.stdout + verify.stderr).strip()}
    rows = []
    for key in PHASES:
        phase = results[key]
        rows.append(
            [
                phase["phase"],
                f"{phase['requests']:,}",
                phase["requests_per_s"],
                phase["errors"],
                phase["read_ms"].get("p50"),
                phase["read_ms"].get("p95"),
                phase["read_ms"].get("p99"),
                phase["write_ms"].get("p50"),
                phase["write_ms"].get("p99"),
                "yes" if phase["trail_events_match"] else "NO",
            ]
        )
    print_table(
        f"{CLIENTS} clients × {SECONDS:.0f} s on aims serve --workers {WORKERS} --threads {THREADS}, PostgreSQL (ms)",
        ["phase", "requests", "req/s", "errors", "read p50", "p95", "p99", "write p50", "p99", "events = writes"],
        rows,
    )
    imported = results["import"]
    print(
        f"\n  import: {imported['systems']:,} systems in {imported['seconds']} s (exit {imported['exit_code']}); "
        f"aims trail verify: exit {results['trail_verify']['exit_code']}, {results['trail_verify']['output'][:200]}"
    )
    for key in PHASES:
        if results[key]["errors"]:
            print(f"  {key}: errors {results[key]['errors_by_request']}; e.g. {results[key]['error_examples'][:3]}")
    results["table"] = rows
    save("load", results)
    return results


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child_setup()
    else:
        run()
